import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandBus } from '@nestjs/cqrs';
import { Redis } from 'ioredis';
import type { HqReport, ReportRequest } from '@ismap/application';
import {
  buildReport,
  logHead,
  readLogUpTo,
  renderCsvTables,
  renderMarkdown,
  ScheduleMeetingCommand,
} from '@ismap/application';
import { loadConfig } from '@ismap/config';
import { DECISIONS, fiscalYearPeriod } from '@ismap/domain';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@ismap/event-store';
import { withApplication } from '../../apps/cli/src/application-context';
import { runDemo } from '../../apps/cli/src/demo/demo-2021';

/**
 * The report for FY2020 and FY2021 after `cli demo`, every number against a fixture computed by hand from the
 * demo's timeline (apps/cli/src/demo/demo-2021.ts) and the published 2021 list:
 *
 * - rows 1–10 registered 2021-03-12 (submitted 2020-12-21, accepted 2021-01-12, referred 2021-02-19; audit period
 *   ends 2020-09-30 → valid until 2022-01-31, so they lapse on 2022-02-01, inside FY2021);
 * - rows 11–14 on 2021-06-22 (submitted 2021-03-24 — inside FY2020 —, accepted 04-12, referred 05-28);
 * - row 15 on 2021-07-30 (submitted 04-28, accepted 05-20, referred 07-02);
 * - rows 16–20 on 2021-09-13 (submitted 06-24, accepted 07-15, referred 08-20);
 * - meeting 1 on 2020-10-30 registered the 3 illustrative audit bodies.
 */
type Decision = (typeof DECISIONS)[number];
const rulings = (counts: Partial<Record<Decision, number>>): Record<Decision, number> =>
  Object.fromEntries(DECISIONS.map((d) => [d, counts[d] ?? 0])) as Record<Decision, number>;
const zeroList = {
  atStart: 0,
  atEnd: 0,
  registrations: 0,
  renewals: 0,
  changes: 0,
  expiries: 0,
  expiriesRecorded: 0,
  withdrawals: 0,
  revocations: 0,
};
const zeroApplications = { received: 0, returned: 0, withdrawn: 0, rejected: 0, deferred: 0 };
const monthEnds = (year: number): string[] => [
  `${year}-04-30`,
  `${year}-05-31`,
  `${year}-06-30`,
  `${year}-07-31`,
  `${year}-08-31`,
  `${year}-09-30`,
  `${year}-10-31`,
  `${year}-11-30`,
  `${year}-12-31`,
  `${year + 1}-01-31`,
  `${year + 1}-02-28`,
  `${year + 1}-03-31`,
];
const sizes = (year: number, start: number[], ismap: number[], auditBodies: number[]) =>
  [`${year}-03-31`, ...monthEnds(year)].map((date, i) => ({
    date,
    ISMAP: i === 0 ? (start[0] ?? -1) : (ismap[i - 1] ?? -1),
    ISMAP_LIU: 0,
    auditBodies: auditBodies[i] ?? -1,
  }));

function expectedFy2020(atPosition: string): HqReport {
  return {
    schema: 'ismap-hq-report/1',
    reportId: 'fy2020',
    period: { from: '2020-04-01', to: '2021-03-31', fiscalYear: 2020, startListDate: '2020-03-31' },
    atPosition,
    lists: {
      ISMAP: { ...zeroList, atStart: 0, atEnd: 10, registrations: 10 },
      ISMAP_LIU: zeroList,
    },
    auditBodies: { atStart: 0, atEnd: 3, registered: 3, delisted: 0 },
    listSizeOverTime: sizes(
      2020,
      [0],
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10],
      [0, 0, 0, 0, 0, 0, 0, 3, 3, 3, 3, 3, 3],
    ),
    registrationsPerQuarter: [
      { label: 'FY2020 Q1', from: '2020-04-01', to: '2020-06-30', ISMAP: 0, ISMAP_LIU: 0 },
      { label: 'FY2020 Q2', from: '2020-07-01', to: '2020-09-30', ISMAP: 0, ISMAP_LIU: 0 },
      { label: 'FY2020 Q3', from: '2020-10-01', to: '2020-12-31', ISMAP: 0, ISMAP_LIU: 0 },
      { label: 'FY2020 Q4', from: '2021-01-01', to: '2021-03-31', ISMAP: 10, ISMAP_LIU: 0 },
    ],
    // 10 submitted 2020-12-21 and 4 submitted 2021-03-24 (ruled on in FY2021).
    applications: { ISMAP: { ...zeroApplications, received: 14 }, ISMAP_LIU: zeroApplications },
    leadTimes: {
      decided: 10,
      stages: {
        submissionToAcceptance: { count: 10, median: 22, p90: 22 },
        acceptanceToReferral: { count: 10, median: 38, p90: 38 },
        referralToDecision: { count: 10, median: 21, p90: 21 },
        submissionToDecision: { count: 10, median: 81, p90: 81 },
      },
      binDays: 30,
      histogram: [
        { fromDays: 0, toDays: 30, count: 0 },
        { fromDays: 30, toDays: 60, count: 0 },
        { fromDays: 60, toDays: 90, count: 10 },
      ],
    },
    findings: [],
    incidents: { FLASH: 0, FINAL: 0 },
    committee: {
      meetingsHeld: 2,
      meetings: [
        {
          meetingId: 'M1',
          number: 1,
          heldOn: '2020-10-30',
          rulings: rulings({ AUDIT_BODY_REGISTER: 3 }),
          totalRulings: 3,
        },
        {
          meetingId: 'M2',
          number: 2,
          heldOn: '2021-03-12',
          rulings: rulings({ REGISTER: 10 }),
          totalRulings: 10,
        },
      ],
      rulingsByKind: rulings({ REGISTER: 10, AUDIT_BODY_REGISTER: 3 }),
      totalRulings: 13,
      rulingsAwaitingConfirmation: 0,
    },
    seal: null,
  };
}

function expectedFy2021(atPosition: string): HqReport {
  return {
    schema: 'ismap-hq-report/1',
    reportId: 'fy2021',
    period: { from: '2021-04-01', to: '2022-03-31', fiscalYear: 2021, startListDate: '2021-03-31' },
    atPosition,
    lists: {
      // 10 at the start; +4 +1 +5 registered; the first 10 lapse on 2022-02-01 (no expiry recorded by the demo).
      ISMAP: { ...zeroList, atStart: 10, atEnd: 10, registrations: 10, expiries: 10, expiriesRecorded: 0 },
      ISMAP_LIU: zeroList,
    },
    auditBodies: { atStart: 3, atEnd: 3, registered: 0, delisted: 0 },
    listSizeOverTime: sizes(
      2021,
      [10],
      [10, 10, 14, 15, 15, 20, 20, 20, 20, 20, 10, 10],
      [3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3],
    ),
    registrationsPerQuarter: [
      { label: 'FY2021 Q1', from: '2021-04-01', to: '2021-06-30', ISMAP: 4, ISMAP_LIU: 0 },
      { label: 'FY2021 Q2', from: '2021-07-01', to: '2021-09-30', ISMAP: 6, ISMAP_LIU: 0 },
      { label: 'FY2021 Q3', from: '2021-10-01', to: '2021-12-31', ISMAP: 0, ISMAP_LIU: 0 },
      { label: 'FY2021 Q4', from: '2022-01-01', to: '2022-03-31', ISMAP: 0, ISMAP_LIU: 0 },
    ],
    // 1 submitted 2021-04-28 and 5 submitted 2021-06-24.
    applications: { ISMAP: { ...zeroApplications, received: 6 }, ISMAP_LIU: zeroApplications },
    leadTimes: {
      decided: 10,
      // Per application (4 × June, 1 × July, 5 × September), nearest rank: median = 5th, p90 = 9th of 10.
      // submission → acceptance: 19 ×4, 22, 21 ×5 → 19 19 19 19 21 21 21 21 21 22
      // acceptance → referral:   46 ×4, 43, 36 ×5 → 36 36 36 36 36 43 46 46 46 46
      // referral → ruling:       25 ×4, 28, 24 ×5 → 24 24 24 24 24 25 25 25 25 28
      // submission → ruling:     90 ×4, 93, 81 ×5 → 81 81 81 81 81 90 90 90 90 93
      stages: {
        submissionToAcceptance: { count: 10, median: 21, p90: 21 },
        acceptanceToReferral: { count: 10, median: 36, p90: 46 },
        referralToDecision: { count: 10, median: 24, p90: 25 },
        submissionToDecision: { count: 10, median: 81, p90: 90 },
      },
      binDays: 30,
      histogram: [
        { fromDays: 0, toDays: 30, count: 0 },
        { fromDays: 30, toDays: 60, count: 0 },
        { fromDays: 60, toDays: 90, count: 5 },
        { fromDays: 90, toDays: 120, count: 5 },
      ],
    },
    findings: [],
    incidents: { FLASH: 0, FINAL: 0 },
    committee: {
      meetingsHeld: 3,
      meetings: [
        {
          meetingId: 'M3',
          number: 3,
          heldOn: '2021-06-22',
          rulings: rulings({ REGISTER: 4 }),
          totalRulings: 4,
        },
        {
          meetingId: 'M4',
          number: 4,
          heldOn: '2021-07-30',
          rulings: rulings({ REGISTER: 1 }),
          totalRulings: 1,
        },
        {
          meetingId: 'M5',
          number: 5,
          heldOn: '2021-09-13',
          rulings: rulings({ REGISTER: 5 }),
          totalRulings: 5,
        },
      ],
      rulingsByKind: rulings({ REGISTER: 10 }),
      totalRulings: 10,
      rulingsAwaitingConfirmation: 0,
    },
    seal: null,
  };
}

describe('the report to the Headquarters after cli demo (command bus, embedded store)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-hq-report-'));
  const prefix = `test-hq-report-${process.pid}:`;
  const config = loadConfig({ DATA_DIR: dataDir, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'silent' });
  let head: string;
  let demoLog: RecordedEvent[];
  let laterLog: RecordedEvent[];
  const request = (fiscalYear: number, atPosition: string): ReportRequest => ({
    reportId: `fy${fiscalYear}`,
    period: fiscalYearPeriod(fiscalYear),
    atPosition,
  });

  beforeAll(async () => {
    await withApplication(config, async (app) => {
      const bus = app.get(CommandBus);
      const store = app.get<EventStore>(EVENT_STORE);
      await runDemo(bus, new Date('2026-11-21T03:00:00Z'), () => undefined);
      head = await logHead(store);
      demoLog = await readLogUpTo(store, head);
      // Recorded after the report's position, dated inside FY2021: a later report sees it, this one must not.
      await bus.execute(
        new ScheduleMeetingCommand(6, '2021-05-10', {
          commandId: '0f5b7a3e-63c1-4f45-9a57-3c2f1d0e9b11',
          actor: { sub: 'test:secretariat', roles: ['secretariat'] },
          correlationId: 'test-late-meeting',
          causationId: '0f5b7a3e-63c1-4f45-9a57-3c2f1d0e9b11',
          occurredOn: '2021-05-10',
          now: '2026-11-21T04:00:00.000Z',
        }),
      );
      laterLog = await readLogUpTo(store, await logHead(store));
    });
  }, 60_000);

  afterAll(async () => {
    const redis = new Redis(config.redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('FY2020: 10 new registrations at one meeting with REGISTER rulings (2021-03-12), every number as computed by hand', async () => {
    const report = await buildReport(demoLog, request(2020, head));
    expect(report).toEqual(expectedFy2020(head));
  });

  it('FY2021: 10 new registrations across three meetings, the ISMAP list at 10 when the year began, every number as computed by hand', async () => {
    const report = await buildReport(demoLog, request(2021, head));
    expect(report).toEqual(expectedFy2021(head));
  });

  it('is fixed by its log position: an event recorded later but dated inside the period changes only a later report', async () => {
    const atHead = await buildReport(laterLog, request(2021, head));
    expect(atHead).toEqual(expectedFy2021(head));
    const later = await buildReport(laterLog, request(2021, laterLog[laterLog.length - 1]?.position ?? ''));
    expect(later.committee.meetingsHeld).toBe(4);
    expect(later.committee.meetings.map((m) => m.heldOn)).toEqual([
      '2021-05-10',
      '2021-06-22',
      '2021-07-30',
      '2021-09-13',
    ]);
  });

  it('the same period and position always render the same bytes', async () => {
    const a = await buildReport(demoLog, request(2021, head));
    const b = await buildReport([...demoLog].reverse(), request(2021, head));
    expect(renderMarkdown(b)).toBe(renderMarkdown(a));
    expect(renderCsvTables(b)).toEqual(renderCsvTables(a));
  });

  it('the Markdown states the figures under Japanese headings with the English in parentheses', async () => {
    const md = renderMarkdown(await buildReport(demoLog, request(2021, head)));
    expect(md).toContain('## 登録サービス数 (Registered services)');
    expect(md).toContain('| 期首の登録数 (Entries at start) | 10 | 0 |');
    expect(md).toContain('| 新規登録 (New registrations) | 10 | 0 |');
    expect(md).toContain('| 有効期間満了 (Expiries) | 10 | 0 |');
    expect(md).toMatch(/\| 第3回 \| 2021-06-22 \| 4 \|/);
    expect(md).toContain('開催 3 回、決定 10 件');
  });
});
