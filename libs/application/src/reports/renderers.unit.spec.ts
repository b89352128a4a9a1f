import { createHash } from 'node:crypto';
import { DECISIONS } from '@ismap/domain';
import type { HqReport } from './report.model';
import { CSV_TABLES, renderCsvTables } from './render-csv';
import { REPORT_HTML_CSP, REPORT_HTML_STYLE_HASH, renderHtml } from './render-html';
import { escapeMarkdown, renderMarkdown } from './render-markdown';
import { renderReportFiles } from './report-files';

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
const zeroApps = { received: 0, returned: 0, withdrawn: 0, rejected: 0, deferred: 0 };
const rulings = Object.fromEntries(DECISIONS.map((d) => [d, 0])) as HqReport['committee']['rulingsByKind'];
const HOSTILE = '<script>alert(1)</script>|=HYPERLINK("x")';

/** A small report with a finding, a seal, and hostile text where text can come from the log. */
const report: HqReport = {
  schema: 'ismap-hq-report/1',
  reportId: 'r-1',
  period: { from: '2022-04-01', to: '2022-06-30', fiscalYear: null, startListDate: '2022-03-31' },
  atPosition: '42',
  lists: {
    ISMAP: {
      ...zeroList,
      atStart: 30,
      atEnd: 33,
      registrations: 4,
      renewals: 2,
      expiries: 1,
      withdrawals: 0,
    },
    ISMAP_LIU: zeroList,
  },
  auditBodies: { atStart: 5, atEnd: 6, registered: 1, delisted: 0 },
  listSizeOverTime: [
    { date: '2022-03-31', ISMAP: 30, ISMAP_LIU: 0, auditBodies: 5 },
    { date: '2022-04-30', ISMAP: 31, ISMAP_LIU: 0, auditBodies: 5 },
    { date: '2022-05-31', ISMAP: 31, ISMAP_LIU: 0, auditBodies: 6 },
    { date: '2022-06-30', ISMAP: 33, ISMAP_LIU: 0, auditBodies: 6 },
  ],
  registrationsPerQuarter: [
    { label: 'FY2022 Q1', from: '2022-04-01', to: '2022-06-30', ISMAP: 4, ISMAP_LIU: 0 },
  ],
  applications: { ISMAP: { ...zeroApps, received: 7, returned: 2, deferred: 1 }, ISMAP_LIU: zeroApps },
  leadTimes: {
    decided: 4,
    stages: {
      submissionToAcceptance: { count: 4, median: 20, p90: 31 },
      acceptanceToReferral: { count: 4, median: 40, p90: 45 },
      referralToDecision: { count: 4, median: 20, p90: 22 },
      submissionToDecision: { count: 4, median: 85, p90: 97 },
    },
    binDays: 30,
    histogram: [
      { fromDays: 0, toDays: 30, count: 0 },
      { fromDays: 30, toDays: 60, count: 0 },
      { fromDays: 60, toDays: 90, count: 3 },
      { fromDays: 90, toDays: 120, count: 1 },
    ],
  },
  findings: [{ domain: '9', kind: 'DEFICIENCY', opened: 2, resolved: 1, riskAccepted: 0, openAtEnd: 1 }],
  incidents: { FLASH: 1, FINAL: 0 },
  committee: {
    meetingsHeld: 1,
    meetings: [
      {
        meetingId: 'M9',
        number: 9,
        heldOn: '2022-05-20',
        rulings: { ...rulings, REGISTER: 4, RENEW: 2, AUDIT_BODY_REGISTER: 1 },
        totalRulings: 7,
      },
    ],
    rulingsByKind: { ...rulings, REGISTER: 4, RENEW: 2, AUDIT_BODY_REGISTER: 1 },
    totalRulings: 7,
    rulingsAwaitingConfirmation: 0,
  },
  seal: { position: '40', root: 'ab'.repeat(32), signature: HOSTILE, keyId: 'seal-key-1' },
};

describe('Markdown', () => {
  const md = renderMarkdown(report);

  it('has Japanese headings with the English in parentheses', () => {
    for (const heading of [
      '## 登録サービス数 (Registered services)',
      '## 申請 (Applications)',
      '## 審査期間（日） (Lead times, days)',
      '## 指摘事項 (Findings)',
      '## 運営委員会 (Steering Committee)',
      '## 証跡の完全性シール (Trail integrity seal)',
    ]) {
      expect(md).toContain(`\n${heading}\n`);
    }
  });

  it('states the numbers in its tables', () => {
    expect(md).toContain('| 期首の登録数 (Entries at start) | 30 | 0 |');
    expect(md).toContain('| 期末の登録数 (Entries at end) | 33 | 0 |');
    expect(md).toContain('| 受理→付議 (Acceptance → referral) | 4 | 40 | 45 |');
    expect(md).toContain('| 9 | DEFICIENCY | 2 | 1 | 0 | 1 |');
    expect(md).toContain('| 第9回 | 2022-05-20 | 4 | 0 | 0 | 2 | 0 | 0 | 1 | 0 | 7 |');
  });

  it('escapes text so a value cannot become markup or break a table row', () => {
    expect(md).not.toContain('<script>');
    expect(md).toContain('&lt;script&gt;alert(1)&lt;/script&gt;\\|=HYPERLINK("x")');
    expect(escapeMarkdown('a|b\nc*d_[e](f)')).toBe('a\\|b c\\*d\\_\\[e\\](f)');
  });
});

describe('CSV', () => {
  const tables = renderCsvTables(report);

  it('one UTF-8 table per file with a byte order mark, a header row and CRLF', () => {
    expect(Object.keys(tables)).toEqual([...CSV_TABLES]);
    for (const text of Object.values(tables)) {
      expect(text.startsWith('\uFEFF')).toBe(true);
      expect(text.endsWith('\r\n')).toBe(true);
    }
    expect(tables.lists).toBe(
      '\uFEFFtrack,at_start,registrations,renewals,changes,expiries,expiries_recorded,withdrawals,revocations,at_end\r\n' +
        'ISMAP,30,4,2,0,1,0,0,0,33\r\nISMAP_LIU,0,0,0,0,0,0,0,0,0\r\n',
    );
    expect(tables['lead-times']).toContain('submissionToDecision,4,85,97\r\n');
    expect(tables.meetings).toContain('M9,9,2022-05-20,4,0,0,2,0,0,1,0,7\r\n');
  });
});

describe('HTML', () => {
  const html = renderHtml(report);

  it('is self-contained: no script, no external resource, its one stylesheet allowed by hash', () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|\shref=|url\(|@import/i);
    expect(html).not.toMatch(/\sstyle="/);
    const style = /<style>([\s\S]*)<\/style>/.exec(html)?.[1] ?? '';
    expect(`sha256-${createHash('sha256').update(style, 'utf8').digest('base64')}`).toBe(
      REPORT_HTML_STYLE_HASH,
    );
    expect(html).toContain(`content="${REPORT_HTML_CSP.replaceAll("'", '&#39;')}"`);
    expect(REPORT_HTML_CSP).toMatch(/^default-src 'none'; style-src 'sha256-/);
  });

  it('draws the three charts as inline SVG', () => {
    expect(html.match(/<svg /g)).toHaveLength(3);
    for (const id of ['chart-list-size', 'chart-quarters', 'chart-lead-times'])
      expect(html).toContain(`id="${id}"`);
    // 3 series of 4 points on the list chart; 1 bar per quarter and track; 4 histogram bars.
    expect(html.match(/<polyline /g)).toHaveLength(3);
    expect(html.match(/<rect class="bar"/g)).toHaveLength(2 + 4);
  });

  it('escapes every text', () => {
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;|=HYPERLINK(&quot;x&quot;)');
  });
});

describe('report files', () => {
  it('hashes the exact bytes of every file, the same every time', () => {
    const files = renderReportFiles(report);
    expect(files.map((f) => f.file.name)).toEqual([
      'report.json',
      'report.md',
      ...CSV_TABLES.map((t) => `${t}.csv`),
      'report.html',
    ]);
    for (const { file, bytes } of files) {
      expect(file.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(file.bytes).toBe(bytes.length);
    }
    expect(renderReportFiles(report).map((f) => f.file)).toEqual(files.map((f) => f.file));
    expect(JSON.parse(files[0]?.bytes.toString('utf8') ?? '')).toEqual(report);
  });
});
