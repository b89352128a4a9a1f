import { TEST_CONTEXT, deciderSpecification } from '@ismap/testing/decider-specification';
import {
  AUDIT_BODY_ID,
  CHANGE_ID,
  MEETING_5,
  OTHER_PROVIDER_ID,
  PROVIDER_ID,
  RENEWAL_ID,
  RENEWAL_SUBMITTED_ON,
  SERVICE_ID,
  VALID_UNTIL,
  domainErrorOf,
  renewalApplied,
  serviceRegistered,
  stateAfter,
} from '@ismap/testing/fixtures/ismap-fixtures';
import type { IncidentStage } from '../shared/vocabulary';
import type { ReportIncident, ServiceCommand, ServiceState } from './service';
import { serviceDecider, serviceFactsOf } from './service';
import type { ServiceEvent } from './service.events';

const spec = deciderSpecification(serviceDecider);

const registered: ServiceEvent[] = [serviceRegistered()];
const pending: ServiceEvent[] = [...registered, renewalApplied()];

const applyForRenewal = (appliedOn = RENEWAL_SUBMITTED_ON, applicationId = RENEWAL_ID): ServiceCommand => ({
  type: 'ApplyForRenewal',
  data: { applicationId, appliedOn },
});

const closeRenewal = (
  closedOn: string,
  outcome: 'WITHDRAWN' | 'REJECTED' = 'REJECTED',
  applicationId = RENEWAL_ID,
): ServiceCommand => ({ type: 'CloseRenewal', data: { applicationId, outcome, closedOn } });

const renewal = {
  applicationId: RENEWAL_ID,
  registrationNumber: 'C21-0001-2',
  auditBodyId: AUDIT_BODY_ID,
  auditPeriod: { start: '2021-01-01', end: '2021-12-31' },
  renewedOn: MEETING_5.heldOn,
  validUntil: '2023-04-30',
  rulingId: 'R5',
  meetingId: MEETING_5.meetingId,
};
const renew = (applicationId = RENEWAL_ID): ServiceCommand => ({
  type: 'RenewRegistration',
  data: { ...renewal, applicationId },
});
const renewed: ServiceEvent = { type: 'RegistrationRenewed', data: { serviceId: SERVICE_ID, ...renewal } };

const change = {
  applicationId: CHANGE_ID,
  serviceName: 'Example Cloud Plus',
  serviceModel: 'PaaS' as const,
  scope: { description: 'Compute, storage and databases', regions: ['Tokyo', 'Osaka', 'Fukuoka'] },
  approvedOn: '2021-12-10',
  rulingId: 'R3',
  meetingId: 'M3',
};
const applyChange: ServiceCommand = { type: 'ApplyServiceChange', data: change };

const withdrawService = (
  overrides: Partial<{ providerId: string; effectiveOn: string; reason: string; withdrawnOn: string }> = {},
): ServiceCommand => ({
  type: 'WithdrawService',
  data: {
    providerId: PROVIDER_ID,
    effectiveOn: '2021-12-31',
    reason: ' Service discontinued ',
    withdrawnOn: '2021-11-30',
    ...overrides,
  },
});
const withdrawn: ServiceEvent = {
  type: 'ServiceWithdrawn',
  data: {
    serviceId: SERVICE_ID,
    effectiveOn: '2021-12-31',
    reason: 'Service discontinued',
    withdrawnOn: '2021-11-30',
  },
};

const revoke: ServiceCommand = {
  type: 'RevokeRegistration',
  data: { revokedOn: '2021-12-10', rationale: 'False statement', rulingId: 'R4', meetingId: 'M4' },
};
const revoked: ServiceEvent = {
  type: 'RegistrationRevoked',
  data: {
    serviceId: SERVICE_ID,
    revokedOn: '2021-12-10',
    rationale: 'False statement',
    rulingId: 'R4',
    meetingId: 'M4',
  },
};

const expire = (asOf: string): ServiceCommand => ({ type: 'ExpireRegistration', data: { asOf } });
const expired: ServiceEvent = {
  type: 'RegistrationExpired',
  data: { serviceId: SERVICE_ID, expiredOn: '2022-05-01', validUntil: VALID_UNTIL },
};

const report = (stage: IncidentStage, overrides: Partial<ReportIncident['data']> = {}): ReportIncident => ({
  type: 'ReportIncident',
  data: {
    providerId: PROVIDER_ID,
    incidentId: stage === 'FLASH' ? 'INC-1' : 'INC-2',
    stage,
    flashIncidentId: stage === 'FLASH' ? null : 'INC-1',
    occurredAt: '2021-10-01T09:30:00+09:00',
    summary: stage === 'FLASH' ? 'Unauthorised access suspected' : 'Root cause: leaked credential',
    reportedOn: stage === 'FLASH' ? '2021-10-01' : '2021-10-20',
    ...overrides,
  },
});
/** The event a valid report records: its data without the reporting provider, summary trimmed. */
const reported = (command: ReportIncident): ServiceEvent => {
  const { providerId: _providerId, ...data } = command.data;
  return { type: 'IncidentReported', data: { serviceId: SERVICE_ID, ...data, summary: data.summary.trim() } };
};
const flashReported = reported(report('FLASH'));
const finalReported = reported(report('FINAL'));

const errorOf = (given: readonly ServiceEvent[], command: ServiceCommand) =>
  domainErrorOf(() => serviceDecider.decide(command, stateAfter(serviceDecider, given), TEST_CONTEXT));

const statusAfter = (events: readonly ServiceEvent[]): ServiceState['status'] =>
  stateAfter(serviceDecider, events).status;

describe('service decider', () => {
  describe('RegisterService (the reaction to a REGISTER ruling)', () => {
    it('registers the service with its number and validity', () => {
      const { data } = serviceRegistered();
      spec.given([]).when({ type: 'RegisterService', data }).then([serviceRegistered()]);
    });

    it('puts the registered service on the list as REGISTERED', () => {
      expect(serviceFactsOf(stateAfter(serviceDecider, registered))).toEqual({
        serviceId: SERVICE_ID,
        providerId: PROVIDER_ID,
        track: 'ISMAP',
        status: 'REGISTERED',
        validUntil: VALID_UNTIL,
        auditPeriod: { start: '2020-01-01', end: '2020-12-31' },
      });
    });

    it('refuses to register a service twice', () => {
      spec
        .given(registered)
        .when({ type: 'RegisterService', data: serviceRegistered().data })
        .thenThrows('SERVICE.ALREADY_REGISTERED');
    });

    it('knows no facts of a service never registered', () => {
      expect(serviceFactsOf(serviceDecider.initialState())).toBeNull();
    });
  });

  describe('ApplyForRenewal: by validUntil (2022-04-30)', () => {
    it('marks the renewal pending when applied for on validUntil', () => {
      spec
        .given(registered)
        .when(applyForRenewal(VALID_UNTIL))
        .then([
          {
            type: 'RenewalApplied',
            data: { serviceId: SERVICE_ID, applicationId: RENEWAL_ID, appliedOn: VALID_UNTIL },
          },
        ]);
    });

    it('refuses a renewal applied for the day after validUntil', () => {
      spec.given(registered).when(applyForRenewal('2022-05-01')).thenThrows('RENEWAL.AFTER_VALIDITY');
    });

    it('refuses a second renewal while one is pending', () => {
      spec
        .given(pending)
        .when(applyForRenewal('2022-03-02', 'APP-0009'))
        .thenThrows('SERVICE.NOT_REGISTERED');
    });

    it('answers not found for a service never registered', () => {
      spec.given([]).when(applyForRenewal()).thenThrows('SERVICE.NOT_FOUND');
    });

    it('keeps a RENEWAL_PENDING service on the list', () => {
      expect(serviceFactsOf(stateAfter(serviceDecider, pending))?.status).toBe('RENEWAL_PENDING');
    });
  });

  describe('RENEWAL_PENDING stays valid past validUntil until the committee decides', () => {
    it('refuses to expire a service whose renewal is pending, even long after validUntil', () => {
      spec.given(pending).when(expire('2022-09-01')).thenThrows('SERVICE.NOT_REGISTERED');
    });

    it('renews after validUntil', () => {
      spec
        .given(pending)
        .when({ type: 'RenewRegistration', data: { ...renewal, renewedOn: '2022-06-01' } })
        .then([renewed]);
    });

    it('approves a change after validUntil', () => {
      spec
        .given(pending)
        .when({ type: 'ApplyServiceChange', data: { ...change, approvedOn: '2022-06-01' } })
        .then([
          {
            type: 'ServiceChangeApproved',
            data: { serviceId: SERVICE_ID, ...change, approvedOn: '2022-06-01' },
          },
        ]);
    });
  });

  describe('CloseRenewal: a renewal that ends without RENEW', () => {
    it('puts a renewal rejected before validUntil back to REGISTERED', () => {
      spec
        .given(pending)
        .when(closeRenewal('2022-04-15'))
        .then([
          {
            type: 'RenewalClosed',
            data: {
              serviceId: SERVICE_ID,
              applicationId: RENEWAL_ID,
              outcome: 'REJECTED',
              closedOn: '2022-04-15',
            },
          },
        ]);
    });

    it('leaves the service REGISTERED after a renewal closed before validUntil', () => {
      const closed: ServiceEvent = {
        type: 'RenewalClosed',
        data: {
          serviceId: SERVICE_ID,
          applicationId: RENEWAL_ID,
          outcome: 'REJECTED',
          closedOn: '2022-04-15',
        },
      };
      expect(statusAfter([...pending, closed])).toBe('REGISTERED');
    });

    it('does not expire a renewal rejected on validUntil itself', () => {
      spec
        .given(pending)
        .when(closeRenewal(VALID_UNTIL))
        .then([
          {
            type: 'RenewalClosed',
            data: {
              serviceId: SERVICE_ID,
              applicationId: RENEWAL_ID,
              outcome: 'REJECTED',
              closedOn: VALID_UNTIL,
            },
          },
        ]);
    });

    it('expires a registration on the ruling date when its renewal is rejected after validUntil', () => {
      spec
        .given(pending)
        .when(closeRenewal('2022-06-01'))
        .then([
          {
            type: 'RenewalClosed',
            data: {
              serviceId: SERVICE_ID,
              applicationId: RENEWAL_ID,
              outcome: 'REJECTED',
              closedOn: '2022-06-01',
            },
          },
          {
            type: 'RegistrationExpired',
            data: { serviceId: SERVICE_ID, expiredOn: '2022-06-01', validUntil: VALID_UNTIL },
          },
        ]);
    });

    it('expires a registration on the withdrawal date when its renewal is withdrawn after validUntil', () => {
      spec
        .given(pending)
        .when(closeRenewal('2022-05-20', 'WITHDRAWN'))
        .then([
          {
            type: 'RenewalClosed',
            data: {
              serviceId: SERVICE_ID,
              applicationId: RENEWAL_ID,
              outcome: 'WITHDRAWN',
              closedOn: '2022-05-20',
            },
          },
          {
            type: 'RegistrationExpired',
            data: { serviceId: SERVICE_ID, expiredOn: '2022-05-20', validUntil: VALID_UNTIL },
          },
        ]);
    });

    it('takes a new renewal application after one was rejected before validUntil', () => {
      const closed: ServiceEvent = {
        type: 'RenewalClosed',
        data: {
          serviceId: SERVICE_ID,
          applicationId: RENEWAL_ID,
          outcome: 'REJECTED',
          closedOn: '2022-04-15',
        },
      };
      spec
        .given([...pending, closed])
        .when(applyForRenewal('2022-04-20', 'APP-0009'))
        .then([
          {
            type: 'RenewalApplied',
            data: { serviceId: SERVICE_ID, applicationId: 'APP-0009', appliedOn: '2022-04-20' },
          },
        ]);
    });

    it('does nothing for a renewal that is not the pending one (a replayed reaction)', () => {
      spec
        .given(pending)
        .when(closeRenewal('2022-04-15', 'REJECTED', 'APP-0009'))
        .then([]);
    });

    it('does nothing when no renewal is pending', () => {
      spec.given(registered).when(closeRenewal('2022-04-15')).then([]);
    });
  });

  describe('RenewRegistration (the reaction to a RENEW ruling)', () => {
    it('renews with the new number, audit period and validity', () => {
      spec.given(pending).when(renew()).then([renewed]);
    });

    it('takes the renewed validity for the next renewal', () => {
      spec
        .given([...pending, renewed])
        .when(applyForRenewal('2023-04-30', 'APP-0010'))
        .then([
          {
            type: 'RenewalApplied',
            data: { serviceId: SERVICE_ID, applicationId: 'APP-0010', appliedOn: '2023-04-30' },
          },
        ]);
    });

    it('puts the renewed service back to REGISTERED with its new facts', () => {
      expect(serviceFactsOf(stateAfter(serviceDecider, [...pending, renewed]))).toMatchObject({
        status: 'REGISTERED',
        validUntil: '2023-04-30',
        auditPeriod: { start: '2021-01-01', end: '2021-12-31' },
      });
    });

    it('takes the name, model and scope the renewal was granted on, and keeps them for a renewal without', () => {
      const statement = {
        serviceName: 'Example Cloud 2',
        serviceModel: 'PaaS' as const,
        scope: { description: 'Compute, storage and backup', regions: ['Tokyo'] },
      };
      const withStatement: ServiceEvent = {
        type: 'RegistrationRenewed',
        data: { serviceId: SERVICE_ID, ...renewal, statement },
      };
      spec
        .given(pending)
        .when({ type: 'RenewRegistration', data: { ...renewal, statement } })
        .then([withStatement]);
      expect(stateAfter(serviceDecider, [...pending, withStatement])).toMatchObject(statement);
      expect(stateAfter(serviceDecider, [...pending, renewed])).toMatchObject({
        serviceName: 'Example Cloud (illustrative)',
        serviceModel: 'IaaS',
      });
    });

    it('refuses to renew when no renewal is pending', () => {
      spec.given(registered).when(renew()).thenThrows('RENEWAL.NOT_PENDING');
    });

    it('refuses to renew on another application than the pending one', () => {
      spec.given(pending).when(renew('APP-0009')).thenThrows('RENEWAL.NOT_PENDING');
    });
  });

  describe('ApplyServiceChange (the reaction to an APPROVE_CHANGE ruling)', () => {
    it('records the approved name, model and scope', () => {
      spec
        .given(registered)
        .when(applyChange)
        .then([{ type: 'ServiceChangeApproved', data: { serviceId: SERVICE_ID, ...change } }]);
    });

    it.each<[string, ServiceEvent[]]>([
      ['withdrawn', [...registered, withdrawn]],
      ['revoked', [...registered, revoked]],
      ['expired', [...registered, expired]],
    ])('refuses a change of a %s service', (_what, given) => {
      spec.given(given).when(applyChange).thenThrows('SERVICE.NOT_REGISTERED');
    });
  });

  describe('WithdrawService: by the owning provider, from a given date', () => {
    it('withdraws the service from the effective date with a trimmed reason', () => {
      spec.given(registered).when(withdrawService()).then([withdrawn]);
    });

    it('withdraws effective on the day of notice', () => {
      spec
        .given(registered)
        .when(withdrawService({ effectiveOn: '2021-11-30' }))
        .then([{ type: 'ServiceWithdrawn', data: { ...withdrawn.data, effectiveOn: '2021-11-30' } }]);
    });

    it('refuses an effective date before the notice', () => {
      spec
        .given(registered)
        .when(withdrawService({ effectiveOn: '2021-11-29' }))
        .thenThrows('WITHDRAWAL.EFFECTIVE_BEFORE_NOTICE');
    });

    it('answers not found to another provider', () => {
      const error = errorOf(registered, withdrawService({ providerId: OTHER_PROVIDER_ID }));
      expect([error.code, error.kind]).toEqual(['SERVICE.NOT_FOUND', 'not_found']);
    });

    it('refuses a second withdrawal as a conflict', () => {
      const error = errorOf([...registered, withdrawn], withdrawService());
      expect(error.kind).toBe('conflict');
    });

    it('refuses a withdrawal dated before the registration', () => {
      spec
        .given(registered)
        .when(withdrawService({ withdrawnOn: '2021-03-11', effectiveOn: '2021-03-31' }))
        .thenThrows('WITHDRAWAL.BEFORE_REGISTRATION');
    });

    it('refuses a notice dated after today, but takes one effective after today', () => {
      spec
        .given(registered)
        .when(withdrawService({ withdrawnOn: '2026-11-22', effectiveOn: '2026-12-31' }))
        .thenThrows('BUSINESS_DATE.IN_FUTURE');
      spec
        .given(registered)
        .when(withdrawService({ withdrawnOn: '2026-11-21', effectiveOn: '2026-12-31' }))
        .then([
          {
            type: 'ServiceWithdrawn',
            data: { ...withdrawn.data, withdrawnOn: '2026-11-21', effectiveOn: '2026-12-31' },
          },
        ]);
    });

    it('refuses a withdrawal without a reason', () => {
      spec
        .given(registered)
        .when(withdrawService({ reason: ' ' }))
        .thenThrows('WITHDRAWAL.REASON_REQUIRED');
    });

    it('withdraws a service whose renewal is pending, ending the pending renewal', () => {
      const state = stateAfter(serviceDecider, [...pending, withdrawn]);
      expect(state.status === 'none' ? null : [state.status, state.pendingRenewal]).toEqual([
        'WITHDRAWN',
        null,
      ]);
    });

    it.each<[string, ServiceEvent[]]>([
      ['revoked', [...registered, revoked]],
      ['expired', [...registered, expired]],
    ])('refuses to withdraw a %s service', (_what, given) => {
      spec
        .given(given)
        .when(withdrawService({ withdrawnOn: '2022-06-01', effectiveOn: '2022-06-01' }))
        .thenThrows('SERVICE.NOT_REGISTERED');
    });
  });

  describe('RevokeRegistration (the reaction to a REVOKE ruling)', () => {
    it('revokes a registered service', () => {
      spec.given(registered).when(revoke).then([revoked]);
    });

    it('revokes a service whose renewal is pending', () => {
      spec.given(pending).when(revoke).then([revoked]);
    });

    it('takes the revoked service off the list', () => {
      expect(statusAfter([...registered, revoked])).toBe('REVOKED');
    });

    it.each<[string, ServiceEvent[]]>([
      ['revoked', [...registered, revoked]],
      ['withdrawn', [...registered, withdrawn]],
      ['expired', [...registered, expired]],
    ])('refuses to revoke a %s service', (_what, given) => {
      spec.given(given).when(revoke).thenThrows('SERVICE.NOT_REGISTERED');
    });

    it('answers not found for a service never registered', () => {
      spec.given([]).when(revoke).thenThrows('SERVICE.NOT_FOUND');
    });
  });

  describe('ExpireRegistration: from the day after validUntil without a renewal', () => {
    it('expires the day after validUntil', () => {
      spec.given(registered).when(expire('2022-05-01')).then([expired]);
    });

    it('records the day after validUntil as the expiry date even when the sweep runs years later', () => {
      spec.given(registered).when(expire('2026-11-21')).then([expired]);
    });

    it.each(['2022-04-29', VALID_UNTIL])('refuses to expire on %s (still valid)', (expiredOn) => {
      spec.given(registered).when(expire(expiredOn)).thenThrows('REGISTRATION.STILL_VALID');
    });

    it('refuses to expire while a renewal is pending', () => {
      spec.given(pending).when(expire('2022-05-01')).thenThrows('SERVICE.NOT_REGISTERED');
    });

    it('refuses to expire twice', () => {
      spec
        .given([...registered, expired])
        .when(expire('2022-05-02'))
        .thenThrows('SERVICE.NOT_REGISTERED');
    });

    it('expires after a renewal closed before validUntil', () => {
      const closed: ServiceEvent = {
        type: 'RenewalClosed',
        data: {
          serviceId: SERVICE_ID,
          applicationId: RENEWAL_ID,
          outcome: 'WITHDRAWN',
          closedOn: '2022-04-15',
        },
      };
      spec
        .given([...pending, closed])
        .when(expire('2022-05-01'))
        .then([expired]);
    });
  });

  describe('ReportIncident: FLASH (速報), then FINAL (確報) referencing it', () => {
    const afterFlash = [...registered, flashReported];

    it('records a flash report', () => {
      spec
        .given(registered)
        .when(report('FLASH'))
        .then([
          {
            type: 'IncidentReported',
            data: {
              serviceId: SERVICE_ID,
              incidentId: 'INC-1',
              stage: 'FLASH',
              flashIncidentId: null,
              occurredAt: '2021-10-01T09:30:00+09:00',
              summary: 'Unauthorised access suspected',
              reportedOn: '2021-10-01',
            },
          },
        ]);
    });

    it('records a final report referencing the flash report', () => {
      spec.given(afterFlash).when(report('FINAL')).then([finalReported]);
    });

    it('refuses a final report without a flash report reference', () => {
      spec
        .given(afterFlash)
        .when(report('FINAL', { flashIncidentId: null }))
        .thenThrows('INCIDENT.FLASH_NOT_FOUND');
    });

    it('refuses a final report referencing an unknown flash report', () => {
      spec
        .given(afterFlash)
        .when(report('FINAL', { flashIncidentId: 'INC-404' }))
        .thenThrows('INCIDENT.FLASH_NOT_FOUND');
    });

    it('refuses a final report referencing another final report', () => {
      spec
        .given([...afterFlash, finalReported])
        .when(report('FINAL', { incidentId: 'INC-3', flashIncidentId: 'INC-2' }))
        .thenThrows('INCIDENT.FLASH_NOT_FOUND');
    });

    it('refuses a second final report for one flash report', () => {
      spec
        .given([...afterFlash, finalReported])
        .when(report('FINAL', { incidentId: 'INC-3' }))
        .thenThrows('INCIDENT.ALREADY_FINAL');
    });

    it('refuses to reuse an incident id, which would reopen a finalised flash report for a second FINAL', () => {
      const error = errorOf([...afterFlash, finalReported], report('FLASH', { reportedOn: '2021-10-25' }));
      expect(error.kind).toBe('conflict');
    });

    it('refuses a flash report that references a flash report', () => {
      spec
        .given(afterFlash)
        .when(report('FLASH', { incidentId: 'INC-5', flashIncidentId: 'INC-1' }))
        .thenThrows('INCIDENT.FLASH_REFERENCE_NOT_ALLOWED');
    });

    it('answers not found for a service that was never registered', () => {
      spec.given([]).when(report('FLASH')).thenThrows('SERVICE.NOT_FOUND');
    });

    it('answers not found to another provider', () => {
      spec
        .given(registered)
        .when(report('FLASH', { providerId: OTHER_PROVIDER_ID }))
        .thenThrows('SERVICE.NOT_FOUND');
    });

    it.each<[string, ServiceEvent[]]>([
      ['withdrawn', [...registered, withdrawn]],
      ['revoked', [...registered, revoked]],
      ['expired', [...registered, expired]],
    ])('records incidents of a service that was registered and is now %s', (_what, given) => {
      spec.given(given).when(report('FLASH')).then([flashReported]);
    });

    it('refuses a report dated after today', () => {
      spec
        .given(registered)
        .when(report('FLASH', { reportedOn: '2026-11-22', occurredAt: '2026-11-21T10:00:00+09:00' }))
        .thenThrows('BUSINESS_DATE.IN_FUTURE');
    });

    it('refuses a report dated before the incident occurred', () => {
      spec
        .given(registered)
        .when(report('FLASH', { reportedOn: '2021-09-30' }))
        .thenThrows('INCIDENT.REPORTED_BEFORE_OCCURRENCE');
    });

    it('refuses a blank summary', () => {
      spec
        .given(registered)
        .when(report('FLASH', { summary: '  ' }))
        .thenThrows('INCIDENT.SUMMARY_REQUIRED');
    });
  });
});
