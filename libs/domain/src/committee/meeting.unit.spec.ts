import { deciderSpecification } from '@ismap/testing/decider-specification';
import {
  APPLICATION_ID,
  AUDIT_BODY_ID,
  MEETING_1,
  SERVICE_ID,
  meetingScheduled,
} from '@ismap/testing/fixtures/ismap-fixtures';
import type { Decision } from '../shared/vocabulary';
import type { MeetingEvent, RecordRuling, RulingConfirmed, RulingRecorded } from './meeting';
import {
  FOUR_EYES_DECISIONS,
  meetingDecider,
  meetingIdFor,
  requiresConfirmation,
  subjectKeyOf,
} from './meeting';
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
      const effect: RulingEffect = {
        kind: 'REGISTER_AUDIT_BODY',
        auditBodyId: AUDIT_BODY_ID,
        registrationNumber: 'A21-0001',
      };
      const subject: RulingSubject = { kind: 'auditBody', auditBodyId: AUDIT_BODY_ID };
      spec
        .given(scheduled)
        .when(
          recordRuling(
            { rulingId: 'R2', subject, effect, rationale: 'Criteria met', registrationNumber: 'A21-0001' },
            'AUDIT_BODY_REGISTER',
          ),
        )
        .then([
          rulingRecorded({
            rulingId: 'R2',
            subject,
            effect,
            decision: 'AUDIT_BODY_REGISTER',
            rationale: 'Criteria met',
            registrationNumber: 'A21-0001',
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
  describe('four eyes on heavy rulings (REVOKE, AUDIT_BODY_DELIST)', () => {
    const RECORDER = { sub: 'tanaka@nisc', roles: ['secretariat'] };
    const CONFIRMER = { sub: 'yamada@nisc', roles: ['secretariat'] };
    const CONFIRMED_AT = '2026-11-22T01:02:03.000Z';
    const onService: RulingSubject = { kind: 'service', serviceId: SERVICE_ID };
    const revokeEffect: RulingEffect = { kind: 'REVOKE_REGISTRATION', serviceId: SERVICE_ID };
    const onAuditBody: RulingSubject = { kind: 'auditBody', auditBodyId: AUDIT_BODY_ID };
    const delistEffect: RulingEffect = { kind: 'DELIST_AUDIT_BODY', auditBodyId: AUDIT_BODY_ID };

    const revoke = recordRuling(
      { rulingId: 'R2', subject: onService, effect: revokeEffect, rationale: 'False statement' },
      'REVOKE',
    );
    const revokeProposed = rulingRecorded({
      rulingId: 'R2',
      subject: onService,
      effect: revokeEffect,
      decision: 'REVOKE',
      rationale: 'False statement',
      confirmation: 'REQUIRED',
      proposedBy: RECORDER.sub,
    });
    const revokeConfirmed: RulingConfirmed = {
      type: 'RulingConfirmed',
      data: {
        rulingId: 'R2',
        meetingId: 'M1',
        meetingNumber: 1,
        decidedOn: '2021-03-12',
        subject: onService,
        decision: 'REVOKE',
        rationale: 'False statement',
        registrationNumber: null,
        effect: revokeEffect,
        proposedBy: RECORDER.sub,
        confirmedBy: CONFIRMER.sub,
        confirmedAt: CONFIRMED_AT,
      },
    };
    const confirm = (rulingId = 'R2') => ({ type: 'ConfirmRuling' as const, data: { rulingId } });

    it('names exactly REVOKE and AUDIT_BODY_DELIST as heavy', () => {
      expect(FOUR_EYES_DECISIONS).toEqual(['REVOKE', 'AUDIT_BODY_DELIST']);
      expect(requiresConfirmation('REGISTER')).toBe(false);
      expect(requiresConfirmation('AUDIT_BODY_REGISTER')).toBe(false);
    });

    it('given a meeting, when a REVOKE is recorded, then it awaits confirmation and names who proposed it', () => {
      spec.given(scheduled).when(revoke, { actor: RECORDER }).then([revokeProposed]);
    });

    it('given a meeting, when an AUDIT_BODY_DELIST is recorded, then it awaits confirmation too', () => {
      spec
        .given(scheduled)
        .when(
          recordRuling({ rulingId: 'R3', subject: onAuditBody, effect: delistEffect }, 'AUDIT_BODY_DELIST'),
          { actor: RECORDER },
        )
        .then([
          rulingRecorded({
            rulingId: 'R3',
            subject: onAuditBody,
            effect: delistEffect,
            decision: 'AUDIT_BODY_DELIST',
            confirmation: 'REQUIRED',
            proposedBy: RECORDER.sub,
          }),
        ]);
    });

    it('given a pending REVOKE, when another secretariat user confirms it, then RulingConfirmed repeats the ruling with who and when', () => {
      spec
        .given([...scheduled, revokeProposed])
        .when(confirm(), { actor: CONFIRMER, now: CONFIRMED_AT })
        .then([revokeConfirmed]);
    });

    it('given a pending REVOKE, when the user who recorded it confirms it, then RULING.SELF_CONFIRMATION', () => {
      spec
        .given([...scheduled, revokeProposed])
        .when(confirm(), { actor: RECORDER })
        .thenThrows('RULING.SELF_CONFIRMATION');
    });

    it('given a pending REVOKE, when a non-secretariat actor confirms it, then it is refused', () => {
      spec
        .given([...scheduled, revokeProposed])
        .when(confirm(), { actor: { sub: 'member@committee', roles: ['committee-member'] } })
        .thenThrows('RULING.CONFIRMER_NOT_SECRETARIAT');
    });

    it('given a confirmed REVOKE, when it is confirmed again (by anyone), then RULING.ALREADY_CONFIRMED', () => {
      spec
        .given([...scheduled, revokeProposed, revokeConfirmed])
        .when(confirm(), { actor: { sub: 'kato@nisc', roles: ['secretariat'] } })
        .thenThrows('RULING.ALREADY_CONFIRMED');
      spec
        .given([...scheduled, revokeProposed, revokeConfirmed])
        .when(confirm(), { actor: RECORDER })
        .thenThrows('RULING.ALREADY_CONFIRMED');
    });

    it('given a light ruling, when it is confirmed, then RULING.CONFIRMATION_NOT_REQUIRED', () => {
      spec
        .given([...scheduled, rulingRecorded()])
        .when(confirm('R1'), { actor: CONFIRMER })
        .thenThrows('RULING.CONFIRMATION_NOT_REQUIRED');
    });

    it('given a REVOKE recorded before four eyes existed (no confirmation field), when confirmed, then nothing is pending', () => {
      spec
        .given([
          ...scheduled,
          rulingRecorded({ rulingId: 'R2', subject: onService, effect: revokeEffect, decision: 'REVOKE' }),
        ])
        .when(confirm(), { actor: CONFIRMER })
        .thenThrows('RULING.CONFIRMATION_NOT_REQUIRED');
    });

    it('given a pending REVOKE, when the confirmation is dated before the meeting, then it is refused', () => {
      spec
        .given([...scheduled, revokeProposed])
        .when(confirm(), { actor: CONFIRMER, occurredOn: '2021-03-11' })
        .thenThrows('RULING.CONFIRMED_BEFORE_MEETING');
    });

    it('given no such ruling or no such meeting, then not found', () => {
      spec.given(scheduled).when(confirm('R404'), { actor: CONFIRMER }).thenThrows('RULING.NOT_FOUND');
      spec.given([]).when(confirm(), { actor: CONFIRMER }).thenThrows('MEETING.NOT_FOUND');
    });

    it('given a pending REVOKE, a second REVOKE of the same subject at the same meeting is still refused', () => {
      spec
        .given([...scheduled, revokeProposed])
        .when(recordRuling({ rulingId: 'R9', subject: onService, effect: revokeEffect }, 'REVOKE'), {
          actor: CONFIRMER,
        })
        .thenThrows('RULING.ALREADY_RECORDED');
    });
  });
});
