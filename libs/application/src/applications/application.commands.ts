import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type {
  ApplicationCommand,
  ApplicationDetails,
  ApplicationEvent,
  ApplicationKind,
  Track,
} from '@ismap/domain';
import {
  applicationDecider,
  applicationIdOfFinding,
  applicationStreamName,
  DomainError,
} from '@ismap/domain';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import type { CommandMetadata } from '../commands/command-metadata';
import { handleCommand, loadStream, type CommandResult } from '../commands/handle-command';
import { newIdFor } from '../commands/ids';
import { newest, ReactionRunner } from '../reactions/reaction-runner';
import { ApplicationFacts } from './application-facts';

export type ApplicationCommandResult = CommandResult<ApplicationEvent> & { readonly applicationId: string };

/** Appends to an application's stream, then applies the reactions of what it appended (e.g. renewal pending). */
async function onApplication(
  store: EventStore,
  reactions: ReactionRunner,
  applicationId: string,
  command: ApplicationCommand,
  metadata: CommandMetadata,
): Promise<ApplicationCommandResult> {
  const result = await handleCommand(
    store,
    applicationStreamName(applicationId),
    applicationDecider,
    command,
    metadata,
  );
  if (!result.replayed && result.events.length > 0) {
    const recorded = await store.readStream(applicationStreamName(applicationId), {
      fromRevision: result.revision - result.events.length + 1,
    });
    let position = result.position;
    for (const event of recorded)
      position = newest(position, await reactions.react(event, new Date(metadata.now)));
    // X-Log-Position covers the command's inline effects too, so a read waiting for it sees them.
    return { ...result, position, applicationId };
  }
  return { ...result, applicationId };
}

export interface SubmitApplicationInput extends ApplicationDetails {
  readonly kind: ApplicationKind;
  readonly track: Track;
  /** Required for RENEWAL and CHANGE; a NEW application gets a new service id. */
  readonly serviceId?: string;
  readonly submittedOn: string;
}

export class SubmitApplicationCommand {
  constructor(
    readonly providerId: string,
    readonly input: SubmitApplicationInput,
    readonly metadata: CommandMetadata,
  ) {}
}

@CommandHandler(SubmitApplicationCommand)
export class SubmitApplicationHandler implements ICommandHandler<
  SubmitApplicationCommand,
  ApplicationCommandResult & { serviceId: string }
> {
  private readonly facts: ApplicationFacts;
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly reactions: ReactionRunner,
  ) {
    this.facts = new ApplicationFacts(store);
  }

  async execute({ providerId, input, metadata }: SubmitApplicationCommand) {
    const applicationId = newIdFor(metadata.commandId, 'application');
    if (input.kind !== 'NEW' && input.serviceId === undefined) {
      throw new DomainError(
        'APPLICATION.SERVICE_REQUIRED',
        `A ${input.kind} application names its serviceId`,
      );
    }
    if (input.kind === 'NEW' && input.serviceId !== undefined) {
      throw new DomainError(
        'APPLICATION.SERVICE_NOT_ALLOWED',
        'A NEW application gets a new serviceId; do not send one',
      );
    }
    const serviceId = input.serviceId ?? newIdFor(metadata.commandId, 'service');
    const [providerExists, auditBody, service] = await Promise.all([
      this.facts.providerExists(providerId),
      this.facts.auditBody(input.auditBodyId),
      input.kind === 'NEW' ? Promise.resolve(null) : this.facts.service(serviceId),
    ]);
    const { serviceId: _ignored, ...details } = input;
    const result = await onApplication(
      this.store,
      this.reactions,
      applicationId,
      {
        type: 'SubmitApplication',
        data: { ...details, applicationId, serviceId, providerId, providerExists, auditBody, service },
      },
      metadata,
    );
    return { ...result, serviceId };
  }
}

/** A command on an existing application whose data the edge supplies as is. */
export class ApplicationActionCommand {
  constructor(
    readonly applicationId: string,
    readonly command: Exclude<
      ApplicationCommand,
      { type: 'SubmitApplication' | 'ResubmitApplication' | 'ReferApplication' | 'ApplyRuling' }
    >,
    readonly metadata: CommandMetadata,
  ) {}
}

@CommandHandler(ApplicationActionCommand)
export class ApplicationActionHandler implements ICommandHandler<
  ApplicationActionCommand,
  ApplicationCommandResult
> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly reactions: ReactionRunner,
  ) {}

  execute({ applicationId, command, metadata }: ApplicationActionCommand): Promise<ApplicationCommandResult> {
    return onApplication(this.store, this.reactions, applicationId, command, metadata);
  }
}

export class ResubmitApplicationCommand {
  constructor(
    readonly applicationId: string,
    readonly providerId: string,
    readonly changes: Partial<ApplicationDetails>,
    readonly resubmittedOn: string,
    readonly metadata: CommandMetadata,
  ) {}
}

@CommandHandler(ResubmitApplicationCommand)
export class ResubmitApplicationHandler implements ICommandHandler<
  ResubmitApplicationCommand,
  ApplicationCommandResult
> {
  private readonly facts: ApplicationFacts;
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly reactions: ReactionRunner,
  ) {
    this.facts = new ApplicationFacts(store);
  }

  async execute(command: ResubmitApplicationCommand): Promise<ApplicationCommandResult> {
    const { state } = await loadStream(
      this.store,
      applicationStreamName(command.applicationId),
      applicationDecider,
    );
    if (state.status === 'none')
      throw new DomainError('APPLICATION.NOT_FOUND', 'No such application', 'not_found');
    const [auditBody, service] = await Promise.all([
      this.facts.auditBody(command.changes.auditBodyId ?? state.auditBodyId),
      state.kind === 'NEW' ? Promise.resolve(null) : this.facts.service(state.serviceId),
    ]);
    return onApplication(
      this.store,
      this.reactions,
      command.applicationId,
      {
        type: 'ResubmitApplication',
        data: {
          changes: command.changes,
          resubmittedOn: command.resubmittedOn,
          providerId: command.providerId,
          auditBody,
          service,
        },
      },
      command.metadata,
    );
  }
}

export class ReferApplicationCommand {
  constructor(
    readonly applicationId: string,
    readonly meetingId: string,
    readonly referredOn: string,
    readonly metadata: CommandMetadata,
  ) {}
}

@CommandHandler(ReferApplicationCommand)
export class ReferApplicationHandler implements ICommandHandler<
  ReferApplicationCommand,
  ApplicationCommandResult
> {
  private readonly facts: ApplicationFacts;
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly reactions: ReactionRunner,
  ) {
    this.facts = new ApplicationFacts(store);
  }

  async execute(command: ReferApplicationCommand): Promise<ApplicationCommandResult> {
    const meeting = await this.facts.meeting(command.meetingId);
    return onApplication(
      this.store,
      this.reactions,
      command.applicationId,
      {
        type: 'ReferApplication',
        data: { meeting, meetingId: command.meetingId, referredOn: command.referredOn },
      },
      command.metadata,
    );
  }
}

/** Finding routes name only the finding; its id names the application. */
export function applicationOfFinding(findingId: string): string {
  const applicationId = applicationIdOfFinding(findingId);
  if (applicationId === null) throw new DomainError('FINDING.NOT_FOUND', 'No such finding', 'not_found');
  return applicationId;
}
