import type { ApplicationEvent } from '@ismap/domain';
import { memoryView } from '../memory-read-model';
import {
  applicationSubmitted,
  AUDIT_BODY_ID,
  EventLog,
  OTHER_AUDIT_BODY_ID,
  OTHER_PROVIDER_ID,
  project,
  PROVIDER_ID,
  snapshot,
} from '../trail/event-log.spec';
import type { FindingDoc } from './findings.projection';
import {
  compareControlIds,
  controlIdMatches,
  FINDINGS,
  findingsProjection,
  getFinding,
  listFindings,
} from './findings.projection';

const auditFinding = (
  applicationId: string,
  n: number,
  controlId: string,
  overrides: Partial<Extract<ApplicationEvent, { type: 'AuditFindingRecorded' }>['data']> = {},
): ApplicationEvent => ({
  type: 'AuditFindingRecorded',
  data: {
    applicationId,
    serviceId: 'SVC-0001',
    findingId: `${applicationId}.F${n}`,
    auditBodyId: AUDIT_BODY_ID,
    controlId,
    assessment: 'OPERATING',
    kind: 'DEFICIENCY',
    description: `${controlId} の運用に不備`,
    evidenceRefs: [`WP-${n}`],
    recordedOn: '2021-02-02',
    ...overrides,
  },
});
const reviewFinding = (applicationId: string, n: number, controlId: string | null): ApplicationEvent => ({
  type: 'ReviewFindingRaised',
  data: {
    applicationId,
    serviceId: 'SVC-0001',
    findingId: `${applicationId}.F${n}`,
    controlId,
    description: '言明書の記載が不足している',
    raisedOn: '2021-02-08',
  },
});

const modelOf = (events: readonly ApplicationEvent[]) =>
  project(findingsProjection, new EventLog().recordAll(events));
const findingOf = (events: readonly ApplicationEvent[], id: string): FindingDoc =>
  modelOf(events).get(FINDINGS, id) as unknown as FindingDoc;

describe('findings projection: evolve', () => {
  it('records an audit finding with its application, provider, audit body and cycle', () => {
    expect(
      findingOf([applicationSubmitted(), auditFinding('APP-0001', 1, '9.2.3.11.PB')], 'APP-0001.F1'),
    ).toEqual({
      findingId: 'APP-0001.F1',
      applicationId: 'APP-0001',
      serviceId: 'SVC-0001',
      providerId: PROVIDER_ID,
      auditBodyId: AUDIT_BODY_ID,
      source: 'AUDIT',
      controlId: '9.2.3.11.PB',
      assessment: 'OPERATING',
      kind: 'DEFICIENCY',
      description: '9.2.3.11.PB の運用に不備',
      evidenceRefs: ['WP-1'],
      status: 'OPEN',
      responses: [],
      resolution: null,
      recordedOn: '2021-02-02',
      auditPeriod: { start: '2020-01-01', end: '2020-12-31' },
    });
  });

  it("gives a review finding the application's audit body, and no assessment or kind", () => {
    const doc = findingOf([applicationSubmitted(), reviewFinding('APP-0001', 1, null)], 'APP-0001.F1');
    expect(doc).toMatchObject({
      source: 'REVIEW',
      auditBodyId: AUDIT_BODY_ID,
      controlId: null,
      assessment: null,
      kind: null,
      evidenceRefs: [],
      recordedOn: '2021-02-08',
    });
  });

  it('uses the audit body and period of a resubmission for findings recorded after it', () => {
    const events: ApplicationEvent[] = [
      applicationSubmitted(),
      auditFinding('APP-0001', 1, '5.1.1.1'),
      {
        type: 'ApplicationReturned',
        data: { applicationId: 'APP-0001', reason: '期間誤り', returnedOn: '2021-02-03' },
      },
      {
        type: 'ApplicationResubmitted',
        data: {
          applicationId: 'APP-0001',
          changes: {
            auditBodyId: OTHER_AUDIT_BODY_ID,
            auditPeriod: { start: '2020-04-01', end: '2021-03-31' },
          },
          resubmittedOn: '2021-05-01',
        },
      },
      reviewFinding('APP-0001', 2, '6.1.1'),
    ];
    const model = modelOf(events);
    expect(model.get(FINDINGS, 'APP-0001.F1')).toMatchObject({
      auditBodyId: AUDIT_BODY_ID,
      auditPeriod: { start: '2020-01-01', end: '2020-12-31' },
    });
    expect(model.get(FINDINGS, 'APP-0001.F2')).toMatchObject({
      auditBodyId: OTHER_AUDIT_BODY_ID,
      auditPeriod: { start: '2020-04-01', end: '2021-03-31' },
    });
  });

  it('keeps every response and the resolution', () => {
    const doc = findingOf(
      [
        applicationSubmitted(),
        auditFinding('APP-0001', 1, '9.2.3.11.PB'),
        {
          type: 'FindingResponded',
          data: {
            applicationId: 'APP-0001',
            findingId: 'APP-0001.F1',
            correctiveAction: '手順を改訂',
            respondedOn: '2021-02-10',
          },
        },
        {
          type: 'FindingResponded',
          data: {
            applicationId: 'APP-0001',
            findingId: 'APP-0001.F1',
            correctiveAction: '証跡を追加',
            respondedOn: '2021-02-11',
          },
        },
        {
          type: 'FindingResolved',
          data: {
            applicationId: 'APP-0001',
            findingId: 'APP-0001.F1',
            resolution: 'RESOLVED',
            note: '確認済み',
            resolvedOn: '2021-02-12',
          },
        },
      ],
      'APP-0001.F1',
    );
    expect(doc).toMatchObject({
      status: 'RESOLVED',
      responses: [
        { correctiveAction: '手順を改訂', respondedOn: '2021-02-10' },
        { correctiveAction: '証跡を追加', respondedOn: '2021-02-11' },
      ],
      resolution: { resolution: 'RESOLVED', note: '確認済み', resolvedOn: '2021-02-12' },
    });
  });

  it('marks a finding accepted as a residual risk', () => {
    const doc = findingOf(
      [
        applicationSubmitted(),
        reviewFinding('APP-0001', 1, '6.1.1'),
        {
          type: 'FindingResolved',
          data: {
            applicationId: 'APP-0001',
            findingId: 'APP-0001.F1',
            resolution: 'RISK_ACCEPTED',
            note: '軽微',
            resolvedOn: '2021-02-12',
          },
        },
      ],
      'APP-0001.F1',
    );
    expect(doc.status).toBe('RISK_ACCEPTED');
    expect(doc.responses).toEqual([]);
  });

  it('refuses a finding of an application it never saw, so the runner parks it instead of losing it', () => {
    expect(() => modelOf([auditFinding('APP-0404', 1, '5.1.1')])).toThrow(/APP-0404 is unknown/);
  });

  it('ignores a response to a finding it does not hold', () => {
    const model = modelOf([
      applicationSubmitted(),
      {
        type: 'FindingResponded',
        data: {
          applicationId: 'APP-0001',
          findingId: 'APP-0001.F9',
          correctiveAction: '是正',
          respondedOn: '2021-02-10',
        },
      },
    ]);
    expect(model.all(FINDINGS)).toEqual([]);
  });

  it('builds the same model when the log is replayed', () => {
    const events = new EventLog().recordAll([applicationSubmitted(), auditFinding('APP-0001', 1, '5.1.1')]);
    expect(snapshot(project(findingsProjection, events))).toEqual(
      snapshot(project(findingsProjection, events)),
    );
  });
});

describe('control id matching and order', () => {
  it('matches exactly or by whole dotted segments', () => {
    expect(controlIdMatches('9.2.3.11.PB', '9.2')).toBe(true);
    expect(controlIdMatches('9.2.3.11.PB', '9.2.3.11')).toBe(true);
    expect(controlIdMatches('9.2.3.11.PB', '9.2.3.11.PB')).toBe(true);
    expect(controlIdMatches('9.20.1', '9.2')).toBe(false);
    expect(controlIdMatches('9.2.3.1', '9.2.3.11')).toBe(false);
    expect(controlIdMatches('19.2.1', '9')).toBe(false);
    expect(controlIdMatches(null, '9')).toBe(false);
  });

  it('orders clause numbers as numbers, a suffixed control after its bare number, no control last', () => {
    const ids = ['9.10.1', null, '9.2.3.11.PB', '10.1.1', '9.2.3.11', '9.2.3.2', '9.2.3.11.B'];
    expect([...ids].sort(compareControlIds)).toEqual([
      '9.2.3.2',
      '9.2.3.11',
      '9.2.3.11.B',
      '9.2.3.11.PB',
      '9.10.1',
      '10.1.1',
      null,
    ]);
  });
});

describe('findings projection: listFindings', () => {
  // Two cycles of SVC-0001 (NEW over 2020, RENEWAL over 2021) and one of another provider's SVC-0002.
  const events = new EventLog().recordAll([
    applicationSubmitted({
      applicationId: 'APP-0002',
      kind: 'RENEWAL',
      auditPeriod: { start: '2021-01-01', end: '2021-12-31' },
      submittedOn: '2022-03-01',
    }),
    applicationSubmitted({ applicationId: 'APP-0001' }),
    applicationSubmitted({
      applicationId: 'APP-0009',
      serviceId: 'SVC-0002',
      providerId: OTHER_PROVIDER_ID,
      auditBodyId: OTHER_AUDIT_BODY_ID,
    }),
    auditFinding('APP-0002', 1, '9.2.3.11.PB', { recordedOn: '2022-03-02' }),
    auditFinding('APP-0002', 2, '9.20.1', { kind: 'OBSERVATION', recordedOn: '2022-03-02' }),
    auditFinding('APP-0001', 1, '9.2.1.1', { kind: 'EXCEPTION' }),
    auditFinding('APP-0001', 2, '5.1.1.1'),
    reviewFinding('APP-0001', 3, null),
    auditFinding('APP-0009', 1, '9.2.3.11.PB', { serviceId: 'SVC-0002', auditBodyId: OTHER_AUDIT_BODY_ID }),
    {
      type: 'FindingResolved',
      data: {
        applicationId: 'APP-0001',
        findingId: 'APP-0001.F1',
        resolution: 'RISK_ACCEPTED',
        note: '軽微',
        resolvedOn: '2021-02-12',
      },
    },
  ]);
  const view = memoryView(project(findingsProjection, events));
  const ids = (docs: readonly FindingDoc[]): string[] => docs.map((d) => d.findingId);

  it('sorts by service, then cycle, then control', async () => {
    expect(ids(await listFindings(view))).toEqual([
      'APP-0001.F2', // SVC-0001, 2020, 5.1.1.1
      'APP-0001.F1', // SVC-0001, 2020, 9.2.1.1
      'APP-0001.F3', // SVC-0001, 2020, no control
      'APP-0002.F1', // SVC-0001, 2021, 9.2.3.11.PB
      'APP-0002.F2', // SVC-0001, 2021, 9.20.1
      'APP-0009.F1', // SVC-0002
    ]);
  });

  it('finds a control across every cycle of a service, by prefix of whole segments', async () => {
    expect(ids(await listFindings(view, { serviceId: 'SVC-0001', controlId: '9.2' }))).toEqual([
      'APP-0001.F1',
      'APP-0002.F1',
    ]);
    expect(ids(await listFindings(view, { controlId: '9.2.3.11.PB' }))).toEqual([
      'APP-0002.F1',
      'APP-0009.F1',
    ]);
    expect(ids(await listFindings(view, { controlId: '9.20' }))).toEqual(['APP-0002.F2']);
  });

  it('filters by audit body, status, kind, provider, application and source', async () => {
    expect(ids(await listFindings(view, { auditBodyId: OTHER_AUDIT_BODY_ID }))).toEqual(['APP-0009.F1']);
    expect(ids(await listFindings(view, { status: 'RISK_ACCEPTED' }))).toEqual(['APP-0001.F1']);
    expect(ids(await listFindings(view, { kind: 'OBSERVATION' }))).toEqual(['APP-0002.F2']);
    expect(ids(await listFindings(view, { providerId: OTHER_PROVIDER_ID }))).toEqual(['APP-0009.F1']);
    expect(ids(await listFindings(view, { applicationId: 'APP-0002' }))).toEqual([
      'APP-0002.F1',
      'APP-0002.F2',
    ]);
    expect(ids(await listFindings(view, { source: 'REVIEW' }))).toEqual(['APP-0001.F3']);
    expect(
      ids(await listFindings(view, { serviceId: 'SVC-0001', status: 'OPEN', kind: 'DEFICIENCY' })),
    ).toEqual(['APP-0001.F2', 'APP-0002.F1']);
  });

  it('shows an audit body its own findings and the prior findings of the services it is named to audit', async () => {
    const own = { auditBodyId: OTHER_AUDIT_BODY_ID, serviceIds: [] };
    expect(ids(await listFindings(view, { visibleToAuditBody: own }))).toEqual(['APP-0009.F1']);
    const named = { auditBodyId: OTHER_AUDIT_BODY_ID, serviceIds: ['SVC-0001'] };
    expect(ids(await listFindings(view, { visibleToAuditBody: named, controlId: '9.2' }))).toEqual([
      'APP-0001.F1',
      'APP-0002.F1',
      'APP-0009.F1',
    ]);
  });

  it('gets one finding by id', async () => {
    expect((await getFinding(view, 'APP-0009.F1'))?.serviceId).toBe('SVC-0002');
    expect(await getFinding(view, 'APP-0009.F2')).toBeUndefined();
  });
});
