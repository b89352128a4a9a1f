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
  }
>;
export type MeetingEvent = MeetingScheduled | RulingRecorded;

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
export type MeetingCommand = ScheduleMeeting | RecordRuling;

export interface RulingSummary {
  readonly rulingId: string;
  readonly subjectKey: string;
  readonly decision: Decision;
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
          },
        },
      ];
    }
    default:
      return assertNever(command);
  }
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
              },
            ],
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
