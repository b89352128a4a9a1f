import { memoryView } from '../memory-read-model';
import type { AnyEvent } from '../trail/event-log.spec';
import {
  ACTORS,
  applicationSubmitted,
  AUDIT_BODY_ID,
  AUDIT_BODY_NAME,
  EventLog,
  OTHER_AUDIT_BODY_ID,
  OTHER_PROVIDER_ID,
  project,
  PROVIDER_ID,
  PROVIDER_NAME,
  serviceRegistered,
} from '../trail/event-log.spec';
import type { PublicListEntry } from './list-queries';
import {
  auditBodyList,
  compareRegistrationNumbers,
  LIST_CSV_HEADER,
  listCsv,
  privilegedServiceView,
  publicListEntries,
  publicServiceView,
} from './list-queries';
import type { AuditBodyDoc, ProviderDoc, RegistrationDoc } from './registrations.projection';
import { AUDIT_BODIES, PROVIDERS, registrationsProjection, SERVICES } from './registrations.projection';

const PRIVATE_TEXT = {
  findingDescription: '退職者アカウントの削除遅延',
  incidentSummary: '顧客データ漏えいの疑い',
  exclusionReason: '開発を外部委託していない',
  withdrawalReason: '事業再編のため',
};

const HISTORY: AnyEvent[] = [
  {
    type: 'ProviderRegistered',
    data: {
      providerId: PROVIDER_ID,
      name: PROVIDER_NAME,
      corporateNumber: '7000012050002',
      registeredOn: '2020-09-01',
    },
  },
  {
    type: 'ProviderRegistered',
    data: {
      providerId: OTHER_PROVIDER_ID,
      name: 'Example Cloud, Inc.',
      corporateNumber: '4011001000001',
      registeredOn: '2020-09-01',
    },
  },
  {
    type: 'AuditBodyApplied',
    data: {
      auditBodyId: AUDIT_BODY_ID,
      name: AUDIT_BODY_NAME,
      corporateNumber: '2120001000002',
      organisationType: 'AUDIT_CORPORATION',
      appliedOn: '2020-09-01',
    },
  },
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
  {
    type: 'AuditBodyApplied',
    data: {
      auditBodyId: OTHER_AUDIT_BODY_ID,
      name: '第二監査法人',
      corporateNumber: '1010401089234',
      organisationType: 'AUDIT_CORPORATION',
      appliedOn: '2020-09-01',
    },
  },
  {
    type: 'AuditBodyRegistered',
    data: {
      auditBodyId: OTHER_AUDIT_BODY_ID,
      registrationNumber: 'A20-0002',
      registeredOn: '2020-11-01',
      rulingId: 'R-0000b',
      meetingId: 'M0',
    },
  },
  {
    type: 'AuditBodyApplied',
    data: {
      auditBodyId: 'AB-APPLIED',
      name: '申請中監査法人',
      corporateNumber: '9999999999999',
      organisationType: 'AUDIT_CORPORATION',
      appliedOn: '2021-01-01',
    },
  },
  applicationSubmitted({
    excludedObjectives: [{ controlId: '14.2.7', reason: PRIVATE_TEXT.exclusionReason }],
  }),
  {
    type: 'AuditFindingRecorded',
    data: {
      applicationId: 'APP-0001',
      serviceId: 'SVC-0001',
      findingId: 'APP-0001.F1',
      auditBodyId: AUDIT_BODY_ID,
      controlId: '9.2.3.11.PB',
      assessment: 'OPERATING',
      kind: 'DEFICIENCY',
      description: PRIVATE_TEXT.findingDescription,
      evidenceRefs: ['WP-1'],
      recordedOn: '2021-02-02',
    },
  },
  // Registered out of serial order, to see the list sort by number rather than by date or insertion.
  serviceRegistered({
    serviceId: 'SVC-0010',
    registrationNumber: 'C21-0010-1',
    registeredOn: '2021-06-22',
    serviceName: 'Ten, "the" service',
    providerId: OTHER_PROVIDER_ID,
    auditBodyId: OTHER_AUDIT_BODY_ID,
    auditPeriod: { start: '2020-04-01', end: '2021-03-31' },
    validUntil: '2022-07-31',
    serviceModel: 'SaaS',
  }),
  serviceRegistered(),
  serviceRegistered({
    serviceId: 'SVC-0009',
    registrationNumber: 'C21-0009-1',
    registeredOn: '2021-03-12',
    serviceName: 'Nine',
  }),
  serviceRegistered({
    serviceId: 'SVC-0100',
    registrationNumber: 'L22-0001-1',
    registeredOn: '2022-11-30',
    track: 'ISMAP_LIU',
    serviceModel: 'SaaS',
    serviceName: 'LIU SaaS',
    validUntil: '2024-03-31',
  }),
  {
    type: 'IncidentReported',
    data: {
      serviceId: 'SVC-0001',
      incidentId: 'INC-1',
      stage: 'FLASH',
      flashIncidentId: null,
      occurredAt: '2021-10-01T03:00:00Z',
      summary: PRIVATE_TEXT.incidentSummary,
      reportedOn: '2021-10-01',
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
    type: 'ServiceWithdrawn',
    data: {
      serviceId: 'SVC-0009',
      effectiveOn: '2021-12-31',
      reason: PRIVATE_TEXT.withdrawalReason,
      withdrawnOn: '2021-12-01',
    },
  },
];

const log = new EventLog();
const model = project(registrationsProjection, log.recordAll(HISTORY));
const view = memoryView(model);
const numbers = (entries: readonly PublicListEntry[]): string[] => entries.map((e) => e.registrationNumber);

/** Every key path of a value, e.g. `scope.regions` (arrays by their elements' keys). */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return [...new Set(value.flatMap((v) => keyPaths(v, prefix)))];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value)
    .flatMap(([k, v]) => [`${prefix}${k}`, ...keyPaths(v, `${prefix}${k}.`)])
    .sort();
}

const PUBLIC_ENTRY_PATHS = [
  'applicant',
  'auditBody',
  'auditBody.name',
  'auditBody.registrationNumber',
  'auditPeriod',
  'auditPeriod.end',
  'auditPeriod.start',
  'lastRenewedOn',
  'registeredOn',
  'registrationNumber',
  'scope',
  'scope.description',
  'scope.regions',
  'serviceModel',
  'serviceName',
  'validUntil',
];

/** Whatever only the review process may read must not appear anywhere in a public answer. */
function expectNothingPrivate(publicAnswer: unknown): void {
  const text = JSON.stringify(publicAnswer);
  for (const secret of Object.values(PRIVATE_TEXT)) expect(text).not.toContain(secret);
  for (const event of log.events) expect(text).not.toContain(event.metadata.actor.sub);
  for (const privateField of [
    'corporateNumber',
    'auditReportDate',
    'excludedObjectives',
    'finding',
    'incident',
    'providerId',
    'auditBodyId',
    'actor',
  ]) {
    expect(text).not.toContain(privateField);
  }
  // Corporate numbers of providers and audit bodies are not list fields.
  for (const corporateNumber of ['7000012050002', '4011001000001', '2120001000002'])
    expect(text).not.toContain(corporateNumber);
}

describe('publicListEntries', () => {
  it('answers exactly the public fields of each entry (DOMAIN.md "Lists")', async () => {
    const entries = await publicListEntries(view, 'ISMAP', '2021-07-01');
    for (const entry of entries) expect(keyPaths(entry)).toEqual(PUBLIC_ENTRY_PATHS);
    expectNothingPrivate(entries);
  });

  it('fills each field from the registration, its provider and its audit body', async () => {
    const [first] = await publicListEntries(view, 'ISMAP', '2022-05-01');
    expect(first).toEqual({
      registrationNumber: 'C21-0001-2',
      serviceName: 'テストクラウド IaaS',
      applicant: PROVIDER_NAME,
      registeredOn: '2021-03-12',
      lastRenewedOn: '2022-04-20',
      scope: { description: 'IaaS 基盤サービス', regions: ['東京', '大阪'] },
      auditPeriod: { start: '2021-01-01', end: '2021-12-31' },
      auditBody: { name: AUDIT_BODY_NAME, registrationNumber: 'A20-0001' },
      validUntil: '2023-04-30',
      serviceModel: 'IaaS',
    } satisfies PublicListEntry);
  });

  it('lists the entries of one list on the given date, by registration number', async () => {
    expect(await publicListEntries(view, 'ISMAP', '2021-03-11')).toEqual([]);
    expect(numbers(await publicListEntries(view, 'ISMAP', '2021-03-12'))).toEqual([
      'C21-0001-2',
      'C21-0009-1',
    ]);
    expect(numbers(await publicListEntries(view, 'ISMAP', '2021-06-22'))).toEqual([
      'C21-0001-2',
      'C21-0009-1',
      'C21-0010-1',
    ]);
    // Withdrawn from 2021-12-31; SVC-0010 expired after 2022-07-31.
    expect(numbers(await publicListEntries(view, 'ISMAP', '2021-12-31'))).toEqual([
      'C21-0001-2',
      'C21-0010-1',
    ]);
    expect(numbers(await publicListEntries(view, 'ISMAP', '2022-08-01'))).toEqual(['C21-0001-2']);
    expect(await publicListEntries(view, 'ISMAP_LIU', '2022-11-29')).toEqual([]);
    expect(numbers(await publicListEntries(view, 'ISMAP_LIU', '2022-11-30'))).toEqual(['L22-0001-1']);
  });

  it('sorts registration numbers by serial, whatever their year or renewal count', () => {
    const sorted = ['C22-0011-1', 'C21-0010-1', 'C21-0002-3', 'C21-0009-1', 'C21-0002-1'].sort(
      compareRegistrationNumbers,
    );
    expect(sorted).toEqual(['C21-0002-1', 'C21-0002-3', 'C21-0009-1', 'C21-0010-1', 'C22-0011-1']);
  });

  it('names no applicant or audit body it does not know, rather than failing the whole list', async () => {
    const bare = memoryView(
      project(registrationsProjection, new EventLog().recordAll([serviceRegistered()])),
    );
    const [entry] = await publicListEntries(bare, 'ISMAP', '2021-03-12');
    expect(entry).toMatchObject({ applicant: null, auditBody: { name: null, registrationNumber: null } });
  });
});

describe('listCsv', () => {
  it('writes a UTF-8 BOM, a header row and CRLF line ends', async () => {
    const csv = listCsv(await publicListEntries(view, 'ISMAP', '2021-03-12'));
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines[0]).toBe(LIST_CSV_HEADER.join(','));
    expect(lines[1]).toBe(
      `C21-0001-2,テストクラウド IaaS,${PROVIDER_NAME},2021-03-12,2022-04-20,IaaS 基盤サービス,東京; 大阪,2021-01-01,2021-12-31,${AUDIT_BODY_NAME},A20-0001,2023-04-30,IaaS`,
    );
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    expect(csv.replaceAll('\r\n', '')).not.toContain('\n');
    expect(Buffer.from(csv, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  it('quotes fields with commas, quotes or line breaks and doubles the quotes (RFC 4180)', async () => {
    const [ten] = await publicListEntries(view, 'ISMAP', '2021-07-01').then((all) =>
      all.filter((e) => e.registrationNumber === 'C21-0010-1'),
    );
    const entry: PublicListEntry = {
      ...ten!,
      scope: { description: '1行目\n2行目', regions: ['東京'] },
      lastRenewedOn: null,
    };
    const row = listCsv([entry]).split('\r\n')[1];
    expect(row).toBe(
      'C21-0010-1,"Ten, ""the"" service","Example Cloud, Inc.",2021-06-22,,"1行目\n2行目",東京,2020-04-01,2021-03-31,第二監査法人,A20-0002,2022-07-31,SaaS',
    );
  });

  it('keeps a spreadsheet from running a name as a formula', () => {
    const entry: PublicListEntry = {
      registrationNumber: 'C21-0001-1',
      serviceName: '=HYPERLINK("http://example.invalid","x")',
      applicant: '+81 Cloud',
      registeredOn: '2021-03-12',
      lastRenewedOn: null,
      scope: { description: '@SUM(A1)', regions: ['-東京'] },
      auditPeriod: { start: '2020-01-01', end: '2020-12-31' },
      auditBody: { name: null, registrationNumber: null },
      validUntil: '2022-04-30',
      serviceModel: 'SaaS',
    };
    expect(listCsv([entry]).split('\r\n')[1]).toBe(
      `C21-0001-1,"'=HYPERLINK(""http://example.invalid"",""x"")",'+81 Cloud,2021-03-12,,'@SUM(A1),'-東京,2020-01-01,2020-12-31,,,2022-04-30,SaaS`,
    );
  });

  it('writes only the header for an empty list', () => {
    expect(listCsv([])).toBe(`\uFEFF${LIST_CSV_HEADER.join(',')}\r\n`);
  });
});

describe('auditBodyList', () => {
  it('lists the audit bodies registered on the date with number and date, by number', async () => {
    expect(await auditBodyList(view, '2020-10-31')).toEqual([
      { name: AUDIT_BODY_NAME, registrationNumber: 'A20-0001', registeredOn: '2020-10-01' },
    ]);
    expect((await auditBodyList(view, '2021-01-01')).map((b) => b.registrationNumber)).toEqual([
      'A20-0001',
      'A20-0002',
    ]);
    expect(await auditBodyList(view, '2020-09-30')).toEqual([]);
  });

  it('drops an audit body from the day it is delisted', async () => {
    const delisted = project(
      registrationsProjection,
      [
        {
          type: 'AuditBodyDelisted',
          data: {
            auditBodyId: AUDIT_BODY_ID,
            delistedOn: '2023-01-10',
            rulingId: 'R-1',
            meetingId: 'M8',
            rationale: '監視の結果',
          },
        } as const,
      ].map((e) => log.record(e)),
      model,
    );
    const after = memoryView(delisted);
    expect((await auditBodyList(after, '2023-01-09')).map((b) => b.registrationNumber)).toEqual([
      'A20-0001',
      'A20-0002',
    ]);
    expect((await auditBodyList(after, '2023-01-10')).map((b) => b.registrationNumber)).toEqual(['A20-0002']);
  });
});

describe('service views', () => {
  /** SVC-0001 was renewed until 2023-04-30. */
  const TODAY = '2022-06-01';
  const doc = model.get(SERVICES, 'SVC-0001') as unknown as RegistrationDoc;
  const provider = model.get(PROVIDERS, PROVIDER_ID) as unknown as ProviderDoc;
  const auditBody = model.get(AUDIT_BODIES, AUDIT_BODY_ID) as unknown as AuditBodyDoc;

  it('shows anyone exactly the public fields and where the service stands', () => {
    const answer = publicServiceView(doc, provider, auditBody, TODAY);
    expect(keyPaths(answer)).toEqual([...PUBLIC_ENTRY_PATHS, 'serviceId', 'status', 'track'].sort());
    expect(answer).toMatchObject({
      serviceId: 'SVC-0001',
      track: 'ISMAP',
      status: 'REGISTERED',
      applicant: PROVIDER_NAME,
    });
    expectNothingPrivate(answer);
  });

  it('shows the review process every registration fact with provider and audit body details', () => {
    expect(privilegedServiceView(doc, provider, auditBody, TODAY)).toEqual({
      serviceId: 'SVC-0001',
      track: 'ISMAP',
      status: 'REGISTERED',
      registrationNumber: 'C21-0001-2',
      serviceName: 'テストクラウド IaaS',
      serviceModel: 'IaaS',
      scope: { description: 'IaaS 基盤サービス', regions: ['東京', '大阪'] },
      provider: { providerId: PROVIDER_ID, name: PROVIDER_NAME, corporateNumber: '7000012050002' },
      auditBody: {
        auditBodyId: AUDIT_BODY_ID,
        name: AUDIT_BODY_NAME,
        corporateNumber: '2120001000002',
        registrationNumber: 'A20-0001',
        status: 'REGISTERED',
      },
      auditPeriod: { start: '2021-01-01', end: '2021-12-31' },
      registeredOn: '2021-03-12',
      lastRenewedOn: '2022-04-20',
      validUntil: '2023-04-30',
      renewalAppliedOn: null,
      withdrawalEffectiveOn: null,
      revokedOn: null,
      expiredOn: null,
    });
  });

  it('never passes on a field the documents gain later', () => {
    const grown = { ...doc, auditReportDate: '2022-01-31', findings: ['APP-0001.F1'] } as RegistrationDoc;
    const grownProvider = { ...provider, contactEmail: 'taro@example.jp' } as ProviderDoc;
    const grownAuditBody = { ...auditBody, leadAuditor: ACTORS.auditor(AUDIT_BODY_ID).sub } as AuditBodyDoc;
    for (const answer of [
      publicServiceView(grown, grownProvider, grownAuditBody, TODAY),
      privilegedServiceView(grown, grownProvider, grownAuditBody, TODAY),
    ]) {
      const text = JSON.stringify(answer);
      for (const leaked of ['auditReportDate', 'findings', 'contactEmail', 'taro@', 'leadAuditor'])
        expect(text).not.toContain(leaked);
    }
  });

  it('judges the status on the day asked, by the lists’ rule, not by the last recorded event', () => {
    // Nothing recorded the lapse (the expiry sweep has not run): the list of 2023-05-01 no longer shows it.
    expect(doc.status).toBe('REGISTERED');
    expect(publicServiceView(doc, provider, auditBody, '2023-04-30').status).toBe('REGISTERED');
    expect(publicServiceView(doc, provider, auditBody, '2023-05-01').status).toBe('EXPIRED');
    expect(privilegedServiceView(doc, provider, auditBody, '2023-05-01')).toMatchObject({
      status: 'EXPIRED',
      expiredOn: null,
    });
  });

  it('answers null for a provider or audit body it does not know', () => {
    expect(publicServiceView(doc, undefined, undefined, TODAY)).toMatchObject({
      applicant: null,
      auditBody: { name: null, registrationNumber: null },
    });
    expect(privilegedServiceView(doc, undefined, undefined, TODAY)).toMatchObject({
      provider: { providerId: PROVIDER_ID, name: null, corporateNumber: null },
      auditBody: { auditBodyId: AUDIT_BODY_ID, name: null, status: null },
    });
  });
});
