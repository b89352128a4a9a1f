import {
  APPLICATION_ID,
  AUDIT_BODY_ID,
  CHANGE_ID,
  MEETING_1,
  MEETING_2,
  MEETING_5,
  PROVIDER_ID,
  RENEWAL_ID,
  SERVICE_ID,
  acceptedApplication,
  auditBodyApplied,
  auditBodyHistory,
  domainErrorOf,
  referredApplication,
  renewalApplied,
  serviceRegistered,
  stateAfter,
  submitChange,
  submitNew,
  submitRenewal,
} from '@ismap/testing/fixtures/ismap-fixtures';
import type { MeetingFacts, SubmitApplication } from '../applications/application';
import { applicationDecider } from '../applications/application';
import type { ApplicationEvent } from '../applications/application.events';
import type { AuditBodyEvent } from '../audit-bodies/audit-body';
import { auditBodyDecider } from '../audit-bodies/audit-body';
import type { ServiceEvent } from '../services/service.events';
import { serviceDecider } from '../services/service';
import type { Decision, Period } from '../shared/vocabulary';
import type { RulingInputs } from './ruling-plan';
import { planRuling } from './ruling-plan';

const application = (events: readonly ApplicationEvent[]) => stateAfter(applicationDecider, events);
const service = (events: readonly ServiceEvent[]) => stateAfter(serviceDecider, events);
const auditBody = (events: readonly AuditBodyEvent[]) => stateAfter(auditBodyDecider, events);
const at = (meeting: MeetingFacts) => ({ meetingId: meeting.meetingId, heldOn: meeting.heldOn });

const onApplication = (
  decision: Decision,
  events: readonly ApplicationEvent[],
  meeting: MeetingFacts,
  extra: Partial<RulingInputs> = {},
): RulingInputs => ({
  decision,
  subject: { kind: 'application', applicationId: APPLICATION_ID },
  meeting: at(meeting),
  application: application(events),
  ...extra,
});

const newReferred = referredApplication(submitNew(), MEETING_1, '2021-02-20');
const renewalReferred = (auditPeriod?: Period) =>
  referredApplication(submitRenewal(auditPeriod ? { auditPeriod } : {}), MEETING_5);
const changeReferred = referredApplication(submitChange(), MEETING_2);
const registered: ServiceEvent[] = [serviceRegistered()];
const renewalPending: ServiceEvent[] = [...registered, renewalApplied(RENEWAL_ID)];
const withdrawn: ServiceEvent = {
  type: 'ServiceWithdrawn',
  data: {
    serviceId: SERVICE_ID,
    effectiveOn: '2021-12-31',
    reason: 'Discontinued',
    withdrawnOn: '2021-11-30',
  },
};

const codeOf = (inputs: RulingInputs): string => domainErrorOf(() => planRuling(inputs)).code;

describe('planRuling', () => {
  describe('on an application: only one referred to this meeting', () => {
    it('answers not found for an application that does not exist', () => {
      expect(codeOf(onApplication('REGISTER', [], MEETING_1))).toBe('APPLICATION.NOT_FOUND');
    });

    it('refuses an application that was never referred', () => {
      expect(codeOf(onApplication('REGISTER', acceptedApplication(), MEETING_1))).toBe(
        'RULING.NOT_REFERRED_TO_MEETING',
      );
    });

    it('refuses an application referred to another meeting', () => {
      expect(codeOf(onApplication('REGISTER', newReferred, MEETING_2))).toBe(
        'RULING.NOT_REFERRED_TO_MEETING',
      );
    });

    it.each<[string, SubmitApplication, Decision]>([
      ['NEW', submitNew(), 'RENEW'],
      ['NEW', submitNew(), 'APPROVE_CHANGE'],
      ['NEW', submitNew(), 'REVOKE'],
      ['NEW', submitNew(), 'AUDIT_BODY_REGISTER'],
      ['NEW', submitNew(), 'AUDIT_BODY_DELIST'],
      ['RENEWAL', submitRenewal({ applicationId: APPLICATION_ID }), 'REGISTER'],
      ['RENEWAL', submitRenewal({ applicationId: APPLICATION_ID }), 'APPROVE_CHANGE'],
      ['CHANGE', submitChange({ applicationId: APPLICATION_ID }), 'REGISTER'],
      ['CHANGE', submitChange({ applicationId: APPLICATION_ID }), 'RENEW'],
    ])('refuses a %s application ruled %s', (_kind, submit, decision) => {
      const inputs = onApplication(decision, referredApplication(submit, MEETING_5), MEETING_5, {
        service: service(renewalPending),
      });
      expect(codeOf(inputs)).toBe('RULING.DECISION_NOT_APPLICABLE');
    });
  });

  describe('REGISTER on a NEW application', () => {
    const plan = () => planRuling(onApplication('REGISTER', newReferred, MEETING_1));

    it('reserves a number on the application’s track list', () => {
      expect(plan().reserve).toEqual({ list: 'ISMAP', subjectId: APPLICATION_ID });
    });

    it('reserves ISMAP-LIU numbers for an ISMAP-LIU application', () => {
      const liuMeeting: MeetingFacts = { meetingId: 'M10', number: 10, heldOn: '2022-12-20' };
      const liu = submitNew({
        track: 'ISMAP_LIU',
        submittedOn: '2022-11-01',
        auditPeriod: { start: '2021-10-01', end: '2022-09-30' },
        auditReportDate: '2022-10-31',
      });
      const inputs = onApplication('REGISTER', referredApplication(liu, liuMeeting), liuMeeting);
      expect(planRuling(inputs).reserve).toEqual({ list: 'ISMAP_LIU', subjectId: APPLICATION_ID });
    });

    it('registers the service from the meeting date, valid 16 months from the day after the audit period', () => {
      expect(plan().complete('C21-0001-1')).toEqual({
        registrationNumber: 'C21-0001-1',
        effect: {
          kind: 'REGISTER_SERVICE',
          registration: {
            serviceId: SERVICE_ID,
            applicationId: APPLICATION_ID,
            providerId: PROVIDER_ID,
            track: 'ISMAP',
            serviceName: 'Example Cloud (illustrative)',
            serviceModel: 'IaaS',
            scope: { description: 'Compute and storage', regions: ['Tokyo', 'Osaka'] },
            auditBodyId: AUDIT_BODY_ID,
            auditPeriod: { start: '2020-01-01', end: '2020-12-31' },
            registrationNumber: 'C21-0001-1',
            registeredOn: '2021-03-12',
            validUntil: '2022-04-30',
          },
        },
      });
    });

    it('cannot complete without a reserved number', () => {
      expect(() => plan().complete(null)).toThrow('REGISTER needs a reserved registration number');
    });

    it('refuses a registration whose validity (until 2022-04-30) ended before the meeting', () => {
      const late: MeetingFacts = { meetingId: 'M7', number: 7, heldOn: '2022-05-01' };
      expect(codeOf(onApplication('REGISTER', referredApplication(submitNew(), late), late))).toBe(
        'RULING.VALIDITY_ALREADY_ENDED',
      );
    });

    it('registers at a meeting held on the last day of validity', () => {
      const lastDay: MeetingFacts = { meetingId: 'M7', number: 7, heldOn: '2022-04-30' };
      const inputs = onApplication('REGISTER', referredApplication(submitNew(), lastDay), lastDay);
      expect(planRuling(inputs).reserve).toEqual({ list: 'ISMAP', subjectId: APPLICATION_ID });
    });
  });

  describe('REJECT and DEFER', () => {
    it.each<[string, SubmitApplication]>([
      ['NEW', submitNew()],
      ['RENEWAL', submitRenewal({ applicationId: APPLICATION_ID })],
      ['CHANGE', submitChange({ applicationId: APPLICATION_ID })],
    ])('rejects a %s application, naming its kind, with no number', (kind, submit) => {
      const plan = planRuling(onApplication('REJECT', referredApplication(submit, MEETING_5), MEETING_5));
      expect([plan.reserve, plan.complete(null)]).toEqual([
        null,
        {
          registrationNumber: null,
          effect: {
            kind: 'REJECT_APPLICATION',
            applicationId: APPLICATION_ID,
            serviceId: SERVICE_ID,
            applicationKind: kind,
          },
        },
      ]);
    });

    it('defers an application with no number', () => {
      const plan = planRuling(onApplication('DEFER', newReferred, MEETING_1));
      expect([plan.reserve, plan.complete(null)]).toEqual([
        null,
        { registrationNumber: null, effect: { kind: 'DEFER_APPLICATION', applicationId: APPLICATION_ID } },
      ]);
    });
  });

  describe('RENEW on a RENEWAL application', () => {
    const renewInputs = (
      events: readonly ApplicationEvent[],
      serviceEvents: readonly ServiceEvent[],
    ): RulingInputs => ({
      decision: 'RENEW',
      subject: { kind: 'application', applicationId: RENEWAL_ID },
      meeting: at(MEETING_5),
      application: application(events),
      service: service(serviceEvents),
    });

    it.each<[Period, string]>([
      [{ start: '2021-01-01', end: '2021-12-31' }, '2023-04-30'],
      [{ start: '2020-04-01', end: '2021-03-31' }, '2022-07-31'],
    ])(
      'renews on the audit period %o until %s, with the next edition of the number',
      (auditPeriod, validUntil) => {
        const plan = planRuling(renewInputs(renewalReferred(auditPeriod), renewalPending));
        expect([plan.reserve, plan.complete(null)]).toEqual([
          null,
          {
            registrationNumber: 'C21-0001-2',
            effect: {
              kind: 'RENEW_REGISTRATION',
              applicationId: RENEWAL_ID,
              serviceId: SERVICE_ID,
              registrationNumber: 'C21-0001-2',
              auditBodyId: AUDIT_BODY_ID,
              auditPeriod,
              validUntil,
              statement: {
                serviceName: 'Example Cloud (illustrative)',
                serviceModel: 'IaaS',
                scope: { description: 'Compute and storage', regions: ['Tokyo', 'Osaka'] },
              },
            },
          },
        ]);
      },
    );

    it('carries the statement the renewal application makes, as corrected before the ruling', () => {
      const statement = {
        description: 'Compute, storage and backup',
        regions: ['Tokyo', 'Osaka', 'Fukuoka'],
      };
      const renewal = referredApplication(
        submitRenewal({
          serviceName: 'Example Cloud 2 (illustrative)',
          serviceModel: 'PaaS',
          scope: statement,
        }),
        MEETING_5,
      );
      expect(planRuling(renewInputs(renewal, renewalPending)).complete(null).effect).toMatchObject({
        kind: 'RENEW_REGISTRATION',
        statement: { serviceName: 'Example Cloud 2 (illustrative)', serviceModel: 'PaaS', scope: statement },
      });
    });

    it('counts the renewals in the number: C21-0008-2 renews as C21-0008-3', () => {
      const second = [serviceRegistered({ registrationNumber: 'C21-0008-2' }), renewalApplied(RENEWAL_ID)];
      expect(planRuling(renewInputs(renewalReferred(), second)).complete(null).registrationNumber).toBe(
        'C21-0008-3',
      );
    });

    it('answers not found when the service does not exist', () => {
      expect(codeOf(renewInputs(renewalReferred(), []))).toBe('SERVICE.NOT_FOUND');
    });

    it('refuses when this renewal is not pending on the service', () => {
      expect(codeOf(renewInputs(renewalReferred(), registered))).toBe('RENEWAL.NOT_PENDING');
    });

    it('refuses a renewal whose new term (until 2023-04-30) ended before the meeting, as REGISTER does', () => {
      const late: MeetingFacts = { meetingId: 'M9', number: 9, heldOn: '2023-05-01' };
      const inputs: RulingInputs = {
        ...renewInputs(referredApplication(submitRenewal(), late), renewalPending),
        meeting: at(late),
      };
      expect(codeOf(inputs)).toBe('RULING.VALIDITY_ALREADY_ENDED');
    });

    it('renews at a meeting held on the last day of the new term', () => {
      const lastDay: MeetingFacts = { meetingId: 'M9', number: 9, heldOn: '2023-04-30' };
      const inputs: RulingInputs = {
        ...renewInputs(referredApplication(submitRenewal(), lastDay), renewalPending),
        meeting: at(lastDay),
      };
      expect(planRuling(inputs).complete(null).registrationNumber).toBe('C21-0001-2');
    });
  });

  describe('a ruling on a registered service dated before its registration (2021-03-12)', () => {
    const before: MeetingFacts = { meetingId: 'M0', number: 0, heldOn: '2021-03-11' };

    it('refuses REVOKE', () => {
      const inputs: RulingInputs = {
        decision: 'REVOKE',
        subject: { kind: 'service', serviceId: SERVICE_ID },
        meeting: at(before),
        service: service(registered),
      };
      expect(codeOf(inputs)).toBe('RULING.BEFORE_REGISTRATION');
    });

    it('refuses APPROVE_CHANGE', () => {
      const inputs: RulingInputs = {
        decision: 'APPROVE_CHANGE',
        subject: { kind: 'application', applicationId: CHANGE_ID },
        meeting: at(before),
        application: application(referredApplication(submitChange(), before)),
        service: service(registered),
      };
      expect(codeOf(inputs)).toBe('RULING.BEFORE_REGISTRATION');
    });

    it('revokes at a meeting on the registration day itself', () => {
      const inputs: RulingInputs = {
        decision: 'REVOKE',
        subject: { kind: 'service', serviceId: SERVICE_ID },
        meeting: at(MEETING_1),
        service: service(registered),
      };
      expect(planRuling(inputs).complete(null).effect).toEqual({
        kind: 'REVOKE_REGISTRATION',
        serviceId: SERVICE_ID,
      });
    });
  });

  describe('APPROVE_CHANGE on a CHANGE application', () => {
    const changeInputs = (serviceEvents: readonly ServiceEvent[]): RulingInputs => ({
      decision: 'APPROVE_CHANGE',
      subject: { kind: 'application', applicationId: CHANGE_ID },
      meeting: at(MEETING_2),
      application: application(changeReferred),
      service: service(serviceEvents),
    });

    it.each<[string, ServiceEvent[]]>([
      ['registered', registered],
      ['pending renewal', renewalPending],
    ])('approves the application’s name, model and scope for a %s service', (_what, serviceEvents) => {
      expect(planRuling(changeInputs(serviceEvents)).complete(null)).toEqual({
        registrationNumber: null,
        effect: {
          kind: 'APPROVE_CHANGE',
          applicationId: CHANGE_ID,
          serviceId: SERVICE_ID,
          serviceName: 'Example Cloud (illustrative)',
          serviceModel: 'IaaS',
          scope: { description: 'Compute and storage', regions: ['Tokyo', 'Osaka', 'Fukuoka'] },
        },
      });
    });

    it('refuses a change of a service no longer on the list', () => {
      expect(codeOf(changeInputs([...registered, withdrawn]))).toBe('SERVICE.NOT_REGISTERED');
    });

    it('answers not found when the service does not exist', () => {
      expect(codeOf(changeInputs([]))).toBe('SERVICE.NOT_FOUND');
    });
  });

  describe('on a registered service: only REVOKE, only while on the list', () => {
    const onService = (decision: Decision, serviceEvents: readonly ServiceEvent[]): RulingInputs => ({
      decision,
      subject: { kind: 'service', serviceId: SERVICE_ID },
      meeting: at(MEETING_5),
      service: service(serviceEvents),
    });

    it.each<[string, ServiceEvent[]]>([
      ['registered', registered],
      ['pending renewal', renewalPending],
    ])('revokes a %s service', (_what, serviceEvents) => {
      expect(planRuling(onService('REVOKE', serviceEvents)).complete(null)).toEqual({
        registrationNumber: null,
        effect: { kind: 'REVOKE_REGISTRATION', serviceId: SERVICE_ID },
      });
    });

    it.each<[string, ServiceEvent[]]>([
      ['withdrawn', [...registered, withdrawn]],
      [
        'expired',
        [
          ...registered,
          {
            type: 'RegistrationExpired',
            data: { serviceId: SERVICE_ID, expiredOn: '2022-05-01', validUntil: '2022-04-30' },
          },
        ],
      ],
    ])('refuses to revoke a %s service', (_what, serviceEvents) => {
      expect(codeOf(onService('REVOKE', serviceEvents))).toBe('SERVICE.NOT_REGISTERED');
    });

    it('answers not found for a service never registered', () => {
      expect(codeOf(onService('REVOKE', []))).toBe('SERVICE.NOT_FOUND');
    });

    it.each<Decision>(['REGISTER', 'REJECT', 'DEFER', 'RENEW', 'AUDIT_BODY_DELIST'])(
      'refuses %s on a service',
      (decision) => {
        expect(codeOf(onService(decision, registered))).toBe('RULING.DECISION_NOT_APPLICABLE');
      },
    );
  });

  describe('on an audit body: AUDIT_BODY_REGISTER once applied, AUDIT_BODY_DELIST once registered', () => {
    const applied: AuditBodyEvent[] = [auditBodyApplied()];
    const registeredBody = auditBodyHistory();
    const delisted: AuditBodyEvent[] = [
      ...registeredBody,
      {
        type: 'AuditBodyDelisted',
        data: {
          auditBodyId: AUDIT_BODY_ID,
          delistedOn: '2023-03-01',
          rulingId: 'R8',
          meetingId: 'M8',
          rationale: 'x',
        },
      },
    ];
    const onAuditBody = (decision: Decision, events: readonly AuditBodyEvent[]): RulingInputs => ({
      decision,
      subject: { kind: 'auditBody', auditBodyId: AUDIT_BODY_ID },
      meeting: at(MEETING_1),
      auditBody: auditBody(events),
    });

    it('reserves an audit body number for an applied audit body', () => {
      expect(planRuling(onAuditBody('AUDIT_BODY_REGISTER', applied)).reserve).toEqual({
        list: 'AUDIT_BODY',
        subjectId: AUDIT_BODY_ID,
      });
    });

    it('registers the audit body under the reserved number', () => {
      expect(planRuling(onAuditBody('AUDIT_BODY_REGISTER', applied)).complete('A21-0001')).toEqual({
        registrationNumber: 'A21-0001',
        effect: { kind: 'REGISTER_AUDIT_BODY', auditBodyId: AUDIT_BODY_ID, registrationNumber: 'A21-0001' },
      });
    });

    it('refuses to register an audit body twice', () => {
      expect(codeOf(onAuditBody('AUDIT_BODY_REGISTER', registeredBody))).toBe('AUDIT_BODY.NOT_APPLIED');
    });

    it('delists a registered audit body', () => {
      expect(planRuling(onAuditBody('AUDIT_BODY_DELIST', registeredBody)).complete(null)).toEqual({
        registrationNumber: null,
        effect: { kind: 'DELIST_AUDIT_BODY', auditBodyId: AUDIT_BODY_ID },
      });
    });

    it.each<[string, AuditBodyEvent[]]>([
      ['only applied', applied],
      ['already delisted', delisted],
    ])('refuses to delist an audit body %s', (_what, events) => {
      expect(codeOf(onAuditBody('AUDIT_BODY_DELIST', events))).toBe('AUDIT_BODY.NOT_REGISTERED');
    });

    it('answers not found for an audit body that never applied', () => {
      expect(codeOf(onAuditBody('AUDIT_BODY_REGISTER', []))).toBe('AUDIT_BODY.NOT_FOUND');
    });

    it.each<Decision>(['REGISTER', 'REVOKE', 'REJECT'])('refuses %s on an audit body', (decision) => {
      expect(codeOf(onAuditBody(decision, registeredBody))).toBe('RULING.DECISION_NOT_APPLICABLE');
    });
  });
});
