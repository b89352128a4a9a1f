import {
  APPLICATION_ID,
  AUDIT_BODY_ID,
  CHANGE_ID,
  MEETING_5,
  RENEWAL_ID,
  SERVICE_ID,
  applicationAccepted,
  meetingScheduled,
  serviceRegistered,
  submitChange,
  submitNew,
  submitRenewal,
  submittedFrom,
} from '@ismap/testing/fixtures/ismap-fixtures';
import type { ApplicationEvent } from '../applications/application.events';
import type { RenewalStatement } from '../services/service.events';
import type { ApplicationKind, Decision } from '../shared/vocabulary';
import type { RulingConfirmed, RulingRecorded } from './meeting';
import { reactionsTo } from './reactions';
import type { Reaction } from './reactions';
import type { RulingEffect, RulingSubject } from './ruling-plan';

const HELD_ON = MEETING_5.heldOn;

const ruling = (
  decision: Decision,
  effect: RulingEffect,
  subject: RulingSubject = { kind: 'application', applicationId: APPLICATION_ID },
  registrationNumber: string | null = null,
): RulingRecorded => ({
  type: 'RulingRecorded',
  data: {
    rulingId: 'R5',
    meetingId: MEETING_5.meetingId,
    meetingNumber: MEETING_5.number,
    decidedOn: HELD_ON,
    subject,
    decision,
    rationale: 'As minuted',
    registrationNumber,
    effect,
  },
});

/** A heavy ruling as a second secretariat user confirmed it. */
const confirmed = (recorded: RulingRecorded): RulingConfirmed => ({
  type: 'RulingConfirmed',
  data: {
    ...recorded.data,
    proposedBy: 'tanaka@nisc',
    confirmedBy: 'yamada@nisc',
    confirmedAt: '2026-11-22T00:00:00.000Z',
  },
});

const pending = (recorded: RulingRecorded): RulingRecorded => ({
  type: 'RulingRecorded',
  data: { ...recorded.data, confirmation: 'REQUIRED', proposedBy: 'tanaka@nisc' },
});

/** What every ruling on an application does to it: ApplyRuling, dated on the meeting day. */
const applyRuling = (
  applicationId: string,
  decision: Decision,
  registrationNumber: string | null = null,
): Reaction => ({
  target: 'application',
  id: applicationId,
  occurredOn: HELD_ON,
  command: {
    type: 'ApplyRuling',
    data: { rulingId: 'R5', meetingId: 'M5', decision, decidedOn: HELD_ON, registrationNumber },
  },
});

const withdrawal = (kind: ApplicationKind, applicationId: string): ApplicationEvent => ({
  type: 'ApplicationWithdrawn',
  data: { applicationId, serviceId: SERVICE_ID, kind, reason: 'No longer needed', withdrawnOn: '2022-03-20' },
});

describe('reactionsTo', () => {
  describe('application events', () => {
    it('marks the service renewal-pending when a RENEWAL is submitted, on the submission date', () => {
      expect(reactionsTo(submittedFrom(submitRenewal()))).toEqual([
        {
          target: 'service',
          id: SERVICE_ID,
          occurredOn: '2022-03-01',
          command: { type: 'ApplyForRenewal', data: { applicationId: RENEWAL_ID, appliedOn: '2022-03-01' } },
        },
      ]);
    });

    it.each([
      ['NEW', submitNew()],
      ['CHANGE', submitChange()],
    ])('does nothing when a %s application is submitted', (_kind, submit) => {
      expect(reactionsTo(submittedFrom(submit))).toEqual([]);
    });

    it('closes the pending renewal when a RENEWAL is withdrawn, on the withdrawal date', () => {
      expect(reactionsTo(withdrawal('RENEWAL', RENEWAL_ID))).toEqual([
        {
          target: 'service',
          id: SERVICE_ID,
          occurredOn: '2022-03-20',
          command: {
            type: 'CloseRenewal',
            data: { applicationId: RENEWAL_ID, outcome: 'WITHDRAWN', closedOn: '2022-03-20' },
          },
        },
      ]);
    });

    it.each<ApplicationKind>(['NEW', 'CHANGE'])('does nothing when a %s application is withdrawn', (kind) => {
      expect(reactionsTo(withdrawal(kind, APPLICATION_ID))).toEqual([]);
    });

    it('does nothing for other events', () => {
      expect(reactionsTo(applicationAccepted())).toEqual([]);
    });
  });

  describe('rulings', () => {
    it('does nothing when a meeting is scheduled', () => {
      expect(reactionsTo(meetingScheduled(MEETING_5))).toEqual([]);
    });

    it('registers the service and decides the application on REGISTER', () => {
      const {
        rulingId: _rulingId,
        meetingId: _meetingId,
        ...registration
      } = serviceRegistered({
        registeredOn: HELD_ON,
      }).data;
      const event = ruling(
        'REGISTER',
        { kind: 'REGISTER_SERVICE', registration },
        undefined,
        registration.registrationNumber,
      );
      expect(reactionsTo(event)).toEqual([
        {
          target: 'service',
          id: SERVICE_ID,
          occurredOn: HELD_ON,
          command: { type: 'RegisterService', data: { ...registration, rulingId: 'R5', meetingId: 'M5' } },
        },
        applyRuling(APPLICATION_ID, 'REGISTER', registration.registrationNumber),
      ]);
    });

    const auditPeriod = { start: '2021-01-01', end: '2021-12-31' };
    /** A RENEW ruling; recorded before rulings carried the renewal's statement unless one is given. */
    const renewRuling = (statement?: RenewalStatement) =>
      ruling(
        'RENEW',
        {
          kind: 'RENEW_REGISTRATION',
          applicationId: RENEWAL_ID,
          serviceId: SERVICE_ID,
          registrationNumber: 'C21-0001-2',
          auditBodyId: AUDIT_BODY_ID,
          auditPeriod,
          validUntil: '2023-04-30',
          ...(statement === undefined ? {} : { statement }),
        },
        { kind: 'application', applicationId: RENEWAL_ID },
        'C21-0001-2',
      );

    it('renews the registration and decides the application on RENEW', () => {
      const event = renewRuling();
      expect(reactionsTo(event)).toEqual([
        {
          target: 'service',
          id: SERVICE_ID,
          occurredOn: HELD_ON,
          command: {
            type: 'RenewRegistration',
            data: {
              applicationId: RENEWAL_ID,
              registrationNumber: 'C21-0001-2',
              auditBodyId: AUDIT_BODY_ID,
              auditPeriod,
              validUntil: '2023-04-30',
              renewedOn: HELD_ON,
              rulingId: 'R5',
              meetingId: 'M5',
            },
          },
        },
        applyRuling(RENEWAL_ID, 'RENEW', 'C21-0001-2'),
      ]);
    });

    it('carries the renewal’s statement into the renewal, where the ruling recorded one', () => {
      const statement: RenewalStatement = {
        serviceName: 'Example Cloud 2 (illustrative)',
        serviceModel: 'PaaS',
        scope: { description: 'Compute, storage and backup', regions: ['Tokyo'] },
      };
      const event = renewRuling(statement);
      expect(reactionsTo(event)[0]?.command).toMatchObject({
        type: 'RenewRegistration',
        data: { statement },
      });
    });

    it('changes the service and decides the application on APPROVE_CHANGE', () => {
      const scope = { description: 'Compute and storage', regions: ['Tokyo', 'Osaka', 'Fukuoka'] };
      const event = ruling(
        'APPROVE_CHANGE',
        {
          kind: 'APPROVE_CHANGE',
          applicationId: CHANGE_ID,
          serviceId: SERVICE_ID,
          serviceName: 'Example Cloud',
          serviceModel: 'PaaS',
          scope,
        },
        { kind: 'application', applicationId: CHANGE_ID },
      );
      expect(reactionsTo(event)).toEqual([
        {
          target: 'service',
          id: SERVICE_ID,
          occurredOn: HELD_ON,
          command: {
            type: 'ApplyServiceChange',
            data: {
              applicationId: CHANGE_ID,
              serviceName: 'Example Cloud',
              serviceModel: 'PaaS',
              scope,
              approvedOn: HELD_ON,
              rulingId: 'R5',
              meetingId: 'M5',
            },
          },
        },
        applyRuling(CHANGE_ID, 'APPROVE_CHANGE'),
      ]);
    });

    it.each<ApplicationKind>(['NEW', 'CHANGE'])(
      'only decides the application on REJECT of a %s application',
      (kind) => {
        const event = ruling('REJECT', {
          kind: 'REJECT_APPLICATION',
          applicationId: APPLICATION_ID,
          serviceId: SERVICE_ID,
          applicationKind: kind,
        });
        expect(reactionsTo(event)).toEqual([applyRuling(APPLICATION_ID, 'REJECT')]);
      },
    );

    it('decides the application and closes the pending renewal on REJECT of a RENEWAL', () => {
      const event = ruling(
        'REJECT',
        {
          kind: 'REJECT_APPLICATION',
          applicationId: RENEWAL_ID,
          serviceId: SERVICE_ID,
          applicationKind: 'RENEWAL',
        },
        { kind: 'application', applicationId: RENEWAL_ID },
      );
      expect(reactionsTo(event)).toEqual([
        applyRuling(RENEWAL_ID, 'REJECT'),
        {
          target: 'service',
          id: SERVICE_ID,
          occurredOn: HELD_ON,
          command: {
            type: 'CloseRenewal',
            data: { applicationId: RENEWAL_ID, outcome: 'REJECTED', closedOn: HELD_ON },
          },
        },
      ]);
    });

    it('only tells the application on DEFER', () => {
      const event = ruling('DEFER', { kind: 'DEFER_APPLICATION', applicationId: APPLICATION_ID });
      expect(reactionsTo(event)).toEqual([applyRuling(APPLICATION_ID, 'DEFER')]);
    });

    it('given a REVOKE awaiting confirmation, then nothing happens to the service', () => {
      const event = pending(
        ruling(
          'REVOKE',
          { kind: 'REVOKE_REGISTRATION', serviceId: SERVICE_ID },
          { kind: 'service', serviceId: SERVICE_ID },
        ),
      );
      expect(reactionsTo(event)).toEqual([]);
    });

    it('given an AUDIT_BODY_DELIST awaiting confirmation, then nothing happens to the audit body', () => {
      const event = pending(
        ruling(
          'AUDIT_BODY_DELIST',
          { kind: 'DELIST_AUDIT_BODY', auditBodyId: AUDIT_BODY_ID },
          { kind: 'auditBody', auditBodyId: AUDIT_BODY_ID },
        ),
      );
      expect(reactionsTo(event)).toEqual([]);
    });

    it('revokes the registration with the ruling’s rationale once the REVOKE is confirmed', () => {
      const event = confirmed(
        pending(
          ruling(
            'REVOKE',
            { kind: 'REVOKE_REGISTRATION', serviceId: SERVICE_ID },
            { kind: 'service', serviceId: SERVICE_ID },
          ),
        ),
      );
      expect(reactionsTo(event)).toEqual([
        {
          target: 'service',
          id: SERVICE_ID,
          occurredOn: HELD_ON,
          command: {
            type: 'RevokeRegistration',
            data: { revokedOn: HELD_ON, rationale: 'As minuted', rulingId: 'R5', meetingId: 'M5' },
          },
        },
      ]);
    });

    it('registers the audit body under its number on AUDIT_BODY_REGISTER', () => {
      const event = ruling(
        'AUDIT_BODY_REGISTER',
        { kind: 'REGISTER_AUDIT_BODY', auditBodyId: AUDIT_BODY_ID, registrationNumber: 'A22-0003' },
        { kind: 'auditBody', auditBodyId: AUDIT_BODY_ID },
        'A22-0003',
      );
      expect(reactionsTo(event)).toEqual([
        {
          target: 'auditBody',
          id: AUDIT_BODY_ID,
          occurredOn: HELD_ON,
          command: {
            type: 'RegisterAuditBody',
            data: { registrationNumber: 'A22-0003', registeredOn: HELD_ON, rulingId: 'R5', meetingId: 'M5' },
          },
        },
      ]);
    });

    it('delists the audit body with the ruling’s rationale once the AUDIT_BODY_DELIST is confirmed', () => {
      const event = confirmed(
        pending(
          ruling(
            'AUDIT_BODY_DELIST',
            { kind: 'DELIST_AUDIT_BODY', auditBodyId: AUDIT_BODY_ID },
            { kind: 'auditBody', auditBodyId: AUDIT_BODY_ID },
          ),
        ),
      );
      expect(reactionsTo(event)).toEqual([
        {
          target: 'auditBody',
          id: AUDIT_BODY_ID,
          occurredOn: HELD_ON,
          command: {
            type: 'DelistAuditBody',
            data: { delistedOn: HELD_ON, rationale: 'As minuted', rulingId: 'R5', meetingId: 'M5' },
          },
        },
      ]);
    });

    it('still revokes on a REVOKE recorded before four eyes existed (no confirmation field)', () => {
      const event = ruling(
        'REVOKE',
        { kind: 'REVOKE_REGISTRATION', serviceId: SERVICE_ID },
        { kind: 'service', serviceId: SERVICE_ID },
      );
      expect(reactionsTo(event)).toEqual(reactionsTo(confirmed(pending(event))));
      expect(reactionsTo(event)).toHaveLength(1);
    });

    it('gives the same commands when the same ruling is replayed', () => {
      const event = ruling('DEFER', { kind: 'DEFER_APPLICATION', applicationId: APPLICATION_ID });
      expect(reactionsTo(event)).toEqual(reactionsTo(event));
    });
  });
});
