import type { Decision, Track } from '@ismap/domain';
import {
  addDays,
  civilPeriodEnd,
  DECISIONS,
  expiredFrom,
  fiscalQuarterOf,
  monthsOfPeriod,
  TRACKS,
} from '@ismap/domain';
import type { RecordedEvent } from '@ismap/event-store';
import type { FindingCounts, ReadView, RegistrationDoc } from '@ismap/read-models';
import {
  auditBodyList,
  committeeProjection,
  decisionHistory,
  leadTimes,
  leadTimeStats,
  listMeetings,
  memoryView,
  programmeCounts,
  programmeCountersProjection,
  publicListEntries,
  registrationsProjection,
  replayInMemory,
  SERVICES,
} from '@ismap/read-models';
import { LogSnapshot } from './log-snapshot';
import type {
  FindingRow,
  HistogramBin,
  HqReport,
  LeadTimeFigures,
  ListFigures,
  ListSizePoint,
  MeetingFigures,
  QuarterRegistrations,
  ReportRequest,
} from './report.model';
import { LEAD_TIME_STAGES, REPORT_SCHEMA } from './report.model';

/** Lead-time histogram bins: a month, the unit the committee's roughly quarterly rhythm is felt in. */
export const LEAD_TIME_BIN_DAYS = 30;

/** Called as the build moves on, with the share done (0…1). */
export type ReportProgress = (done: number) => void | Promise<void>;

const month = (date: string): string => date.slice(0, 7);
const zeroRulings = (): Record<Decision, number> =>
  Object.fromEntries(DECISIONS.map((d) => [d, 0])) as Record<Decision, number>;

/**
 * Builds the report from the recorded events alone (the log up to `request.atPosition`; events after it are
 * ignored even if given), with the read side's own projections and queries replayed in memory: the list as of a
 * date is the API's `?asOf=` answer, validity is the domain's rule. The same events and request always give the
 * same report.
 */
export async function buildReport(
  events: readonly RecordedEvent[],
  request: ReportRequest,
  progress: ReportProgress = () => undefined,
): Promise<HqReport> {
  const { period, atPosition } = request;
  const log = new LogSnapshot(events);
  const upTo = { atPosition };
  const startListDate = addDays(period.from, -1);
  const months = monthsOfPeriod(period);
  const chartDates = [startListDate, ...months.map((m) => civilPeriodEnd(m, 1))];

  // The lists as decided on each date of the chart; the first and the last are the period's start and end.
  const listSizeOverTime: ListSizePoint[] = [];
  let endView: ReadView | undefined;
  for (const [i, date] of chartDates.entries()) {
    const view = memoryView(await replayInMemory(log, registrationsProjection, { ...upTo, asOf: date }));
    listSizeOverTime.push({
      date,
      ISMAP: (await publicListEntries(view, 'ISMAP', date)).length,
      ISMAP_LIU: (await publicListEntries(view, 'ISMAP_LIU', date)).length,
      auditBodies: (await auditBodyList(view, date)).length,
    });
    endView = view;
    await progress((0.6 * (i + 1)) / chartDates.length);
  }
  const first = listSizeOverTime[0];
  const last = listSizeOverTime[listSizeOverTime.length - 1];
  if (first === undefined || last === undefined || endView === undefined) throw new Error('empty period');

  const counters = memoryView(await replayInMemory(log, programmeCountersProjection, upTo));
  const counts = await programmeCounts(counters, month(period.from), month(period.to));
  const expiries = await expiriesByRule(endView, period.from, period.to);
  const lists = Object.fromEntries(
    TRACKS.map((track): [Track, ListFigures] => [
      track,
      {
        atStart: first[track],
        atEnd: last[track],
        registrations: counts.lists[track].registrations,
        renewals: counts.lists[track].renewals,
        changes: counts.lists[track].changes,
        expiries: expiries[track],
        expiriesRecorded: counts.lists[track].expiries,
        withdrawals: counts.lists[track].withdrawals,
        revocations: counts.lists[track].revocations,
      },
    ]),
  ) as Record<Track, ListFigures>;

  const registrationsPerQuarter: QuarterRegistrations[] = [];
  for (const group of quarterGroups(months)) {
    const q = await programmeCounts(counters, month(group.from), month(group.to));
    registrationsPerQuarter.push({
      ...group,
      ISMAP: q.lists.ISMAP.registrations,
      ISMAP_LIU: q.lists.ISMAP_LIU.registrations,
    });
  }
  await progress(0.75);

  const times = await leadTimes(counters, { from: period.from, to: period.to });
  const stats = leadTimeStats(times);
  const leadTimeFigures: LeadTimeFigures = {
    decided: times.length,
    stages: Object.fromEntries(
      LEAD_TIME_STAGES.map((stage) => [
        stage,
        { count: stats[stage].count, median: stats[stage].median, p90: stats[stage].p90 },
      ]),
    ) as LeadTimeFigures['stages'],
    binDays: LEAD_TIME_BIN_DAYS,
    histogram: histogram(times.map((t) => t.submissionToDecision)),
  };

  const committee = memoryView(await replayInMemory(log, committeeProjection, upTo));
  const rulings = await decisionHistory(committee, { from: period.from, to: period.to });
  const meetings: MeetingFigures[] = (await listMeetings(committee))
    .filter((m) => m.heldOn >= period.from && m.heldOn <= period.to)
    // In the order they were held: history entered late may number a meeting out of date order.
    .sort((x, y) => (x.heldOn < y.heldOn ? -1 : x.heldOn > y.heldOn ? 1 : x.number - y.number))
    .map((m) => {
      const byKind = zeroRulings();
      for (const r of rulings) if (r.meetingId === m.meetingId) byKind[r.decision] += 1;
      return {
        meetingId: m.meetingId,
        number: m.number,
        heldOn: m.heldOn,
        rulings: byKind,
        totalRulings: Object.values(byKind).reduce((a, b) => a + b, 0),
      };
    });
  const rulingsByKind = zeroRulings();
  for (const r of rulings) rulingsByKind[r.decision] += 1;
  await progress(0.9);

  return {
    schema: REPORT_SCHEMA,
    reportId: request.reportId,
    period: {
      from: period.from,
      to: period.to,
      fiscalYear: period.fiscalYear,
      startListDate,
    },
    atPosition,
    lists,
    auditBodies: {
      atStart: first.auditBodies,
      atEnd: last.auditBodies,
      registered: counts.auditBodies.registered,
      delisted: counts.auditBodies.delisted,
    },
    listSizeOverTime,
    registrationsPerQuarter,
    applications: counts.applications,
    leadTimes: leadTimeFigures,
    findings: findingRows(counts.findings, counts.findingsOpenAtEnd),
    incidents: counts.incidents,
    committee: {
      meetingsHeld: meetings.length,
      meetings,
      rulingsByKind,
      totalRulings: rulings.length,
      rulingsAwaitingConfirmation: rulings.filter((r) => r.confirmation === 'PENDING').length,
    },
    seal: request.seal ?? null,
  };
}

/**
 * Registrations whose validity ran out within [from, to]: the first day `isListedOn` no longer holds because of
 * validity, by the domain's `expiredFrom` (or the recorded expiry). A lapse counts whether or not the expiry sweep
 * has recorded it yet; `expiriesRecorded` says how many were recorded.
 */
async function expiriesByRule(view: ReadView, from: string, to: string): Promise<Record<Track, number>> {
  const docs = (await view.all(SERVICES)) as unknown as RegistrationDoc[];
  const result = Object.fromEntries(TRACKS.map((t) => [t, 0])) as Record<Track, number>;
  for (const doc of docs) {
    const lapse =
      doc.expiredOn ??
      expiredFrom({
        validUntil: doc.validUntil,
        ...(doc.renewalAppliedOn === null ? {} : { renewalAppliedOn: doc.renewalAppliedOn }),
      });
    if (lapse === undefined || lapse < from || lapse > to || lapse <= doc.registeredOn) continue;
    // Withdrawn or revoked before it lapsed: it left the list for that reason, not this one.
    const earlierExit = [doc.withdrawalEffectiveOn, doc.revokedOn].some((d) => d !== null && d <= lapse);
    if (!earlierExit) result[doc.track] += 1;
  }
  return result;
}

/** The fiscal quarters the months fall in, each clipped to the period. */
function quarterGroups(months: readonly string[]): { label: string; from: string; to: string }[] {
  const groups: { label: string; from: string; to: string }[] = [];
  for (const m of months) {
    const { fiscalYear, quarter } = fiscalQuarterOf(m);
    const label = `FY${fiscalYear} Q${quarter}`;
    const end = civilPeriodEnd(m, 1);
    const current = groups[groups.length - 1];
    if (current?.label === label) current.to = end;
    else groups.push({ label, from: m, to: end });
  }
  return groups;
}

function histogram(days: readonly number[]): HistogramBin[] {
  if (days.length === 0) return [];
  const bins = Math.floor(Math.max(...days) / LEAD_TIME_BIN_DAYS) + 1;
  return Array.from({ length: bins }, (_, i) => {
    const fromDays = i * LEAD_TIME_BIN_DAYS;
    const toDays = fromDays + LEAD_TIME_BIN_DAYS;
    return { fromDays, toDays, count: days.filter((d) => d >= fromDays && d < toDays).length };
  });
}

function findingRows(
  outcomes: { opened: FindingCounts; resolved: FindingCounts; riskAccepted: FindingCounts },
  openAtEnd: FindingCounts,
): FindingRow[] {
  const keys = new Map<string, { domain: string; kind: string }>();
  for (const table of [outcomes.opened, outcomes.resolved, outcomes.riskAccepted, openAtEnd]) {
    for (const [domain, byKind] of Object.entries(table)) {
      for (const kind of Object.keys(byKind)) keys.set(`${domain}\u0000${kind}`, { domain, kind });
    }
  }
  const get = (table: FindingCounts, domain: string, kind: string): number =>
    (table[domain] as Record<string, number> | undefined)?.[kind] ?? 0;
  const domainOrder = (d: string): number => (d === 'none' ? Number.POSITIVE_INFINITY : Number(d));
  return [...keys.values()]
    .sort(
      (a, b) =>
        domainOrder(a.domain) - domainOrder(b.domain) ||
        (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0) ||
        (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0),
    )
    .map(({ domain, kind }) => ({
      domain,
      kind,
      opened: get(outcomes.opened, domain, kind),
      resolved: get(outcomes.resolved, domain, kind),
      riskAccepted: get(outcomes.riskAccepted, domain, kind),
      openAtEnd: get(openAtEnd, domain, kind),
    }));
}
