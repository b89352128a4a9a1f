import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Decision, MeetingEvent, MeetingState, RulingSubject } from '@ismap/domain';
import {
  applicationDecider,
  applicationStreamName,
  auditBodyDecider,
  auditBodyStreamName,
  meetingDecider,
  meetingIdFor,
  meetingStreamName,
  checkRuling,
  DomainError,
  planRuling,
  serviceDecider,
  serviceStreamName,
} from '@ismap/domain';
import { APP_CONFIG, type AppConfig } from '@ismap/config';
import { EVENT_STORE, WrongExpectedVersionError, type EventStore } from '@ismap/event-store';
import type { CommandMetadata } from '../commands/command-metadata';
import { commandContextOf } from '../commands/command-metadata';
import {
  earlierResult,
  handleCommand,
  loadStream,
  PreconditionFailedError,
  type CommandResult,
} from '../commands/handle-command';
import { newIdFor } from '../commands/ids';
import { newest, ReactionRunner } from '../reactions/reaction-runner';
import { reserveNumber } from './reserve-number';

export class ScheduleMeetingCommand {
  constructor(
    readonly number: number,
    readonly heldOn: string,
    readonly metadata: CommandMetadata,
  ) {}
}

@CommandHandler(ScheduleMeetingCommand)
export class ScheduleMeetingHandler implements ICommandHandler<
  ScheduleMeetingCommand,
  CommandResult<MeetingEvent> & { meetingId: string }
> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ number, heldOn, metadata }: ScheduleMeetingCommand) {
    const meetingId = meetingIdFor(number);
    const result = await handleCommand(
      this.store,
      meetingStreamName(meetingId),
      meetingDecider,
      { type: 'ScheduleMeeting', data: { meetingId, number, heldOn } },
      metadata,
    );
    return { ...result, meetingId };
  }
}

const MAX_RULING_ATTEMPTS = 5;

export class RecordRulingCommand {
  constructor(
    readonly meetingId: string,
    readonly subject: RulingSubject,
    readonly decision: Decision,
    readonly rationale: string,
    readonly metadata: CommandMetadata,
  ) {}
}

export type RecordRulingResult = CommandResult<MeetingEvent> & {
  readonly rulingId: string;
  readonly registrationNumber: string | null;
};

/**
 * Records a committee ruling: checks it against its subject's state, reserves a registration number where one is
 * assigned, appends the ruling to the meeting, then applies its effects (which the process manager would
 * otherwise apply from the log).
 */
@CommandHandler(RecordRulingCommand)
export class RecordRulingHandler implements ICommandHandler<RecordRulingCommand, RecordRulingResult> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly reactions: ReactionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute(command: RecordRulingCommand): Promise<RecordRulingResult> {
    // Another ruling at the same meeting may land between our read and our append: decide again on the new state.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.record(command);
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError) || attempt >= MAX_RULING_ATTEMPTS) throw error;
      }
    }
  }

  private async record(command: RecordRulingCommand): Promise<RecordRulingResult> {
    const { meetingId, subject, decision, metadata } = command;
    const streamName = meetingStreamName(meetingId);
    const earlier = await earlierResult<MeetingEvent>(this.store, streamName, metadata.commandId);
    if (earlier !== null) return this.resultOf(earlier, newIdFor(metadata.commandId, 'ruling'), null);
    const meeting = await loadStream(this.store, streamName, meetingDecider);
    if (metadata.expectedRevision !== undefined && metadata.expectedRevision !== meeting.revision) {
      throw new PreconditionFailedError(streamName, metadata.expectedRevision, meeting.revision);
    }
    // The meeting's own rules first: a ruling it would refuse must not consume a registration number.
    const { meeting: held } = checkRuling(
      meeting.state,
      subject,
      command.rationale,
      commandContextOf(metadata).today,
    );
    const rulingMetadata: CommandMetadata = { ...metadata, occurredOn: held.heldOn };

    const plan = planRuling({
      decision,
      subject,
      meeting: { meetingId, heldOn: held.heldOn },
      ...(await this.subjectStates(subject)),
    });
    const reserved =
      plan.reserve === null
        ? null
        : await reserveNumber(
            this.store,
            plan.reserve.list,
            plan.reserve.subjectId,
            held.heldOn,
            rulingMetadata,
          );
    const { effect, registrationNumber } = plan.complete(reserved);
    const rulingId = newIdFor(metadata.commandId, 'ruling');
    const result = await handleCommand(
      this.store,
      streamName,
      meetingDecider,
      {
        type: 'RecordRuling',
        data: { rulingId, subject, decision, rationale: command.rationale, registrationNumber, effect },
      },
      rulingMetadata,
    );
    if (this.config.faultInjection === 'crash-after-ruling-append') {
      // The crash test's point: the ruling is durable, its effects are not yet applied (docs/adr/0004).
      process.kill(process.pid, 'SIGKILL');
    }
    if (!result.replayed) {
      const [event] = await this.store.readStream(streamName, { fromRevision: result.revision });
      if (event !== undefined) {
        // X-Log-Position covers the ruling's inline effects too, so a read waiting for it sees them.
        const position = newest(result.position, await this.reactions.react(event, new Date(metadata.now)));
        return this.resultOf({ ...result, position }, rulingId, registrationNumber);
      }
    }
    return this.resultOf(result, rulingId, registrationNumber);
  }

  private resultOf(
    result: CommandResult<MeetingEvent>,
    rulingId: string,
    registrationNumber: string | null,
  ): RecordRulingResult {
    const recorded = result.events[0];
    const ruling = recorded?.type === 'RulingRecorded' ? recorded.data : undefined;
    return {
      ...result,
      rulingId: ruling?.rulingId ?? rulingId,
      registrationNumber: ruling?.registrationNumber ?? registrationNumber,
    };
  }

  private subjectStates(subject: RulingSubject) {
    return subjectStatesOf(this.store, subject);
  }
}

/** The states a ruling on this subject is judged against, as its plan needs them. */
async function subjectStatesOf(store: EventStore, subject: RulingSubject) {
  switch (subject.kind) {
    case 'application': {
      const application = (
        await loadStream(store, applicationStreamName(subject.applicationId), applicationDecider)
      ).state;
      const service =
        application.status === 'none'
          ? undefined
          : (await loadStream(store, serviceStreamName(application.serviceId), serviceDecider)).state;
      return { application, ...(service === undefined ? {} : { service }) };
    }
    case 'service':
      return {
        service: (await loadStream(store, serviceStreamName(subject.serviceId), serviceDecider)).state,
      };
    case 'auditBody':
      return {
        auditBody: (await loadStream(store, auditBodyStreamName(subject.auditBodyId), auditBodyDecider))
          .state,
      };
  }
}

export class ConfirmRulingCommand {
  constructor(
    readonly meetingId: string,
    readonly rulingId: string,
    readonly metadata: CommandMetadata,
  ) {}
}

export type ConfirmRulingResult = CommandResult<MeetingEvent> & { readonly rulingId: string };

/**
 * The second pair of eyes on a heavy ruling: a different secretariat user confirms it, and only then do its
 * effects run (inline here, and from the log through the process manager, as for any ruling).
 */
@CommandHandler(ConfirmRulingCommand)
export class ConfirmRulingHandler implements ICommandHandler<ConfirmRulingCommand, ConfirmRulingResult> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly reactions: ReactionRunner,
  ) {}

  async execute(command: ConfirmRulingCommand): Promise<ConfirmRulingResult> {
    const { meetingId, rulingId, metadata } = command;
    const streamName = meetingStreamName(meetingId);
    const earlier = await earlierResult<MeetingEvent>(this.store, streamName, metadata.commandId);
    if (earlier !== null) return { ...earlier, rulingId };
    const meeting = await loadStream(this.store, streamName, meetingDecider);
    // The meeting's own refusals (self-confirmation, already confirmed, ...) come before the subject's.
    meetingDecider.decide(
      { type: 'ConfirmRuling', data: { rulingId } },
      meeting.state,
      commandContextOf(metadata),
    );
    await this.checkStillApplicable(meeting.state, rulingId);
    const result = await handleCommand(
      this.store,
      streamName,
      meetingDecider,
      { type: 'ConfirmRuling', data: { rulingId } },
      metadata,
    );
    if (!result.replayed) {
      const [event] = await this.store.readStream(streamName, { fromRevision: result.revision });
      if (event !== undefined) {
        const position = newest(result.position, await this.reactions.react(event, new Date(metadata.now)));
        return { ...result, position, rulingId };
      }
    }
    return { ...result, rulingId };
  }

  /**
   * The subject may have moved on since the ruling was recorded (withdrawn, revoked by another ruling): the
   * confirmation is refused with the plan's own error rather than recording an effect that cannot apply.
   */
  private async checkStillApplicable(state: MeetingState, rulingId: string): Promise<void> {
    if (state.status === 'none') return;
    const ruling = state.rulings.find((r) => r.rulingId === rulingId);
    if (ruling?.confirmation !== 'PENDING') return;
    const { decision, subject } = ruling.recorded;
    try {
      planRuling({
        decision,
        subject,
        meeting: { meetingId: state.meetingId, heldOn: state.heldOn },
        ...(await subjectStatesOf(this.store, subject)),
      });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      throw new DomainError(
        'RULING.NO_LONGER_APPLICABLE',
        `The ruling can no longer take effect: ${error.message}`,
        'conflict',
        { cause: error.code },
      );
    }
  }
}
