import type { RenewalStatement } from '@ismap/domain';
import type { AnyEvent } from '../trail/event-log.spec';
import { applicationSubmitted, EventLog, project, serviceRegistered } from '../trail/event-log.spec';
import type { RegistrationDoc } from './registrations.projection';
import { isListedOn, registrationsProjection, SERVICES, statusOn } from './registrations.projection';

/** SVC-0001: registered 2021-03-12 on a period ending 2020-12-31, so valid until 2022-04-30 (DOMAIN.md 7). */
const REGISTERED = serviceRegistered();

const renewalSubmitted = (
  submittedOn: string,
  overrides: Partial<ReturnType<typeof applicationSubmitted>['data']> = {},
) =>
  applicationSubmitted({
    applicationId: 'APP-0002',
    kind: 'RENEWAL',
    submittedOn,
    auditPeriod: { start: '2021-01-01', end: '2021-12-31' },
    ...overrides,
  });

const renewalApplied = (appliedOn: string): AnyEvent => ({
  type: 'RenewalApplied',
  data: { serviceId: 'SVC-0001', applicationId: 'APP-0002', appliedOn },
});

const STATEMENT: RenewalStatement = {
  serviceName: 'テストクラウド IaaS 第2世代',
  serviceModel: 'PaaS',
  scope: { description: '基盤と管理コンソール', regions: ['東京', '大阪', '福岡'] },
};

/** `statement: null` for a renewal recorded before the event carried its statement. */
const renewed = (renewedOn: string, statement: RenewalStatement | null = STATEMENT): AnyEvent => ({
  type: 'RegistrationRenewed',
  data: {
    serviceId: 'SVC-0001',
    applicationId: 'APP-0002',
    registrationNumber: 'C21-0001-2',
    auditBodyId: 'AB-RENEWAL',
    auditPeriod: { start: '2021-01-01', end: '2021-12-31' },
    renewedOn,
    validUntil: '2023-04-30',
    rulingId: 'R-0002',
    meetingId: 'M2',
    ...(statement === null ? {} : { statement }),
  },
});

const changeApproved = (approvedOn: string, serviceName: string, applicationId = 'APP-0003'): AnyEvent => ({
  type: 'ServiceChangeApproved',
  data: {
    serviceId: 'SVC-0001',
    applicationId,
    serviceName,
    serviceModel: 'PaaS',
    scope: { description: `${serviceName} の範囲`, regions: ['東京'] },
    approvedOn,
    rulingId: `R-${applicationId}`,
    meetingId: `M-${approvedOn}`,
  },
});

const withdrawn = (withdrawnOn: string, effectiveOn: string): AnyEvent => ({
  type: 'ServiceWithdrawn',
  data: { serviceId: 'SVC-0001', withdrawnOn, effectiveOn, reason: '事業再編のため' },
});

function serviceAfter(events: readonly AnyEvent[]): RegistrationDoc {
  const model = project(registrationsProjection, new EventLog().recordAll(events));
  const doc = model.get(SERVICES, 'SVC-0001');
  if (doc === undefined) throw new Error('SVC-0001 was not projected');
  return doc as unknown as RegistrationDoc;
}

const listedDays = (doc: RegistrationDoc, days: readonly string[]) =>
  Object.fromEntries(days.map((day) => [day, isListedOn(doc, day)]));

describe('registrations projection: evolve', () => {
  it('files a registration with the dates that decide its days on the list', () => {
    expect(serviceAfter([REGISTERED])).toMatchObject({
      serviceId: 'SVC-0001',
      registrationNumber: 'C21-0001-1',
      registeredOn: '2021-03-12',
      statementOn: '2021-03-12',
      validUntil: '2022-04-30',
      status: 'REGISTERED',
      renewalAppliedOn: null,
      withdrawalEffectiveOn: null,
      revokedOn: null,
      expiredOn: null,
    });
  });

  it('shows the statement the renewal was granted on', () => {
    const doc = serviceAfter([
      REGISTERED,
      renewalSubmitted('2022-03-01'),
      renewalApplied('2022-03-01'),
      renewed('2022-04-20'),
    ]);
    expect(doc).toMatchObject({
      registrationNumber: 'C21-0001-2',
      auditBodyId: 'AB-RENEWAL',
      validUntil: '2023-04-30',
      lastRenewedOn: '2022-04-20',
      ...STATEMENT,
      statementOn: '2022-04-20',
    });
  });

  it('keeps the registration’s statement for a renewal recorded before renewals carried one', () => {
    const doc = serviceAfter([REGISTERED, renewalApplied('2022-03-01'), renewed('2022-04-20', null)]);
    expect(doc).toMatchObject({
      registrationNumber: 'C21-0001-2',
      validUntil: '2023-04-30',
      serviceName: 'テストクラウド IaaS',
      serviceModel: 'IaaS',
      scope: { description: 'IaaS 基盤サービス', regions: ['東京', '大阪'] },
      statementOn: '2021-03-12',
    });
  });

  it('keeps the newer statement when an older change is entered after it (history entered late)', () => {
    const doc = serviceAfter([
      REGISTERED,
      changeApproved('2021-12-01', '新名称B', 'APP-B'),
      changeApproved('2021-09-01', '旧名称A2', 'APP-A'),
    ]);
    expect(doc.serviceName).toBe('新名称B');
    expect(doc.statementOn).toBe('2021-12-01');
  });

  it('renews validity but keeps a later change’s statement when the renewal is entered after it', () => {
    const doc = serviceAfter([
      REGISTERED,
      renewalSubmitted('2022-03-01'),
      renewalApplied('2022-03-01'),
      changeApproved('2022-06-01', '変更後の名称'),
      renewed('2022-04-20'),
    ]);
    expect(doc).toMatchObject({
      serviceName: '変更後の名称',
      validUntil: '2023-04-30',
      lastRenewedOn: '2022-04-20',
    });
  });
});

describe('registrations projection: where a service stands on a day', () => {
  it('is on the list from its registration date to its validUntil, and EXPIRED from the day after', () => {
    const doc = serviceAfter([REGISTERED]);
    expect(listedDays(doc, ['2021-03-11', '2021-03-12', '2022-04-30', '2022-05-01'])).toEqual({
      '2021-03-11': false,
      '2021-03-12': true,
      '2022-04-30': true,
      '2022-05-01': false,
    });
    expect(statusOn(doc, '2022-04-30')).toBe('REGISTERED');
    // Before the expiry sweep has recorded anything: judged by the rule, not by the last recorded status.
    expect(doc.status).toBe('REGISTERED');
    expect(statusOn(doc, '2022-05-01')).toBe('EXPIRED');
  });

  it('stays RENEWAL_PENDING past validUntil while a renewal applied for in time is undecided', () => {
    const doc = serviceAfter([REGISTERED, renewalSubmitted('2022-04-30'), renewalApplied('2022-04-30')]);
    expect(statusOn(doc, '2022-04-01')).toBe('RENEWAL_PENDING');
    expect(statusOn(doc, '2023-01-01')).toBe('RENEWAL_PENDING');
    expect(isListedOn(doc, '2023-01-01')).toBe(true);
  });

  it('expires on the ruling date when a timely renewal is rejected after validUntil', () => {
    const doc = serviceAfter([
      REGISTERED,
      renewalSubmitted('2022-04-01'),
      renewalApplied('2022-04-01'),
      {
        type: 'RenewalClosed',
        data: {
          serviceId: 'SVC-0001',
          applicationId: 'APP-0002',
          outcome: 'REJECTED',
          closedOn: '2022-06-20',
        },
      },
      {
        type: 'RegistrationExpired',
        data: { serviceId: 'SVC-0001', expiredOn: '2022-06-20', validUntil: '2022-04-30' },
      },
    ]);
    expect(listedDays(doc, ['2022-06-19', '2022-06-20'])).toEqual({
      '2022-06-19': true,
      '2022-06-20': false,
    });
    expect(statusOn(doc, '2022-06-20')).toBe('EXPIRED');
  });

  it('stays on the list until a withdrawal takes effect, and is WITHDRAWN from that day', () => {
    const doc = serviceAfter([REGISTERED, withdrawn('2021-10-01', '2021-12-01')]);
    // The recorded status says WITHDRAWN from the notice; the day rule says when it leaves.
    expect(doc.status).toBe('WITHDRAWN');
    expect(statusOn(doc, '2021-11-30')).toBe('REGISTERED');
    expect(listedDays(doc, ['2021-11-30', '2021-12-01'])).toEqual({
      '2021-11-30': true,
      '2021-12-01': false,
    });
    expect(statusOn(doc, '2021-12-01')).toBe('WITHDRAWN');
  });

  it('keeps a timely renewal’s grace until a later withdrawal takes effect', () => {
    const doc = serviceAfter([
      REGISTERED,
      renewalSubmitted('2022-04-15'),
      renewalApplied('2022-04-15'),
      withdrawn('2022-05-10', '2022-06-30'),
    ]);
    expect(listedDays(doc, ['2022-05-01', '2022-05-20', '2022-06-29', '2022-06-30'])).toEqual({
      '2022-05-01': true,
      '2022-05-20': true,
      '2022-06-29': true,
      '2022-06-30': false,
    });
    expect(statusOn(doc, '2022-06-29')).toBe('RENEWAL_PENDING');
  });

  it('names the first way it left the list: validity ran out before a later withdrawal took effect', () => {
    const doc = serviceAfter([REGISTERED, withdrawn('2022-03-01', '2022-08-01')]);
    expect(statusOn(doc, '2022-05-01')).toBe('EXPIRED');
    expect(statusOn(doc, '2022-09-01')).toBe('EXPIRED');
  });

  it('is REVOKED from the ruling date', () => {
    const doc = serviceAfter([
      REGISTERED,
      {
        type: 'RegistrationRevoked',
        data: {
          serviceId: 'SVC-0001',
          revokedOn: '2021-11-11',
          rationale: '虚偽の言明',
          rulingId: 'R-9',
          meetingId: 'M9',
        },
      },
    ]);
    expect(listedDays(doc, ['2021-11-10', '2021-11-11'])).toEqual({
      '2021-11-10': true,
      '2021-11-11': false,
    });
    expect(statusOn(doc, '2021-11-11')).toBe('REVOKED');
  });
});
