import { TEST_CONTEXT, deciderSpecification } from '@ismap/testing/decider-specification';
import {
  ACCEPTED_ON,
  APPLICATION_ID,
  AUDIT_BODY_ID,
  MEETING_1,
  MEETING_2,
  OTHER_AUDIT_BODY_ID,
  OTHER_PROVIDER_ID,
  PROVIDER_ID,
  REFERRED_ON,
  REGISTRATION_NUMBER,
  RENEWAL_ID,
  SERVICE_ID,
  SUBMITTED_ON,
  VALID_UNTIL,
  acceptedApplication,
  applicationAccepted,
  applicationDecided,
  applicationDeferred,
  applicationReferred,
  applicationReturned,
  applicationSubmitted,
  auditBodyFacts,
  auditBodyRegisteredOn,
  auditFindingRecorded,
  domainErrorOf,
  findingId,
  findingResolved,
  findingResponded,
  reviewFindingRaised,
  serviceFacts,
  stateAfter,
  submitChange,
  submitNew,
  submitRenewal,
  submittedFrom,
} from '@ismap/testing/fixtures/ismap-fixtures';
import type { AuditBodyFacts } from '../audit-bodies/audit-body';
import type { ApplicationKind, Decision, FindingResolution } from '../shared/vocabulary';
import type {
  ApplicationCommand,
  MeetingFacts,
  RecordAuditFinding,
  ResubmitApplication,
  SubmitApplication,
} from './application';
import { applicationDecider, applicationIdOfFinding } from './application';
import type { ApplicationDetails, ApplicationEvent } from './application.events';

const spec = deciderSpecification(applicationDecider);

// ---------------------------------------------------------------------------------------------------------------
// Commands, with the story's dates (see the fixtures) as defaults

const accept = (acceptedOn = ACCEPTED_ON): ApplicationCommand => ({
  type: 'AcceptApplication',
  data: { acceptedOn },
});

const returnApplication = (
  reason = 'The scope omits a region',
  returnedOn = '2021-02-03',
): ApplicationCommand => ({
  type: 'ReturnApplication',
  data: { reason, returnedOn },
});

const resubmit = (
  changes: Partial<ApplicationDetails>,
  overrides: Partial<Omit<ResubmitApplication['data'], 'changes'>> = {},
): ApplicationCommand => ({
  type: 'ResubmitApplication',
  data: {
    changes,
    resubmittedOn: '2021-02-08',
    providerId: PROVIDER_ID,
    auditBody: auditBodyFacts(),
    service: null,
    ...overrides,
  },
});

const recordAuditFinding = (overrides: Partial<RecordAuditFinding['data']> = {}): ApplicationCommand => ({
  type: 'RecordAuditFinding',
  data: {
    auditBodyId: AUDIT_BODY_ID,
    controlId: '9.2.3.11.PB',
    assessment: 'OPERATING',
    kind: 'EXCEPTION',
    description: 'Access reviews were skipped in one quarter',
    evidenceRefs: ['WP-12'],
    recordedOn: '2021-02-02',
    ...overrides,
  },
});

const raiseReviewFinding = (
  controlId: string | null = '12.4.1',
  description = 'Log retention is not stated',
) =>
  ({
    type: 'RaiseReviewFinding',
    data: { controlId, description, raisedOn: '2021-02-10' },
  }) satisfies ApplicationCommand;

const respond = (n: number, providerId = PROVIDER_ID, correctiveAction = 'Reviews are scheduled quarterly') =>
  ({
    type: 'RespondToFinding',
    data: { findingId: findingId(n), providerId, correctiveAction, respondedOn: '2021-02-12' },
  }) satisfies ApplicationCommand;

const resolve = (n: number, resolution: FindingResolution, note = 'Checked the new schedule') =>
  ({
    type: 'ResolveFinding',
    data: { findingId: findingId(n), resolution, note, resolvedOn: '2021-02-15' },
  }) satisfies ApplicationCommand;

const refer = (
  meeting: MeetingFacts | null = MEETING_1,
  referredOn = REFERRED_ON,
  meetingId = meeting?.meetingId ?? 'M9',
): ApplicationCommand => ({ type: 'ReferApplication', data: { meeting, meetingId, referredOn } });

const withdraw = (providerId = PROVIDER_ID, reason = ' No longer offered ', withdrawnOn = '2021-02-25') =>
  ({ type: 'WithdrawApplication', data: { providerId, reason, withdrawnOn } }) satisfies ApplicationCommand;

const applyRuling = (
  decision: Decision,
  meeting: MeetingFacts = MEETING_1,
  rulingId = 'R1',
): ApplicationCommand => ({
  type: 'ApplyRuling',
  data: {
    rulingId,
    meetingId: meeting.meetingId,
    decision,
    decidedOn: meeting.heldOn,
    registrationNumber: decision === 'REGISTER' ? REGISTRATION_NUMBER : null,
  },
});

const applicationWithdrawn = (
  withdrawnOn = '2021-02-25',
  kind: ApplicationKind = 'NEW',
  applicationId = APPLICATION_ID,
): ApplicationEvent => ({
  type: 'ApplicationWithdrawn',
  data: { applicationId, serviceId: SERVICE_ID, kind, reason: 'No longer offered', withdrawnOn },
});

const submitted = [applicationSubmitted()];
const accepted = acceptedApplication(submitNew(), ACCEPTED_ON);
const referred = [...accepted, applicationReferred(MEETING_1)];
const returned = [...submitted, applicationReturned('2021-02-03')];
const errorOf = (given: readonly ApplicationEvent[], command: ApplicationCommand) =>
  domainErrorOf(() =>
    applicationDecider.decide(command, stateAfter(applicationDecider, given), TEST_CONTEXT),
  );

// ---------------------------------------------------------------------------------------------------------------

describe('application decider', () => {
  describe('SubmitApplication: what is recorded', () => {
    it('records a NEW application with its statement, audit and dates', () => {
      spec
        .given([])
        .when(submitNew())
        .then([
          {
            type: 'ApplicationSubmitted',
            data: {
              applicationId: APPLICATION_ID,
              serviceId: SERVICE_ID,
              providerId: PROVIDER_ID,
              kind: 'NEW',
              track: 'ISMAP',
              submittedOn: SUBMITTED_ON,
              serviceName: 'Example Cloud (illustrative)',
              serviceModel: 'IaaS',
              scope: { description: 'Compute and storage', regions: ['Tokyo', 'Osaka'] },
              auditBodyId: AUDIT_BODY_ID,
              auditPeriod: { start: '2020-01-01', end: '2020-12-31' },
              auditReportDate: '2021-01-29',
              excludedObjectives: [],
            },
          },
        ]);
    });

    it('trims the service name and the scope description', () => {
      const command = submitNew({
        serviceName: '  Example Cloud  ',
        scope: { description: ' Compute ', regions: ['Tokyo'] },
      });
      spec
        .given([])
        .when(command)
        .then([
          {
            type: 'ApplicationSubmitted',
            data: {
              ...submittedFrom(command).data,
              serviceName: 'Example Cloud',
              scope: { description: 'Compute', regions: ['Tokyo'] },
            },
          },
        ]);
    });

    it('records a RENEWAL whose audit period starts the day after the previous one ended', () => {
      spec
        .given([])
        .when(submitRenewal())
        .then([submittedFrom(submitRenewal())]);
    });

    it('records a RENEWAL applied for on the last day of validity', () => {
      const command = submitRenewal({ submittedOn: VALID_UNTIL });
      spec
        .given([])
        .when(command)
        .then([submittedFrom(command)]);
    });

    it('records a CHANGE of a registered service', () => {
      spec
        .given([])
        .when(submitChange())
        .then([submittedFrom(submitChange())]);
    });

    it('records a CHANGE of a service whose renewal is pending (it is still on the list)', () => {
      const command = submitChange({ service: serviceFacts({ status: 'RENEWAL_PENDING' }) });
      spec
        .given([])
        .when(command)
        .then([submittedFrom(command)]);
    });

    it('records a submission dated today', () => {
      const command = submitNew({ submittedOn: '2026-11-21' });
      spec
        .given([])
        .when(command)
        .then([submittedFrom(command)]);
    });

    it('records a control objective excluded with a reason', () => {
      const command = submitNew({
        excludedObjectives: [
          { controlId: '11.1.1', reason: 'No premises of our own: the IaaS provider hosts us' },
        ],
      });
      spec
        .given([])
        .when(command)
        .then([submittedFrom(command)]);
    });

    it('records an audit period of exactly 3 months', () => {
      const command = submitNew({ auditPeriod: { start: '2020-10-01', end: '2020-12-31' } });
      spec
        .given([])
        .when(command)
        .then([submittedFrom(command)]);
    });
  });

  describe('SubmitApplication: refusals', () => {
    it('refuses to submit the same application twice', () => {
      spec.given(submitted).when(submitNew()).thenThrows('APPLICATION.ALREADY_SUBMITTED');
    });

    it('refuses a submission dated after today', () => {
      spec
        .given([])
        .when(submitNew({ submittedOn: '2026-11-22' }))
        .thenThrows('BUSINESS_DATE.IN_FUTURE');
    });

    it('refuses a submission by an unknown provider', () => {
      spec
        .given([])
        .when(submitNew({ providerExists: false }))
        .thenThrows('PROVIDER.NOT_FOUND');
    });

    it('refuses a blank service name', () => {
      spec
        .given([])
        .when(submitNew({ serviceName: '  ' }))
        .thenThrows('APPLICATION.SERVICE_NAME_REQUIRED');
    });

    it('refuses a blank scope', () => {
      spec
        .given([])
        .when(submitNew({ scope: { description: ' ', regions: ['Tokyo'] } }))
        .thenThrows('APPLICATION.SCOPE_REQUIRED');
    });

    it('refuses a submission dated before the programme had any ruleset (2020-06-01)', () => {
      const command = submitNew({
        submittedOn: '2020-05-31',
        auditPeriod: { start: '2019-04-01', end: '2020-03-31' },
        auditReportDate: '2020-05-15',
      });
      spec.given([]).when(command).thenThrows('RULESET.NONE_IN_FORCE');
    });
  });

  describe('SubmitApplication: renewals and changes name a registered service of the provider', () => {
    it('refuses a RENEWAL while another renewal of the service is pending', () => {
      spec
        .given([])
        .when(submitRenewal({ service: serviceFacts({ status: 'RENEWAL_PENDING' }) }))
        .thenThrows('RENEWAL.ALREADY_PENDING');
    });

    it.each(['EXPIRED', 'WITHDRAWN', 'REVOKED'] as const)('refuses a RENEWAL of a %s service', (status) => {
      spec
        .given([])
        .when(submitRenewal({ service: serviceFacts({ status }) }))
        .thenThrows('SERVICE.NOT_REGISTERED');
    });

    it.each(['EXPIRED', 'WITHDRAWN', 'REVOKED'] as const)('refuses a CHANGE of a %s service', (status) => {
      spec
        .given([])
        .when(submitChange({ service: serviceFacts({ status }) }))
        .thenThrows('SERVICE.NOT_REGISTERED');
    });

    it('refuses a RENEWAL applied for the day after validity ended', () => {
      spec
        .given([])
        .when(submitRenewal({ submittedOn: '2022-05-01' }))
        .thenThrows('RENEWAL.AFTER_VALIDITY');
    });

    it.each<[string, SubmitApplication]>([
      ['a RENEWAL of a service that does not exist', submitRenewal({ service: null })],
      [
        'a RENEWAL of another provider’s service',
        submitRenewal({ service: serviceFacts({ providerId: OTHER_PROVIDER_ID }) }),
      ],
      ['a CHANGE of a service that does not exist', submitChange({ service: null })],
      [
        'a CHANGE of another provider’s service',
        submitChange({ service: serviceFacts({ providerId: OTHER_PROVIDER_ID }) }),
      ],
    ])('answers not found to %s', (_what, command) => {
      const error = errorOf([], command);
      expect([error.code, error.kind]).toEqual(['SERVICE.NOT_FOUND', 'not_found']);
    });

    it('refuses a CHANGE on the ISMAP-LIU track for a service on the ISMAP list', () => {
      spec
        .given([])
        .when(submitChange({ track: 'ISMAP_LIU', submittedOn: '2022-11-15' }))
        .thenThrows('APPLICATION.TRACK_MISMATCH');
    });

    it('refuses an ISMAP RENEWAL for a service on the ISMAP-LIU list', () => {
      spec
        .given([])
        .when(submitRenewal({ service: serviceFacts({ track: 'ISMAP_LIU' }) }))
        .thenThrows('APPLICATION.TRACK_MISMATCH');
    });
  });

  describe('SubmitApplication: the ISMAP-LIU track opens on 2022-11-01, judged by the submission date', () => {
    const liu = (submittedOn: string): SubmitApplication =>
      submitNew({
        track: 'ISMAP_LIU',
        submittedOn,
        auditPeriod: { start: '2021-10-01', end: '2022-09-30' },
        auditReportDate: '2022-10-31',
      });

    it('refuses an ISMAP-LIU application submitted on 2022-10-31, even when entered today', () => {
      spec
        .given([])
        .when(liu('2022-10-31'), { today: '2026-11-21' })
        .thenThrows('APPLICATION.TRACK_NOT_OPEN');
    });

    it('records an ISMAP-LIU application submitted on 2022-11-01', () => {
      spec
        .given([])
        .when(liu('2022-11-01'))
        .then([submittedFrom(liu('2022-11-01'))]);
    });
  });

  describe('SubmitApplication: audit period (≤ 1 year, ≥ 3 months, no gap on renewal)', () => {
    it.each<[string, SubmitApplication, string]>([
      [
        '1 year + 1 day',
        submitNew({ auditPeriod: { start: '2020-01-01', end: '2021-01-01' } }),
        'AUDIT_PERIOD.TOO_LONG',
      ],
      [
        '3 months − 1 day',
        submitNew({ auditPeriod: { start: '2020-10-01', end: '2020-12-30' } }),
        'AUDIT_PERIOD.TOO_SHORT',
      ],
      [
        'a renewal starting one day late (gap)',
        submitRenewal({ auditPeriod: { start: '2021-01-02', end: '2021-12-31' } }),
        'AUDIT_PERIOD.GAP_ON_RENEWAL',
      ],
      [
        'a renewal starting one day early (overlap)',
        submitRenewal({ auditPeriod: { start: '2020-12-31', end: '2021-12-30' } }),
        'AUDIT_PERIOD.GAP_ON_RENEWAL',
      ],
    ])('refuses %s', (_what, command, code) => {
      spec.given([]).when(command).thenThrows(code);
    });
  });

  describe('SubmitApplication: audit report', () => {
    it('refuses a report dated before the audit period ends', () => {
      spec
        .given([])
        .when(submitNew({ auditReportDate: '2020-12-30' }))
        .thenThrows('AUDIT_REPORT.BEFORE_PERIOD_END');
    });

    it('refuses a report dated after the submission', () => {
      spec
        .given([])
        .when(submitNew({ auditReportDate: '2021-02-02' }))
        .thenThrows('AUDIT_REPORT.AFTER_SUBMISSION');
    });

    it('records a report dated on the submission day', () => {
      const command = submitNew({ auditReportDate: SUBMITTED_ON });
      spec
        .given([])
        .when(command)
        .then([submittedFrom(command)]);
    });
  });

  describe('SubmitApplication: the audit body was on the list on the report date (2021-01-29)', () => {
    it('refuses an audit body that does not exist', () => {
      spec
        .given([])
        .when(submitNew({ auditBody: null }))
        .thenThrows('AUDIT_BODY.NOT_FOUND');
    });

    it.each<[string, AuditBodyFacts]>([
      ['registered the day after the report date', auditBodyRegisteredOn('2021-01-30')],
      ['delisted before the report date', auditBodyRegisteredOn('2020-10-01', '2021-01-15')],
      ['delisted on the report date', auditBodyRegisteredOn('2020-10-01', '2021-01-29')],
      [
        'applied for but never registered',
        auditBodyFacts({ status: 'APPLIED', registeredOn: null, registrationNumber: null }),
      ],
    ])('refuses an audit body %s', (_what, auditBody) => {
      spec.given([]).when(submitNew({ auditBody })).thenThrows('AUDIT_BODY.NOT_REGISTERED_ON_REPORT_DATE');
    });

    it.each<[string, AuditBodyFacts]>([
      ['registered exactly on the report date', auditBodyRegisteredOn('2021-01-29')],
      ['delisted the day after the report date', auditBodyRegisteredOn('2020-10-01', '2021-01-30')],
    ])('records an application whose audit body was %s', (_what, auditBody) => {
      const command = submitNew({ auditBody });
      spec
        .given([])
        .when(command)
        .then([submittedFrom(command)]);
    });
  });

  describe('SubmitApplication: statement', () => {
    it.each<[string, ApplicationDetails['excludedObjectives'], string]>([
      [
        'a `.B` detailed control excluded on its own',
        [{ controlId: '15.1.1.16.B', reason: 'Not used' }],
        'STATEMENT.CANNOT_EXCLUDE',
      ],
      [
        'a governance criterion excluded',
        [{ controlId: '3.1.1', reason: 'Not used' }],
        'STATEMENT.CANNOT_EXCLUDE',
      ],
      [
        'an objective excluded without a reason',
        [{ controlId: '11.1.1', reason: '  ' }],
        'STATEMENT.EXCLUSION_REASON_REQUIRED',
      ],
      [
        'an exclusion with a malformed control ID',
        [{ controlId: '19.1.1', reason: 'Not used' }],
        'CONTROL_ID.INVALID_FORMAT',
      ],
    ])('refuses %s', (_what, excludedObjectives, code) => {
      spec.given([]).when(submitNew({ excludedObjectives })).thenThrows(code);
    });
  });

  describe('AcceptApplication and ReturnApplication', () => {
    it('accepts a submitted application', () => {
      spec
        .given(submitted)
        .when(accept())
        .then([
          { type: 'ApplicationAccepted', data: { applicationId: APPLICATION_ID, acceptedOn: ACCEPTED_ON } },
        ]);
    });

    it('answers not found for an application never submitted', () => {
      spec.given([]).when(accept()).thenThrows('APPLICATION.NOT_FOUND');
    });

    it('refuses to accept twice', () => {
      spec.given(accepted).when(accept()).thenThrows('APPLICATION.NOT_SUBMITTED');
    });

    it('refuses to accept a returned application before it is resubmitted', () => {
      spec.given(returned).when(accept()).thenThrows('APPLICATION.NOT_SUBMITTED');
    });

    it('refuses an acceptance dated before the submission', () => {
      spec.given(submitted).when(accept('2021-01-31')).thenThrows('APPLICATION.DATE_OUT_OF_ORDER');
    });

    it('refuses an acceptance dated after today', () => {
      spec.given(submitted).when(accept('2026-11-22')).thenThrows('BUSINESS_DATE.IN_FUTURE');
    });

    it('returns a submitted application for correction with a trimmed reason', () => {
      spec
        .given(submitted)
        .when(returnApplication(' Scope omits Osaka '))
        .then([
          {
            type: 'ApplicationReturned',
            data: { applicationId: APPLICATION_ID, reason: 'Scope omits Osaka', returnedOn: '2021-02-03' },
          },
        ]);
    });

    it('refuses a return without a reason', () => {
      spec.given(submitted).when(returnApplication('  ')).thenThrows('APPLICATION.REASON_REQUIRED');
    });

    it('refuses to return an accepted application', () => {
      spec.given(accepted).when(returnApplication()).thenThrows('APPLICATION.NOT_SUBMITTED');
    });

    it('refuses a return dated before the submission', () => {
      spec
        .given(submitted)
        .when(returnApplication('Scope', '2021-01-31'))
        .thenThrows('APPLICATION.DATE_OUT_OF_ORDER');
    });
  });

  describe('ResubmitApplication: re-checks the rules with the changes', () => {
    const scope = { description: 'Compute, storage and backup', regions: ['Tokyo', 'Osaka'] };

    it('records the changes of a returned application', () => {
      spec
        .given(returned)
        .when(resubmit({ scope }))
        .then([
          {
            type: 'ApplicationResubmitted',
            data: { applicationId: APPLICATION_ID, changes: { scope }, resubmittedOn: '2021-02-08' },
          },
        ]);
    });

    it('puts the resubmitted application back in line for acceptance', () => {
      const resubmitted: ApplicationEvent = {
        type: 'ApplicationResubmitted',
        data: { applicationId: APPLICATION_ID, changes: { scope }, resubmittedOn: '2021-02-08' },
      };
      spec
        .given([...returned, resubmitted])
        .when(accept('2021-02-09'))
        .then([
          { type: 'ApplicationAccepted', data: { applicationId: APPLICATION_ID, acceptedOn: '2021-02-09' } },
        ]);
    });

    it('refuses changes that break the audit period rules', () => {
      spec
        .given(returned)
        .when(resubmit({ auditPeriod: { start: '2020-01-01', end: '2021-01-01' } }))
        .thenThrows('AUDIT_PERIOD.TOO_LONG');
    });

    it('refuses a changed audit body that was not registered on the report date', () => {
      spec
        .given(returned)
        .when(
          resubmit(
            { auditBodyId: OTHER_AUDIT_BODY_ID },
            { auditBody: auditBodyFacts({ auditBodyId: OTHER_AUDIT_BODY_ID, registeredOn: '2021-02-01' }) },
          ),
        )
        .thenThrows('AUDIT_BODY.NOT_REGISTERED_ON_REPORT_DATE');
    });

    it('refuses a changed statement that excludes a `.B` control', () => {
      spec
        .given(returned)
        .when(resubmit({ excludedObjectives: [{ controlId: '15.1.1.16.B', reason: 'Not used' }] }))
        .thenThrows('STATEMENT.CANNOT_EXCLUDE');
    });

    it('refuses a changed service name that is blank', () => {
      spec
        .given(returned)
        .when(resubmit({ serviceName: '  ' }))
        .thenThrows('APPLICATION.SERVICE_NAME_REQUIRED');
    });

    it('records a corrected report dated after the first submission but before the resubmission', () => {
      spec
        .given(returned)
        .when(resubmit({ auditReportDate: '2021-02-05' }))
        .then([
          {
            type: 'ApplicationResubmitted',
            data: {
              applicationId: APPLICATION_ID,
              changes: { auditReportDate: '2021-02-05' },
              resubmittedOn: '2021-02-08',
            },
          },
        ]);
    });

    it('refuses a corrected report dated after the resubmission', () => {
      spec
        .given(returned)
        .when(resubmit({ auditReportDate: '2021-02-09' }))
        .thenThrows('AUDIT_REPORT.AFTER_SUBMISSION');
    });

    it('re-checks a renewal’s audit period against the service’s previous period', () => {
      const renewal = submitRenewal();
      spec
        .given([submittedFrom(renewal), applicationReturned('2022-03-05', RENEWAL_ID)])
        .when(
          resubmit(
            { auditPeriod: { start: '2021-01-02', end: '2021-12-31' } },
            { resubmittedOn: '2022-03-10', service: serviceFacts({ status: 'RENEWAL_PENDING' }) },
          ),
        )
        .thenThrows('AUDIT_PERIOD.GAP_ON_RENEWAL');
    });

    it.each<[string, readonly ApplicationEvent[]]>([
      ['submitted', submitted],
      ['accepted', accepted],
    ])('refuses to resubmit an application that is %s, not returned', (_what, given) => {
      spec.given(given).when(resubmit({ scope })).thenThrows('APPLICATION.NOT_RETURNED');
    });

    it('answers not found to another provider', () => {
      spec
        .given(returned)
        .when(resubmit({ scope }, { providerId: OTHER_PROVIDER_ID }))
        .thenThrows('APPLICATION.NOT_FOUND');
    });

    it('refuses a resubmission dated before the return', () => {
      spec
        .given(returned)
        .when(resubmit({ scope }, { resubmittedOn: '2021-02-02' }))
        .thenThrows('APPLICATION.DATE_OUT_OF_ORDER');
    });

    it('refuses a resubmission dated after today', () => {
      spec
        .given(returned)
        .when(resubmit({ scope }, { resubmittedOn: '2026-11-22' }))
        .thenThrows('BUSINESS_DATE.IN_FUTURE');
    });
  });

  describe('RecordAuditFinding: only by the audit body the application names', () => {
    it('records the first finding as <applicationId>.F1', () => {
      spec
        .given(submitted)
        .when(recordAuditFinding())
        .then([
          {
            type: 'AuditFindingRecorded',
            data: {
              applicationId: APPLICATION_ID,
              serviceId: SERVICE_ID,
              findingId: 'APP-0001.F1',
              auditBodyId: AUDIT_BODY_ID,
              controlId: '9.2.3.11.PB',
              assessment: 'OPERATING',
              kind: 'EXCEPTION',
              description: 'Access reviews were skipped in one quarter',
              evidenceRefs: ['WP-12'],
              recordedOn: '2021-02-02',
            },
          },
        ]);
    });

    it('numbers the next finding .F2', () => {
      spec
        .given([...submitted, auditFindingRecorded(1)])
        .when(recordAuditFinding())
        .then([auditFindingRecorded(2)]);
    });

    it('records findings on an accepted application too', () => {
      spec
        .given(accepted)
        .when(recordAuditFinding({ recordedOn: ACCEPTED_ON }))
        .then([auditFindingRecorded(1, ACCEPTED_ON)]);
    });

    it('answers not found to any other audit body', () => {
      const error = errorOf(submitted, recordAuditFinding({ auditBodyId: OTHER_AUDIT_BODY_ID }));
      expect([error.code, error.kind]).toEqual(['APPLICATION.NOT_FOUND', 'not_found']);
    });

    it.each(['5.1', '19.1.1', '4.1.1', '05.1.1', '5.1.1.B', '3.1.1.P', '9.2.3.11.pb'])(
      'refuses the malformed control ID %s',
      (controlId) => {
        spec.given(submitted).when(recordAuditFinding({ controlId })).thenThrows('CONTROL_ID.INVALID_FORMAT');
      },
    );

    it('refuses a blank description', () => {
      spec
        .given(submitted)
        .when(recordAuditFinding({ description: ' ' }))
        .thenThrows('FINDING.DESCRIPTION_REQUIRED');
    });

    it.each<[string, readonly ApplicationEvent[]]>([
      ['referred', referred],
      ['decided', [...referred, applicationDecided()]],
      ['withdrawn', [...submitted, applicationWithdrawn()]],
    ])('refuses findings once the application is %s', (_what, given) => {
      spec
        .given(given)
        .when(recordAuditFinding({ recordedOn: '2021-03-01' }))
        .thenThrows('APPLICATION.CLOSED_FOR_FINDINGS');
    });

    it('refuses a finding dated before the application’s last recorded fact', () => {
      spec
        .given(accepted)
        .when(recordAuditFinding({ recordedOn: '2021-02-04' }))
        .thenThrows('APPLICATION.DATE_OUT_OF_ORDER');
    });
  });

  describe('RaiseReviewFinding: IPA raises findings only during the technical review (ACCEPTED)', () => {
    it('raises a review finding numbered after the audit findings', () => {
      spec
        .given([...submitted, auditFindingRecorded(1), applicationAccepted()])
        .when(raiseReviewFinding())
        .then([
          {
            type: 'ReviewFindingRaised',
            data: {
              applicationId: APPLICATION_ID,
              serviceId: SERVICE_ID,
              findingId: 'APP-0001.F2',
              controlId: '12.4.1',
              description: 'Log retention is not stated',
              raisedOn: '2021-02-10',
            },
          },
        ]);
    });

    it('raises a finding about no particular control', () => {
      spec
        .given(accepted)
        .when(raiseReviewFinding(null, 'The Written Representation is unsigned'))
        .then([
          {
            type: 'ReviewFindingRaised',
            data: {
              applicationId: APPLICATION_ID,
              serviceId: SERVICE_ID,
              findingId: 'APP-0001.F1',
              controlId: null,
              description: 'The Written Representation is unsigned',
              raisedOn: '2021-02-10',
            },
          },
        ]);
    });

    it.each<[string, readonly ApplicationEvent[]]>([
      ['submitted', submitted],
      ['returned', returned],
      ['referred', referred],
    ])('refuses a review finding while the application is %s', (_what, given) => {
      spec.given(given).when(raiseReviewFinding()).thenThrows('APPLICATION.NOT_UNDER_REVIEW');
    });

    it('refuses a malformed control ID', () => {
      spec.given(accepted).when(raiseReviewFinding('12.4')).thenThrows('CONTROL_ID.INVALID_FORMAT');
    });
  });

  describe('RespondToFinding: only the owning provider answers', () => {
    const withFinding = [...accepted, reviewFindingRaised(1)];

    it('records the provider’s corrective action', () => {
      spec
        .given(withFinding)
        .when(respond(1))
        .then([
          {
            type: 'FindingResponded',
            data: {
              applicationId: APPLICATION_ID,
              findingId: 'APP-0001.F1',
              correctiveAction: 'Reviews are scheduled quarterly',
              respondedOn: '2021-02-12',
            },
          },
        ]);
    });

    it('answers not found to another provider', () => {
      const error = errorOf(withFinding, respond(1, OTHER_PROVIDER_ID));
      expect([error.code, error.kind]).toEqual(['APPLICATION.NOT_FOUND', 'not_found']);
    });

    it('answers not found for an unknown finding', () => {
      spec.given(withFinding).when(respond(2)).thenThrows('FINDING.NOT_FOUND');
    });

    it('refuses to answer a closed finding', () => {
      spec
        .given([...withFinding, findingResolved(1, 'RISK_ACCEPTED')])
        .when(respond(1))
        .thenThrows('FINDING.ALREADY_CLOSED');
    });

    it('refuses a blank corrective action', () => {
      spec
        .given(withFinding)
        .when(respond(1, PROVIDER_ID, ' '))
        .thenThrows('FINDING.RESPONSE_REQUIRED');
    });
  });

  describe('ResolveFinding: RESOLVED needs a response, RISK_ACCEPTED does not', () => {
    const withFinding = [...accepted, reviewFindingRaised(1)];

    it('resolves an answered finding', () => {
      spec
        .given([...withFinding, findingResponded(1)])
        .when(resolve(1, 'RESOLVED'))
        .then([
          {
            type: 'FindingResolved',
            data: {
              applicationId: APPLICATION_ID,
              findingId: 'APP-0001.F1',
              resolution: 'RESOLVED',
              note: 'Checked the new schedule',
              resolvedOn: '2021-02-15',
            },
          },
        ]);
    });

    it('refuses to resolve a finding the provider has not answered', () => {
      spec.given(withFinding).when(resolve(1, 'RESOLVED')).thenThrows('FINDING.NO_RESPONSE');
    });

    it('accepts an unanswered finding as a residual risk', () => {
      spec
        .given(withFinding)
        .when(resolve(1, 'RISK_ACCEPTED', 'Low impact'))
        .then([
          {
            type: 'FindingResolved',
            data: {
              applicationId: APPLICATION_ID,
              findingId: 'APP-0001.F1',
              resolution: 'RISK_ACCEPTED',
              note: 'Low impact',
              resolvedOn: '2021-02-15',
            },
          },
        ]);
    });

    it.each<FindingResolution>(['RESOLVED', 'RISK_ACCEPTED'])(
      'refuses to close a closed finding again as %s',
      (resolution) => {
        spec
          .given([...withFinding, findingResponded(1), findingResolved(1, 'RESOLVED')])
          .when(resolve(1, resolution))
          .thenThrows('FINDING.ALREADY_CLOSED');
      },
    );

    it('refuses a blank note', () => {
      spec
        .given([...withFinding, findingResponded(1)])
        .when(resolve(1, 'RESOLVED', ' '))
        .thenThrows('FINDING.NOTE_REQUIRED');
    });
  });

  describe('ReferApplication: only accepted applications with no open finding', () => {
    const referredEvent = {
      type: 'ApplicationReferred',
      data: {
        applicationId: APPLICATION_ID,
        meetingId: 'M1',
        meetingNumber: 1,
        meetingHeldOn: '2021-03-12',
        referredOn: REFERRED_ON,
      },
    } as const;

    it('puts an accepted application on the meeting’s agenda', () => {
      spec.given(accepted).when(refer()).then([referredEvent]);
    });

    it('refers an application whose findings are all resolved or risk-accepted', () => {
      spec
        .given([
          ...accepted,
          reviewFindingRaised(1),
          reviewFindingRaised(2),
          findingResponded(1),
          findingResolved(1, 'RESOLVED'),
          findingResolved(2, 'RISK_ACCEPTED'),
        ])
        .when(refer())
        .then([referredEvent]);
    });

    it('refuses a referral while a finding is open', () => {
      spec
        .given([...accepted, reviewFindingRaised(1)])
        .when(refer())
        .thenThrows('APPLICATION.OPEN_FINDINGS');
    });

    it('refuses a referral while a finding is answered but not yet closed', () => {
      spec
        .given([...accepted, reviewFindingRaised(1), findingResponded(1)])
        .when(refer())
        .thenThrows('APPLICATION.OPEN_FINDINGS');
    });

    it('lists the open findings in the error', () => {
      const error = errorOf(
        [...accepted, reviewFindingRaised(1), reviewFindingRaised(2), findingResolved(2, 'RISK_ACCEPTED')],
        refer(),
      );
      expect(error.details).toEqual({ findings: ['APP-0001.F1'] });
    });

    it.each<[string, readonly ApplicationEvent[]]>([
      ['submitted', submitted],
      ['returned', returned],
      ['already referred', referred],
      ['decided', [...referred, applicationDecided()]],
    ])('refuses to refer an application that is %s', (_what, given) => {
      spec.given(given).when(refer(MEETING_2, '2021-03-15')).thenThrows('APPLICATION.NOT_ACCEPTED');
    });

    it('refuses a meeting that does not exist', () => {
      spec.given(accepted).when(refer(null)).thenThrows('MEETING.NOT_FOUND');
    });

    it('refuses a referral dated after the meeting was held', () => {
      spec.given(accepted).when(refer(MEETING_1, '2021-03-13')).thenThrows('REFERRAL.AFTER_MEETING');
    });

    it('refers on the meeting day itself', () => {
      spec
        .given(accepted)
        .when(refer(MEETING_1, '2021-03-12'))
        .then([{ ...referredEvent, data: { ...referredEvent.data, referredOn: '2021-03-12' } }]);
    });

    it('refuses a referral dated before the acceptance', () => {
      spec.given(accepted).when(refer(MEETING_1, '2021-02-04')).thenThrows('APPLICATION.DATE_OUT_OF_ORDER');
    });
  });

  describe('WithdrawApplication: by the owning provider until the ruling', () => {
    it('withdraws a submitted application, naming its service and kind', () => {
      spec.given(submitted).when(withdraw()).then([applicationWithdrawn()]);
    });

    it('withdraws a referred application before the ruling', () => {
      spec.given(referred).when(withdraw()).then([applicationWithdrawn()]);
    });

    it('records the kind of a withdrawn renewal (its reaction ends the service’s pending renewal)', () => {
      spec
        .given([submittedFrom(submitRenewal())])
        .when(withdraw(PROVIDER_ID, 'No longer offered', '2022-03-05'))
        .then([applicationWithdrawn('2022-03-05', 'RENEWAL', RENEWAL_ID)]);
    });

    it('answers not found to another provider', () => {
      const error = errorOf(submitted, withdraw(OTHER_PROVIDER_ID));
      expect([error.code, error.kind]).toEqual(['APPLICATION.NOT_FOUND', 'not_found']);
    });

    it.each<[string, readonly ApplicationEvent[]]>([
      ['decided', [...referred, applicationDecided()]],
      ['withdrawn', [...submitted, applicationWithdrawn()]],
    ])('refuses to withdraw an application already %s', (_what, given) => {
      spec
        .given(given)
        .when(withdraw(PROVIDER_ID, 'Again', '2021-03-20'))
        .thenThrows('APPLICATION.ALREADY_CLOSED');
    });

    it('refuses a withdrawal without a reason', () => {
      spec.given(submitted).when(withdraw(PROVIDER_ID, ' ')).thenThrows('APPLICATION.REASON_REQUIRED');
    });

    it('refuses a withdrawal dated before the submission', () => {
      spec
        .given(submitted)
        .when(withdraw(PROVIDER_ID, 'x', '2021-01-31'))
        .thenThrows('APPLICATION.DATE_OUT_OF_ORDER');
    });
  });

  describe('ApplyRuling: the committee’s ruling, applied by its reaction', () => {
    it('records a DEFER as deferred on the meeting date', () => {
      spec
        .given(referred)
        .when(applyRuling('DEFER'))
        .then([
          {
            type: 'ApplicationDeferred',
            data: {
              applicationId: APPLICATION_ID,
              rulingId: 'R1',
              meetingId: 'M1',
              deferredOn: '2021-03-12',
            },
          },
        ]);
    });

    it('puts a deferred application back under review, so it can be referred to the next meeting', () => {
      spec
        .given([...referred, applicationDeferred(MEETING_1)])
        .when(refer(MEETING_2, '2021-03-15'))
        .then([
          {
            type: 'ApplicationReferred',
            data: {
              applicationId: APPLICATION_ID,
              meetingId: 'M2',
              meetingNumber: 2,
              meetingHeldOn: '2021-06-22',
              referredOn: '2021-03-15',
            },
          },
        ]);
    });

    it('refuses the deferring meeting’s ruling a second time', () => {
      spec
        .given([...referred, applicationDeferred(MEETING_1)])
        .when(applyRuling('REGISTER'))
        .thenThrows('RULING.NOT_REFERRED_TO_MEETING');
    });

    it('decides a REGISTER ruling with its registration number', () => {
      spec
        .given(referred)
        .when(applyRuling('REGISTER'))
        .then([
          {
            type: 'ApplicationDecided',
            data: {
              applicationId: APPLICATION_ID,
              rulingId: 'R1',
              meetingId: 'M1',
              decision: 'REGISTER',
              decidedOn: '2021-03-12',
              registrationNumber: REGISTRATION_NUMBER,
            },
          },
        ]);
    });

    it('decides at the next meeting after a DEFER', () => {
      spec
        .given([...referred, applicationDeferred(MEETING_1), applicationReferred(MEETING_2, '2021-03-15')])
        .when(applyRuling('REGISTER', MEETING_2, 'R2'))
        .then([
          {
            type: 'ApplicationDecided',
            data: {
              applicationId: APPLICATION_ID,
              rulingId: 'R2',
              meetingId: 'M2',
              decision: 'REGISTER',
              decidedOn: '2021-06-22',
              registrationNumber: REGISTRATION_NUMBER,
            },
          },
        ]);
    });

    it('decides a REJECT without a registration number', () => {
      spec
        .given(referred)
        .when(applyRuling('REJECT'))
        .then([
          {
            type: 'ApplicationDecided',
            data: {
              applicationId: APPLICATION_ID,
              rulingId: 'R1',
              meetingId: 'M1',
              decision: 'REJECT',
              decidedOn: '2021-03-12',
              registrationNumber: null,
            },
          },
        ]);
    });

    it.each<[string, readonly ApplicationEvent[]]>([
      ['not referred at all', accepted],
      ['referred to another meeting', [...accepted, applicationReferred(MEETING_2)]],
      ['already decided', [...referred, applicationDecided()]],
      ['withdrawn before the ruling', [...referred, applicationWithdrawn('2021-03-01')]],
    ])('refuses a ruling on an application %s', (_what, given) => {
      spec.given(given).when(applyRuling('REGISTER')).thenThrows('RULING.NOT_REFERRED_TO_MEETING');
    });
  });

  describe('error kinds: acting in the wrong state is a conflict (409), breaking a rule is a rule violation (422)', () => {
    it.each<[string, readonly ApplicationEvent[], ApplicationCommand, 'conflict' | 'rule']>([
      ['APPLICATION.ALREADY_SUBMITTED', submitted, submitNew(), 'conflict'],
      [
        'RENEWAL.ALREADY_PENDING',
        [],
        submitRenewal({ service: serviceFacts({ status: 'RENEWAL_PENDING' }) }),
        'conflict',
      ],
      [
        'SERVICE.NOT_REGISTERED',
        [],
        submitRenewal({ service: serviceFacts({ status: 'EXPIRED' }) }),
        'conflict',
      ],
      ['APPLICATION.NOT_SUBMITTED', accepted, accept(), 'conflict'],
      ['APPLICATION.NOT_ACCEPTED', submitted, refer(), 'conflict'],
      ['RULING.NOT_REFERRED_TO_MEETING', accepted, applyRuling('REGISTER'), 'conflict'],
      ['RENEWAL.AFTER_VALIDITY', [], submitRenewal({ submittedOn: '2022-05-01' }), 'rule'],
      [
        'AUDIT_PERIOD.TOO_LONG',
        [],
        submitNew({ auditPeriod: { start: '2020-01-01', end: '2021-01-01' } }),
        'rule',
      ],
      ['APPLICATION.OPEN_FINDINGS', [...accepted, reviewFindingRaised(1)], refer(), 'rule'],
      ['FINDING.NO_RESPONSE', [...accepted, reviewFindingRaised(1)], resolve(1, 'RESOLVED'), 'rule'],
    ])('%s is a %s error', (code, given, command, kind) => {
      const error = errorOf(given, command);
      expect([error.code, error.kind]).toEqual([code, kind]);
    });
  });

  describe('finding ids name their application', () => {
    it.each([
      ['APP-0001.F1', 'APP-0001'],
      ['APP-0001.F12', 'APP-0001'],
      ['APP-0001', null],
      ['APP-0001.F0', null],
    ])('%s belongs to application %s', (id, applicationId) => {
      expect(applicationIdOfFinding(id)).toBe(applicationId);
    });
  });
});
