import { memoryView } from '../memory-read-model';
import type { AnyEvent } from '../trail/event-log.spec';
import {
  applicationSubmitted,
  AUDIT_BODY_ID,
  EventLog,
  project,
  rulingRecorded,
  serviceRegistered,
  snapshot,
} from '../trail/event-log.spec';
import type { LeadTimeDoc, MonthDoc } from './programme-counters.projection';
import {
  distributionOf,
  findingDomainOf,
  counterKey,
  LEAD_TIMES,
  leadTimes,
  leadTimeStats,
  monthsOfRange,
  MONTHS,
  programmeCounts,
  programmeCountersProjection,
} from './programme-counters.projection';

const APP = 'APP-0001';
const LIU = 'APP-0100';

const auditFinding = (
  n: number,
  controlId: string,
  kind: 'EXCEPTION' | 'DEFICIENCY' | 'OBSERVATION',
  recordedOn: string,
): AnyEvent => ({
  type: 'AuditFindingRecorded',
  data: {
    applicationId: APP,
    serviceId: 'SVC-0001',
    findingId: `${APP}.F${n}`,
    auditBodyId: AUDIT_BODY_ID,
    controlId,
    assessment: 'DESIGN',
    kind,
    description: '不備',
    evidenceRefs: [],
    recordedOn,
  },
});
const resolved = (n: number, resolution: 'RESOLVED' | 'RISK_ACCEPTED', resolvedOn: string): AnyEvent => ({
  type: 'FindingResolved',
  data: { applicationId: APP, findingId: `${APP}.F${n}`, resolution, note: '確認', resolvedOn },
});

/**
 * FY2020 Q4 (Jan–Mar 2021): one ISMAP application through to registration, with findings, a return and a deferral;
 * an LIU application returned and withdrawn; an audit body registered. Later months: a renewal, a change, an
 * incident, an expiry, a withdrawal and a revocation.
 */
const HISTORY: AnyEvent[] = [
  {
    type: 'AuditBodyRegistered',
    data: {
      auditBodyId: AUDIT_BODY_ID,
      registrationNumber: 'A20-0001',
      registeredOn: '2020-10-01',
      rulingId: 'R-0000',
      meetingId: 'M0',
    },
  },
  applicationSubmitted({ submittedOn: '2021-01-12' }),
  { type: 'ApplicationReturned', data: { applicationId: APP, reason: '添付漏れ', returnedOn: '2021-01-15' } },
  { type: 'ApplicationResubmitted', data: { applicationId: APP, changes: {}, resubmittedOn: '2021-01-20' } },
  { type: 'ApplicationAccepted', data: { applicationId: APP, acceptedOn: '2021-01-25' } },
  auditFinding(1, '9.2.3.11.PB', 'DEFICIENCY', '2021-01-26'),
  auditFinding(2, '9.4.1', 'EXCEPTION', '2021-01-26'),
  auditFinding(3, '12.1.1.1', 'DEFICIENCY', '2021-01-27'),
  {
    type: 'ReviewFindingRaised',
    data: {
      applicationId: APP,
      serviceId: 'SVC-0001',
      findingId: `${APP}.F4`,
      controlId: null,
      description: '不足',
      raisedOn: '2021-02-01',
    },
  },
  resolved(1, 'RESOLVED', '2021-02-05'),
  resolved(4, 'RISK_ACCEPTED', '2021-02-06'),
  { type: 'MeetingScheduled', data: { meetingId: 'M1', number: 1, heldOn: '2021-02-26' } },
  {
    type: 'ApplicationReferred',
    data: {
      applicationId: APP,
      meetingId: 'M1',
      meetingNumber: 1,
      meetingHeldOn: '2021-02-26',
      referredOn: '2021-02-10',
    },
  },
  rulingRecorded({
    rulingId: 'R-0001',
    decidedOn: '2021-02-26',
    decision: 'DEFER',
    registrationNumber: null,
  }),
  {
    type: 'ApplicationDeferred',
    data: { applicationId: APP, rulingId: 'R-0001', meetingId: 'M1', deferredOn: '2021-02-26' },
  },
  { type: 'MeetingScheduled', data: { meetingId: 'M2', number: 2, heldOn: '2021-03-12' } },
  {
    type: 'ApplicationReferred',
    data: {
      applicationId: APP,
      meetingId: 'M2',
      meetingNumber: 2,
      meetingHeldOn: '2021-03-12',
      referredOn: '2021-03-01',
    },
  },
  rulingRecorded({ rulingId: 'R-0002', meetingId: 'M2', meetingNumber: 2 }),
  serviceRegistered(),
  {
    type: 'ApplicationDecided',
    data: {
      applicationId: APP,
      rulingId: 'R-0002',
      meetingId: 'M2',
      decision: 'REGISTER',
      decidedOn: '2021-03-12',
      registrationNumber: 'C21-0001-1',
    },
  },
  applicationSubmitted({
    applicationId: LIU,
    serviceId: 'SVC-0100',
    track: 'ISMAP_LIU',
    serviceModel: 'SaaS',
    submittedOn: '2021-03-02',
  }),
  { type: 'ApplicationReturned', data: { applicationId: LIU, reason: '対象外', returnedOn: '2021-03-03' } },
  {
    type: 'ApplicationWithdrawn',
    data: {
      applicationId: LIU,
      serviceId: 'SVC-0100',
      kind: 'NEW',
      reason: '取り下げ',
      withdrawnOn: '2021-03-04',
    },
  },
  // FY2021 onwards
  serviceRegistered({
    serviceId: 'SVC-0002',
    applicationId: 'APP-0002',
    registrationNumber: 'C21-0002-1',
    registeredOn: '2021-06-22',
  }),
  serviceRegistered({
    serviceId: 'SVC-0003',
    applicationId: 'APP-0003',
    registrationNumber: 'L22-0001-1',
    track: 'ISMAP_LIU',
    registeredOn: '2022-11-30',
  }),
  {
    type: 'ServiceChangeApproved',
    data: {
      serviceId: 'SVC-0001',
      applicationId: 'APP-0009',
      serviceName: 'テストクラウド',
      serviceModel: 'IaaS',
      scope: { description: 'IaaS', regions: ['東京'] },
      approvedOn: '2021-09-13',
      rulingId: 'R-0005',
      meetingId: 'M4',
    },
  },
  {
    type: 'IncidentReported',
    data: {
      serviceId: 'SVC-0001',
      incidentId: 'INC-1',
      stage: 'FLASH',
      flashIncidentId: null,
      occurredAt: '2021-10-01T03:00:00Z',
      summary: '障害',
      reportedOn: '2021-10-01',
    },
  },
  {
    type: 'IncidentReported',
    data: {
      serviceId: 'SVC-0001',
      incidentId: 'INC-2',
      stage: 'FINAL',
      flashIncidentId: 'INC-1',
      occurredAt: '2021-10-01T03:00:00Z',
      summary: '障害',
      reportedOn: '2021-10-20',
    },
  },
  {
    type: 'RegistrationRenewed',
    data: {
      serviceId: 'SVC-0001',
      applicationId: 'APP-0004',
      registrationNumber: 'C21-0001-2',
      auditBodyId: AUDIT_BODY_ID,
      auditPeriod: { start: '2021-01-01', end: '2021-12-31' },
      renewedOn: '2022-04-20',
      validUntil: '2023-04-30',
      rulingId: 'R-0009',
      meetingId: 'M6',
    },
  },
  {
    type: 'RegistrationExpired',
    data: { serviceId: 'SVC-0002', expiredOn: '2022-10-23', validUntil: '2022-10-22' },
  },
  {
    type: 'ServiceWithdrawn',
    data: {
      serviceId: 'SVC-0003',
      effectiveOn: '2023-03-31',
      reason: 'サービス終了',
      withdrawnOn: '2023-02-01',
    },
  },
  {
    type: 'RegistrationRevoked',
    data: {
      serviceId: 'SVC-0001',
      revokedOn: '2023-04-03',
      rationale: '虚偽の言明',
      rulingId: 'R-0010',
      meetingId: 'M9',
    },
  },
  resolved(3, 'RESOLVED', '2021-05-10'),
  {
    type: 'AuditBodyDelisted',
    data: {
      auditBodyId: AUDIT_BODY_ID,
      delistedOn: '2023-05-01',
      rulingId: 'R-0011',
      meetingId: 'M10',
      rationale: '監視の結果',
    },
  },
];

const modelOf = (events: readonly AnyEvent[]) =>
  project(programmeCountersProjection, new EventLog().recordAll(events));
/** Every figure of a month, whichever of the month's documents holds it. */
const month = (model: ReturnType<typeof modelOf>, id: string): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const doc of model.all(MONTHS) as unknown as MonthDoc[]) {
    if (doc.month === id) Object.assign(counts, doc.counts);
  }
  return counts;
};

describe('programme counters projection: evolve', () => {
  const model = modelOf(HISTORY);

  it('counts each fact in the month of its business date', () => {
    expect(month(model, '2021-01')).toEqual({
      [counterKey.application('ISMAP', 'received')]: 1,
      [counterKey.application('ISMAP', 'returned')]: 1,
      [counterKey.finding('opened', '9', 'DEFICIENCY')]: 1,
      [counterKey.finding('opened', '9', 'EXCEPTION')]: 1,
      [counterKey.finding('opened', '12', 'DEFICIENCY')]: 1,
    });
    expect(month(model, '2021-02')).toEqual({
      [counterKey.finding('opened', 'none', 'REVIEW')]: 1,
      [counterKey.finding('resolved', '9', 'DEFICIENCY')]: 1,
      [counterKey.finding('riskAccepted', 'none', 'REVIEW')]: 1,
      [counterKey.meetingsHeld]: 1,
      [counterKey.ruling('DEFER')]: 1,
      [counterKey.application('ISMAP', 'deferred')]: 1,
    });
    expect(month(model, '2021-03')).toEqual({
      [counterKey.meetingsHeld]: 1,
      [counterKey.ruling('REGISTER')]: 1,
      [counterKey.list('ISMAP', 'registrations')]: 1,
      [counterKey.application('ISMAP_LIU', 'received')]: 1,
      [counterKey.application('ISMAP_LIU', 'returned')]: 1,
      [counterKey.application('ISMAP_LIU', 'withdrawn')]: 1,
    });
    expect(month(model, '2020-10')).toEqual({ [counterKey.auditBodies('registered')]: 1 });
  });

  it('counts list changes under the list of the service', () => {
    expect(month(model, '2022-11')).toEqual({ [counterKey.list('ISMAP_LIU', 'registrations')]: 1 });
    expect(month(model, '2022-10')).toEqual({ [counterKey.list('ISMAP', 'expiries')]: 1 });
    expect(month(model, '2023-03')).toEqual({ [counterKey.list('ISMAP_LIU', 'withdrawals')]: 1 });
    expect(month(model, '2023-04')).toEqual({ [counterKey.list('ISMAP', 'revocations')]: 1 });
    expect(month(model, '2022-04')).toEqual({ [counterKey.list('ISMAP', 'renewals')]: 1 });
    expect(month(model, '2021-09')).toEqual({ [counterKey.list('ISMAP', 'changes')]: 1 });
    expect(month(model, '2021-10')).toEqual({
      [counterKey.incident('FLASH')]: 1,
      [counterKey.incident('FINAL')]: 1,
    });
  });

  it('counts a withdrawal on the date the service leaves the list, not the date it was announced', () => {
    expect(month(model, '2023-02')).toEqual({});
  });

  it('counts a rejection as a rejected application', () => {
    const rejected = modelOf([
      applicationSubmitted(),
      {
        type: 'ApplicationDecided',
        data: {
          applicationId: APP,
          rulingId: 'R-1',
          meetingId: 'M1',
          decision: 'REJECT',
          decidedOn: '2021-03-12',
          registrationNumber: null,
        },
      },
    ]);
    expect(month(rejected, '2021-03')).toEqual({ [counterKey.application('ISMAP', 'rejected')]: 1 });
  });

  it("keeps each application's milestones: first submission, first acceptance, first referral, final ruling", () => {
    expect(model.get(LEAD_TIMES, APP)).toEqual({
      applicationId: APP,
      serviceId: 'SVC-0001',
      kind: 'NEW',
      track: 'ISMAP',
      submittedOn: '2021-01-12',
      acceptedOn: '2021-01-25',
      referredOn: '2021-02-10',
      decidedOn: '2021-03-12',
      decision: 'REGISTER',
      withdrawnOn: null,
    } satisfies LeadTimeDoc);
    expect(model.get(LEAD_TIMES, LIU)).toMatchObject({ withdrawnOn: '2021-03-04', decidedOn: null });
  });

  it('refuses an event about a service it never saw registered, so the runner parks it', () => {
    expect(() =>
      modelOf([
        {
          type: 'RegistrationExpired',
          data: { serviceId: 'SVC-0404', expiredOn: '2022-05-01', validUntil: '2022-04-30' },
        },
      ]),
    ).toThrow(/service SVC-0404 is unknown/);
  });

  it('refuses a malformed business date instead of inventing a month', () => {
    expect(() => modelOf([applicationSubmitted({ submittedOn: '2021-1-12' })])).toThrow(/not a date/);
  });

  it('takes the domain of a finding from the first number of its control id', () => {
    expect(findingDomainOf('9.2.3.11.PB')).toBe('9');
    expect(findingDomainOf('15.1.1.16.B')).toBe('15');
    expect(findingDomainOf(null)).toBe('none');
  });

  it('builds the same model when the log is replayed', () => {
    expect(snapshot(modelOf(HISTORY))).toEqual(snapshot(modelOf(HISTORY)));
  });
});

describe('programme counters: programmeCounts', () => {
  const view = memoryView(modelOf(HISTORY));

  it('sums a fiscal quarter', async () => {
    const q4 = await programmeCounts(view, '2021-01', '2021-03');
    expect(q4).toEqual({
      from: '2021-01',
      to: '2021-03',
      lists: {
        ISMAP: { registrations: 1, renewals: 0, changes: 0, expiries: 0, withdrawals: 0, revocations: 0 },
        ISMAP_LIU: { registrations: 0, renewals: 0, changes: 0, expiries: 0, withdrawals: 0, revocations: 0 },
      },
      applications: {
        ISMAP: { received: 1, returned: 1, withdrawn: 0, rejected: 0, deferred: 1 },
        ISMAP_LIU: { received: 1, returned: 1, withdrawn: 1, rejected: 0, deferred: 0 },
      },
      rulings: {
        REGISTER: 1,
        REJECT: 0,
        DEFER: 1,
        RENEW: 0,
        APPROVE_CHANGE: 0,
        REVOKE: 0,
        AUDIT_BODY_REGISTER: 0,
        AUDIT_BODY_DELIST: 0,
      },
      meetingsHeld: 2,
      findings: {
        opened: { '9': { DEFICIENCY: 1, EXCEPTION: 1 }, '12': { DEFICIENCY: 1 }, none: { REVIEW: 1 } },
        resolved: { '9': { DEFICIENCY: 1 } },
        riskAccepted: { none: { REVIEW: 1 } },
      },
      findingsOpenAtEnd: { '9': { EXCEPTION: 1 }, '12': { DEFICIENCY: 1 } },
      incidents: { FLASH: 0, FINAL: 0 },
      auditBodies: { registered: 0, delisted: 0 },
    });
  });

  it('sums a fiscal year, and counts findings still open at its end over all earlier months', async () => {
    const fy2021 = await programmeCounts(view, '2021-04', '2022-03');
    expect(fy2021.lists.ISMAP).toEqual({
      registrations: 1,
      renewals: 0,
      changes: 1,
      expiries: 0,
      withdrawals: 0,
      revocations: 0,
    });
    expect(fy2021.incidents).toEqual({ FLASH: 1, FINAL: 1 });
    expect(fy2021.findings.resolved).toEqual({ '12': { DEFICIENCY: 1 } });
    expect(fy2021.findings.opened).toEqual({});
    expect(fy2021.findingsOpenAtEnd).toEqual({ '9': { EXCEPTION: 1 } });
    expect((await programmeCounts(view, '2023-04', '2024-03')).auditBodies).toEqual({
      registered: 0,
      delisted: 1,
    });
  });

  it('answers zeros for a period with nothing in it', async () => {
    const empty = await programmeCounts(view, '2019-04', '2020-03');
    expect(empty.meetingsHeld).toBe(0);
    expect(empty.findings.opened).toEqual({});
    expect(empty.findingsOpenAtEnd).toEqual({});
  });

  it('refuses malformed months', async () => {
    await expect(programmeCounts(view, '2021-1', '2021-03')).rejects.toThrow(RangeError);
    await expect(programmeCounts(view, '2021-01', '2021-13')).rejects.toThrow(RangeError);
  });

  it('turns a fiscal year or quarter into its months, and refuses ranges that are not whole months', () => {
    expect(monthsOfRange({ start: '2021-04-01', end: '2022-03-31' })).toEqual({
      from: '2021-04',
      to: '2022-03',
    });
    expect(monthsOfRange({ start: '2024-01-01', end: '2024-02-29' })).toEqual({
      from: '2024-01',
      to: '2024-02',
    });
    expect(() => monthsOfRange({ start: '2021-04-02', end: '2022-03-31' })).toThrow(RangeError);
    expect(() => monthsOfRange({ start: '2021-04-01', end: '2022-03-30' })).toThrow(RangeError);
    expect(() => monthsOfRange({ start: '2023-01-01', end: '2023-02-28' })).not.toThrow();
    expect(() => monthsOfRange({ start: '2024-01-01', end: '2024-02-28' })).toThrow(RangeError);
  });
});

describe('programme counters: lead times', () => {
  const second: AnyEvent[] = [
    applicationSubmitted({ applicationId: 'APP-0002', serviceId: 'SVC-0002', submittedOn: '2021-03-01' }),
    { type: 'ApplicationAccepted', data: { applicationId: 'APP-0002', acceptedOn: '2021-03-11' } },
    {
      type: 'ApplicationReferred',
      data: {
        applicationId: 'APP-0002',
        meetingId: 'M3',
        meetingNumber: 3,
        meetingHeldOn: '2021-06-22',
        referredOn: '2021-05-01',
      },
    },
    {
      type: 'ApplicationDecided',
      data: {
        applicationId: 'APP-0002',
        rulingId: 'R-3',
        meetingId: 'M3',
        decision: 'REJECT',
        decidedOn: '2021-06-22',
        registrationNumber: null,
      },
    },
  ];
  const view = memoryView(modelOf([...HISTORY, ...second]));

  it('answers the applications finally decided in the range with their lead times in days', async () => {
    expect(await leadTimes(view, { from: '2021-01-01', to: '2021-12-31' })).toEqual([
      {
        applicationId: APP,
        kind: 'NEW',
        track: 'ISMAP',
        decision: 'REGISTER',
        submittedOn: '2021-01-12',
        acceptedOn: '2021-01-25',
        referredOn: '2021-02-10',
        decidedOn: '2021-03-12',
        submissionToAcceptance: 13,
        acceptanceToReferral: 16,
        referralToDecision: 30,
        submissionToDecision: 59,
      },
      expect.objectContaining({ applicationId: 'APP-0002', decision: 'REJECT', submissionToDecision: 113 }),
    ]);
    expect(
      (await leadTimes(view, { from: '2021-03-13', to: '2021-06-22' })).map((t) => t.applicationId),
    ).toEqual(['APP-0002']);
    expect(await leadTimes(view, { from: '2022-01-01', to: '2022-12-31' })).toEqual([]);
  });

  it('leaves a missing milestone out of its segment', async () => {
    const entered = memoryView(
      modelOf([
        applicationSubmitted(),
        {
          type: 'ApplicationDecided',
          data: {
            applicationId: APP,
            rulingId: 'R-1',
            meetingId: 'M1',
            decision: 'REGISTER',
            decidedOn: '2021-03-12',
            registrationNumber: 'C21-0001-1',
          },
        },
      ]),
    );
    expect((await leadTimes(entered, { from: '2021-01-01', to: '2021-12-31' }))[0]).toMatchObject({
      submissionToAcceptance: null,
      acceptanceToReferral: null,
      referralToDecision: null,
      submissionToDecision: 39,
    });
  });

  it('refuses malformed dates', async () => {
    await expect(leadTimes(view, { from: '2021', to: '2021-12-31' })).rejects.toThrow(RangeError);
  });

  it('gives the median and the 90th percentile by nearest rank', async () => {
    expect(distributionOf([5, 1, 3, null, 2, 4])).toEqual({ count: 5, median: 3, p90: 5 });
    expect(distributionOf([10, 20])).toEqual({ count: 2, median: 10, p90: 20 });
    expect(distributionOf(Array.from({ length: 10 }, (_, i) => i + 1))).toEqual({
      count: 10,
      median: 5,
      p90: 9,
    });
    expect(distributionOf([null])).toEqual({ count: 0, median: null, p90: null });
    const stats = leadTimeStats(await leadTimes(view, { from: '2021-01-01', to: '2021-12-31' }));
    expect(stats.submissionToDecision).toEqual({ count: 2, median: 59, p90: 113 });
    expect(stats.submissionToAcceptance).toEqual({ count: 2, median: 10, p90: 13 });
  });
});
