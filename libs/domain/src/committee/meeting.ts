import { DomainError } from '../shared/domain-error';
import type { Command, CommandContext, Decider, DomainEvent } from '../shared/messages';
import { assertNever } from '../shared/messages';
import type { Decision } from '../shared/vocabulary';
import type { RulingEffect, RulingSubject } from './ruling-plan';

export const meetingStreamName = (meetingId: string): string => `meeting-${meetingId}`;
/** A meeting is known by its number (第N回), so numbering it twice is a conflict the store itself detects. */
export const meetingIdFor = (number: number): string => `M${number}`;

export type MeetingScheduled = DomainEvent<
  'MeetingScheduled',
  { meetingId: string; number: number; heldOn: string }
>;
export type RulingRecorded = DomainEvent<
  'RulingRecorded',
  {
    rulingId: string;
    meetingId: string;
    meetingNumber: number;
    decidedOn: string;
    subject: RulingSubject;
    decision: Decision;
    rationale: string;
    registrationNumber: string | null;
    effect: RulingEffect;
    /**
     * Present on heavy rulings only: the effect waits for a second secretariat user's RulingConfirmed. Absent on
     * every other ruling, and on rulings recorded before four eyes existed, which took effect when recorded.
     */
    confirmation?: 'REQUIRED';
    /** The `sub` who recorded a ruling that needs confirmation: the one person who may not confirm it. */
    proposedBy?: string;
  }
>;
/**
 * The second pair of eyes on a heavy ruling. It repeats the ruling (effect included) so that its reactions, like a
 * RulingRecorded's, are a pure function of this one event.
 */
export type RulingConfirmed = DomainEvent<
  'RulingConfirmed',
  {
    rulingId: string;
    meetingId: string;
    meetingNumber: number;
    decidedOn: string;
    subject: RulingSubject;
    decision: Decision;
    rationale: string;
    registrationNumber: string | null;
    effect: RulingEffect;
    proposedBy: string;
    confirmedBy: string;
    /** Instant (ISO-8601 UTC) of the confirmation; the effect keeps the meeting's date as its business date. */
    confirmedAt: string;
  }
>;
export type MeetingEvent = MeetingScheduled | RulingRecorded | RulingConfirmed;

export type ScheduleMeeting = Command<
  'ScheduleMeeting',
  { meetingId: string; number: number; heldOn: string }
>;
export type RecordRuling = Command<
  'RecordRuling',
  {
    rulingId: string;
    subject: RulingSubject;
    decision: Decision;
    rationale: string;
    registrationNumber: string | null;
    effect: RulingEffect;
  }
>;
export type ConfirmRuling = Command<'ConfirmRuling', { rulingId: string }>;
export type MeetingCommand = ScheduleMeeting | RecordRuling | ConfirmRuling;

/**
 * Decisions whose effect takes a registration off a list: one secretariat user records them, a different one
 * must confirm them before they act ([D], issue 5 "four eyes").
 */
export const FOUR_EYES_DECISIONS: readonly Decision[] = ['REVOKE', 'AUDIT_BODY_DELIST'];

export const requiresConfirmation = (decision: Decision): boolean => FOUR_EYES_DECISIONS.includes(decision);

/** `NONE`: effective when recorded; `PENDING`: waiting for its second pair of eyes; `CONFIRMED`: effective. */
export type RulingConfirmationStatus = 'NONE' | 'PENDING' | 'CONFIRMED';

export interface RulingSummary {
  readonly rulingId: string;
  readonly subjectKey: string;
  readonly decision: Decision;
  readonly confirmation: RulingConfirmationStatus;
  /** The recorded ruling, kept so that a confirmation can repeat it. */
  readonly recorded: RulingRecorded['data'];
}

export type MeetingState =
  | { readonly status: 'none' }
  | {
      readonly status: 'SCHEDULED';
      readonly meetingId: string;
      readonly number: number;
      readonly heldOn: string;
      readonly rulings: readonly RulingSummary[];
    };

export const subjectKeyOf = (subject: RulingSubject): string =>
  subject.kind === 'application'
    ? `application:${subject.applicationId}`
    : subject.kind === 'service'
      ? `service:${subject.serviceId}`
      : `auditBody:${subject.auditBodyId}`;

type Scheduled = Exclude<MeetingState, { status: 'none' }>;

/**
 * The meeting's own rules for a ruling. The ruling handler checks them before it reserves a registration number,
 * so a ruling the meeting would refuse never consumes a serial.
 */
export function checkRuling(
  state: MeetingState,
  subject: RulingSubject,
  rationale: string,
  today: string,
): { meeting: Scheduled; rationale: string } {
  if (state.status === 'none') throw new DomainError('MEETING.NOT_FOUND', 'No such meeting', 'not_found');
  if (state.heldOn > today) {
    throw new DomainError(
      'MEETING.NOT_YET_HELD',
      `Meeting ${state.number} is held on ${state.heldOn}; rulings come after`,
    );
  }
  const key = subjectKeyOf(subject);
  const earlier = state.rulings.find((r) => r.subjectKey === key);
  if (earlier !== undefined) {
    throw new DomainError(
      'RULING.ALREADY_RECORDED',
      `Meeting ${state.number} already ruled ${earlier.decision} on this subject`,
      'conflict',
      { rulingId: earlier.rulingId },
    );
  }
  const trimmed = rationale.trim();
  if (trimmed === '') throw new DomainError('RULING.RATIONALE_REQUIRED', 'A ruling needs its rationale');
  return { meeting: state, rationale: trimmed };
}

function decide(command: MeetingCommand, state: MeetingState, context: CommandContext): MeetingEvent[] {
  switch (command.type) {
    case 'ScheduleMeeting': {
      if (state.status !== 'none') {
        throw new DomainError(
          'MEETING.ALREADY_SCHEDULED',
          `Meeting ${state.number} already exists`,
          'conflict',
          {
            meetingId: state.meetingId,
          },
        );
      }
      if (!Number.isInteger(command.data.number) || command.data.number < 1) {
        throw new DomainError('MEETING.NUMBER_INVALID', 'A meeting number is a positive whole number');
      }
      return [{ type: 'MeetingScheduled', data: command.data }];
    }
    case 'RecordRuling': {
      const { meeting, rationale } = checkRuling(
        state,
        command.data.subject,
        command.data.rationale,
        context.today,
      );
      return [
        {
          type: 'RulingRecorded',
          data: {
            rulingId: command.data.rulingId,
            meetingId: meeting.meetingId,
            meetingNumber: meeting.number,
            decidedOn: meeting.heldOn,
            subject: command.data.subject,
            decision: command.data.decision,
            rationale,
            registrationNumber: command.data.registrationNumber,
            effect: command.data.effect,
            ...(requiresConfirmation(command.data.decision)
              ? { confirmation: 'REQUIRED' as const, proposedBy: context.actor.sub }
              : {}),
          },
        },
      ];
    }
    case 'ConfirmRuling':
      return [confirm(state, command.data.rulingId, context)];
    default:
      return assertNever(command);
  }
}

function confirm(state: MeetingState, rulingId: string, context: CommandContext): RulingConfirmed {
  if (state.status === 'none') throw new DomainError('MEETING.NOT_FOUND', 'No such meeting', 'not_found');
  const ruling = state.rulings.find((r) => r.rulingId === rulingId);
  if (ruling === undefined) {
    throw new DomainError('RULING.NOT_FOUND', `Meeting ${state.number} recorded no such ruling`, 'not_found');
  }
  if (ruling.confirmation === 'NONE') {
    throw new DomainError(
      'RULING.CONFIRMATION_NOT_REQUIRED',
      `A ${ruling.decision} ruling takes effect when recorded; only ${FOUR_EYES_DECISIONS.join(' and ')} are confirmed`,
    );
  }
  if (ruling.confirmation === 'CONFIRMED') {
    throw new DomainError('RULING.ALREADY_CONFIRMED', 'This ruling was already confirmed', 'conflict', {
      rulingId,
    });
  }
  if (context.occurredOn < state.heldOn) {
    throw new DomainError(
      'RULING.CONFIRMED_BEFORE_MEETING',
      `Meeting ${state.number} is held on ${state.heldOn}; a confirmation cannot be dated ${context.occurredOn}`,
    );
  }
  const { confirmation: _required, proposedBy, ...recorded } = ruling.recorded;
  // The guard lets only secretariat tokens here; the rule is repeated so no other edge can bypass it.
  if (!context.actor.roles.includes('secretariat')) {
    throw new DomainError('RULING.CONFIRMER_NOT_SECRETARIAT', 'Only the secretariat confirms rulings');
  }
  if (proposedBy === undefined || proposedBy === context.actor.sub) {
    throw new DomainError(
      'RULING.SELF_CONFIRMATION',
      'A heavy ruling is confirmed by a different secretariat user than the one who recorded it',
    );
  }
  return {
    type: 'RulingConfirmed',
    data: { ...recorded, proposedBy, confirmedBy: context.actor.sub, confirmedAt: context.now },
  };
}

function evolve(state: MeetingState, event: MeetingEvent): MeetingState {
  switch (event.type) {
    case 'MeetingScheduled':
      return { status: 'SCHEDULED', ...event.data, rulings: [] };
    case 'RulingRecorded':
      return state.status === 'none'
        ? state
        : {
            ...state,
            rulings: [
              ...state.rulings,
              {
                rulingId: event.data.rulingId,
                subjectKey: subjectKeyOf(event.data.subject),
                decision: event.data.decision,
                confirmation: event.data.confirmation === 'REQUIRED' ? 'PENDING' : 'NONE',
                recorded: event.data,
              },
            ],
          };
    case 'RulingConfirmed':
      return state.status === 'none'
        ? state
        : {
            ...state,
            rulings: state.rulings.map((r) =>
              r.rulingId === event.data.rulingId ? { ...r, confirmation: 'CONFIRMED' } : r,
            ),
          };
    default:
      return assertNever(event);
  }
}

export const meetingDecider: Decider<MeetingCommand, MeetingEvent, MeetingState> = {
  initialState: () => ({ status: 'none' }),
  decide,
  evolve,
};
