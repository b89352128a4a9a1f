import { DECISIONS, TRACKS } from '@ismap/domain';
import type { HqReport } from './report.model';
import { LEAD_TIME_STAGES } from './report.model';

/**
 * One CSV file per table (docs/adr/0009-hq-report.md): each opens in a spreadsheet as one clean grid, with
 * snake_case English headers a program can rely on. Same dialect as the public list CSV: UTF-8 with a byte order
 * mark (Excel reads Japanese correctly), RFC 4180 quoting, CRLF, and a leading apostrophe on any cell a
 * spreadsheet would run as a formula.
 */
export const CSV_TABLES = [
  'lists',
  'list-size',
  'registrations-per-quarter',
  'applications',
  'lead-times',
  'lead-time-distribution',
  'findings',
  'incidents',
  'audit-bodies',
  'meetings',
  'rulings',
] as const;
export type CsvTable = (typeof CSV_TABLES)[number];

type Value = string | number | null;

const FORMULA_START = /^[=+\-@\t\r]/;

function field(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly Value[])[]): string {
  return `\uFEFF${[header, ...rows].map((row) => `${row.map(field).join(',')}\r\n`).join('')}`;
}

function table(report: HqReport, name: CsvTable): { header: string[]; rows: Value[][] } {
  switch (name) {
    case 'lists':
      return {
        header: [
          'track',
          'at_start',
          'registrations',
          'renewals',
          'changes',
          'expiries',
          'expiries_recorded',
          'withdrawals',
          'revocations',
          'at_end',
        ],
        rows: TRACKS.map((t) => {
          const l = report.lists[t];
          return [
            t,
            l.atStart,
            l.registrations,
            l.renewals,
            l.changes,
            l.expiries,
            l.expiriesRecorded,
            l.withdrawals,
            l.revocations,
            l.atEnd,
          ];
        }),
      };
    case 'list-size':
      return {
        header: ['date', 'ismap', 'ismap_liu', 'audit_bodies'],
        rows: report.listSizeOverTime.map((p) => [p.date, p.ISMAP, p.ISMAP_LIU, p.auditBodies]),
      };
    case 'registrations-per-quarter':
      return {
        header: ['quarter', 'from', 'to', 'ismap', 'ismap_liu'],
        rows: report.registrationsPerQuarter.map((q) => [q.label, q.from, q.to, q.ISMAP, q.ISMAP_LIU]),
      };
    case 'applications':
      return {
        header: ['track', 'received', 'returned', 'withdrawn', 'rejected', 'deferred'],
        rows: TRACKS.map((t) => {
          const a = report.applications[t];
          return [t, a.received, a.returned, a.withdrawn, a.rejected, a.deferred];
        }),
      };
    case 'lead-times':
      return {
        header: ['stage', 'count', 'median_days', 'p90_days'],
        rows: LEAD_TIME_STAGES.map((s) => {
          const d = report.leadTimes.stages[s];
          return [s, d.count, d.median, d.p90];
        }),
      };
    case 'lead-time-distribution':
      return {
        header: ['from_days', 'to_days_exclusive', 'count'],
        rows: report.leadTimes.histogram.map((b) => [b.fromDays, b.toDays, b.count]),
      };
    case 'findings':
      return {
        header: ['domain', 'kind', 'opened', 'resolved', 'risk_accepted', 'open_at_end'],
        rows: report.findings.map((f) => [
          f.domain,
          f.kind,
          f.opened,
          f.resolved,
          f.riskAccepted,
          f.openAtEnd,
        ]),
      };
    case 'incidents':
      return {
        header: ['stage', 'count'],
        rows: [
          ['FLASH', report.incidents.FLASH],
          ['FINAL', report.incidents.FINAL],
        ],
      };
    case 'audit-bodies':
      return {
        header: ['at_start', 'registered', 'delisted', 'at_end'],
        rows: [
          [
            report.auditBodies.atStart,
            report.auditBodies.registered,
            report.auditBodies.delisted,
            report.auditBodies.atEnd,
          ],
        ],
      };
    case 'meetings':
      return {
        header: ['meeting_id', 'number', 'held_on', ...DECISIONS.map((d) => d.toLowerCase()), 'total'],
        rows: report.committee.meetings.map((m) => [
          m.meetingId,
          m.number,
          m.heldOn,
          ...DECISIONS.map((d) => m.rulings[d]),
          m.totalRulings,
        ]),
      };
    case 'rulings':
      return {
        header: ['decision', 'count'],
        rows: DECISIONS.map((d) => [d, report.committee.rulingsByKind[d]]),
      };
  }
}

/** Every table as `<name>.csv` → text. */
export function renderCsvTables(report: HqReport): Record<CsvTable, string> {
  return Object.fromEntries(
    CSV_TABLES.map((name) => {
      const { header, rows } = table(report, name);
      return [name, toCsv(header, rows)];
    }),
  ) as Record<CsvTable, string>;
}
