import { deciderSpecification } from '@ismap/testing/decider-specification';
import {
  APPLICATION_ID,
  MEETING_1,
  SERVICE_ID,
  meetingScheduled,
} from '@ismap/testing/fixtures/ismap-fixtures';
import type { Decision } from '../shared/vocabulary';
import type { MeetingEvent, RecordRuling, RulingRecorded } from './meeting';
import { meetingDecider, meetingIdFor, subjectKeyOf } from './meeting';
import type { RulingEffect, RulingSubject } from './ruling-plan';

const spec = deciderSpecification(meetingDecider);

const scheduled: MeetingEvent[] = [meetingScheduled(MEETING_1)];
const onApplication: RulingSubject = { kind: 'application', applicationId: APPLICATION_ID };
const deferEffect: RulingEffect = { kind: 'DEFER_APPLICATION', applicationId: APPLICATION_ID };

const recordRuling = (
  overrides: Partial<RecordRuling['data']> = {},
  decision: Decision = 'DEFER',
): RecordRuling => ({
  type: 'RecordRuling',
  data: {
    rulingId: 'R1',
    subject: onApplication,
    decision,
    rationale: ' Open questions on log retention ',
    registrationNumber: null,
    effect: deferEffect,
    ...overrides,
  },
});

const rulingRecorded = (overrides: Partial<RulingRecorded['data']> = {}): RulingRecorded => ({
  type: 'RulingRecorded',
  data: {
    rulingId: 'R1',
    meetingId: 'M1',
    meetingNumber: 1,
    decidedOn: '2021-03-12',
    subject: onApplication,
    decision: 'DEFER',
    rationale: 'Open questions on log retention',
    registrationNumber: null,
    effect: deferEffect,
    ...overrides,
  },
});

describe('meeting decider', () => {
  describe('ScheduleMeeting', () => {
    it('schedules a numbered meeting on its date', () => {
      spec
        .given([])
        .when({ type: 'ScheduleMeeting', data: { meetingId: 'M1', number: 1, heldOn: '2021-03-12' } })
        .then([{ type: 'MeetingScheduled', data: { meetingId: 'M1', number: 1, heldOn: '2021-03-12' } }]);
    });

    it('names a meeting by its number', () => {
      expect(meetingIdFor(12)).toBe('M12');
    });

    it.each([0, -1, 1.5, Number.NaN])('refuses the meeting number %s', (number) => {
      spec
        .given([])
        .when({ type: 'ScheduleMeeting', data: { meetingId: 'M0', number, heldOn: '2021-03-12' } })
        .thenThrows('MEETING.NUMBER_INVALID');
    });

    it('refuses to schedule the same meeting twice', () => {
      spec
        .given(scheduled)
        .when({ type: 'ScheduleMeeting', data: { meetingId: 'M1', number: 1, heldOn: '2021-03-19' } })
        .thenThrows('MEETING.ALREADY_SCHEDULED');
    });
  });

  describe('RecordRuling', () => {
    it('records a ruling dated on the meeting day, with a trimmed rationale', () => {
      spec.given(scheduled).when(recordRuling(), { occurredOn: '2026-11-21' }).then([rulingRecorded()]);
    });

    it('records the registration number and effect fixed by the ruling plan', () => {
      const effect: RulingEffect = { kind: 'REVOKE_REGISTRATION', serviceId: SERVICE_ID };
      const subject: RulingSubject = { kind: 'service', serviceId: SERVICE_ID };
      spec
        .given(scheduled)
        .when(recordRuling({ rulingId: 'R2', subject, effect, rationale: 'False statement' }, 'REVOKE'))
        .then([
          rulingRecorded({
            rulingId: 'R2',
            subject,
            effect,
            decision: 'REVOKE',
            rationale: 'False statement',
          }),
        ]);
    });

    it('records a ruling on the meeting day itself', () => {
      spec.given(scheduled).when(recordRuling(), { today: '2021-03-12' }).then([rulingRecorded()]);
    });

    it('refuses a ruling before the meeting is held', () => {
      spec.given(scheduled).when(recordRuling(), { today: '2021-03-11' }).thenThrows('MEETING.NOT_YET_HELD');
    });

    it('answers not found for a meeting never scheduled', () => {
      spec.given([]).when(recordRuling()).thenThrows('MEETING.NOT_FOUND');
    });

    it('refuses a second ruling on the same subject at one meeting', () => {
      spec
        .given([...scheduled, rulingRecorded()])
        .when(recordRuling({ rulingId: 'R9' }, 'REJECT'))
        .thenThrows('RULING.ALREADY_RECORDED');
    });

    it('records rulings on different subjects at one meeting', () => {
      const subject: RulingSubject = { kind: 'application', applicationId: 'APP-0007' };
      const effect: RulingEffect = { kind: 'DEFER_APPLICATION', applicationId: 'APP-0007' };
      spec
        .given([...scheduled, rulingRecorded()])
        .when(recordRuling({ rulingId: 'R2', subject, effect }))
        .then([rulingRecorded({ rulingId: 'R2', subject, effect })]);
    });

    it('tells subjects of different kinds with the same id apart', () => {
      expect(subjectKeyOf({ kind: 'service', serviceId: 'X' })).not.toBe(
        subjectKeyOf({ kind: 'auditBody', auditBodyId: 'X' }),
      );
    });

    it('refuses an empty rationale', () => {
      spec
        .given(scheduled)
        .when(recordRuling({ rationale: '   ' }))
        .thenThrows('RULING.RATIONALE_REQUIRED');
    });
  });
});
