import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { IncidentStage, RenewalReminderDays, ServiceEvent } from '@ismap/domain';
import { expiryDateOf, serviceDecider, serviceStreamName } from '@ismap/domain';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import type { CommandMetadata } from '../commands/command-metadata';
import { handleCommand, loadStream, type CommandResult } from '../commands/handle-command';
import { newIdFor } from '../commands/ids';

export class WithdrawServiceCommand {
  constructor(
    readonly serviceId: string,
    readonly providerId: string,
    readonly effectiveOn: string,
    readonly reason: string,
    readonly metadata: CommandMetadata,
  ) {}
}

@CommandHandler(WithdrawServiceCommand)
export class WithdrawServiceHandler implements ICommandHandler<
  WithdrawServiceCommand,
  CommandResult<ServiceEvent>
> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  execute(command: WithdrawServiceCommand): Promise<CommandResult<ServiceEvent>> {
    return handleCommand(
      this.store,
      serviceStreamName(command.serviceId),
      serviceDecider,
      {
        type: 'WithdrawService',
        data: {
          providerId: command.providerId,
          effectiveOn: command.effectiveOn,
          reason: command.reason,
          withdrawnOn: command.metadata.occurredOn,
        },
      },
      command.metadata,
    );
  }
}

export class ReportIncidentCommand {
  constructor(
    readonly serviceId: string,
    readonly providerId: string,
    readonly incident: {
      readonly stage: IncidentStage;
      readonly flashIncidentId: string | null;
      readonly occurredAt: string;
      readonly summary: string;
    },
    readonly metadata: CommandMetadata,
  ) {}
}

@CommandHandler(ReportIncidentCommand)
export class ReportIncidentHandler implements ICommandHandler<
  ReportIncidentCommand,
  CommandResult<ServiceEvent> & { incidentId: string }
> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute(command: ReportIncidentCommand) {
    const incidentId = newIdFor(command.metadata.commandId, 'incident');
    const result = await handleCommand(
      this.store,
      serviceStreamName(command.serviceId),
      serviceDecider,
      {
        type: 'ReportIncident',
        data: {
          providerId: command.providerId,
          incidentId,
          ...command.incident,
          reportedOn: command.metadata.occurredOn,
        },
      },
      command.metadata,
    );
    const reported = result.events[0];
    return {
      ...result,
      incidentId: reported?.type === 'IncidentReported' ? reported.data.incidentId : incidentId,
    };
  }
}

export class ExpireRegistrationCommand {
  constructor(
    readonly serviceId: string,
    /** The day the sweep runs for; the expiry itself is dated the day after `validUntil`. */
    readonly asOf: string,
    readonly metadata: CommandMetadata,
  ) {}
}

@CommandHandler(ExpireRegistrationCommand)
export class ExpireRegistrationHandler implements ICommandHandler<
  ExpireRegistrationCommand,
  CommandResult<ServiceEvent>
> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute(command: ExpireRegistrationCommand): Promise<CommandResult<ServiceEvent>> {
    const { state } = await loadStream(this.store, serviceStreamName(command.serviceId), serviceDecider);
    // The business date of an expiry is the day it took effect, not the day the sweep noticed it.
    const occurredOn = state.status === 'none' ? command.asOf : expiryDateOf(state.validUntil);
    return handleCommand(
      this.store,
      serviceStreamName(command.serviceId),
      serviceDecider,
      { type: 'ExpireRegistration', data: { asOf: command.asOf } },
      { ...command.metadata, occurredOn },
    );
  }
}

export class RemindRenewalDeadlineCommand {
  constructor(
    readonly serviceId: string,
    readonly daysBefore: RenewalReminderDays,
    /** The day the reminder is due and issued on (its business date). */
    readonly asOf: string,
    readonly metadata: CommandMetadata,
  ) {}
}

@CommandHandler(RemindRenewalDeadlineCommand)
export class RemindRenewalDeadlineHandler implements ICommandHandler<
  RemindRenewalDeadlineCommand,
  CommandResult<ServiceEvent>
> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  execute(command: RemindRenewalDeadlineCommand): Promise<CommandResult<ServiceEvent>> {
    return handleCommand(
      this.store,
      serviceStreamName(command.serviceId),
      serviceDecider,
      { type: 'RemindRenewalDeadline', data: { daysBefore: command.daysBefore, asOf: command.asOf } },
      { ...command.metadata, occurredOn: command.asOf },
    );
  }
}
