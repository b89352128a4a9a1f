import type {
  ApplicationEvent,
  ApplicationKind,
  AuditBodyEvent,
  Decision,
  FindingKind,
  IncidentStage,
  MeetingEvent,
  ServiceEvent,
  Track,
} from '@ismap/domain';
import { daysBetween, DECISIONS, INCIDENT_STAGES, isBusinessDate, TRACKS } from '@ismap/domain';
import type { RecordedEvent } from '@ismap/event-store';
import type { Doc, DocRef, Projection, ReadModelTx } from '../projection';
import type { ReadView } from '../read-view';

/** Dates already found valid: a replay checks the same few thousand days for every event (bounded all the same). */
const validDates = new Set<string>();
function isValidDate(date: string): boolean {
  if (validDates.has(date)) return true;
  if (!isBusinessDate(date)) return false;
  if (validDates.size >= 8192) validDates.clear();
  validDates.add(date);
  return true;
}

/**
 * The figures of the report to the Cybersecurity Strategic Headquarters (DOMAIN.md "Reporting"), counted per
 * business month. A report covers fiscal years and quarters, which are whole months, so a month is the finest bucket
 * it needs; a month's figures are split over a few documents by group (`monthGroupOf`), all in one collection, so a
 * report still reads a year in one call.
 */
export interface MonthDoc {
  readonly month: string;
  /** Sparse: a key appears once something was counted under it. Keys are built by `counterKey` below. */
  readonly counts: Readonly<Record<string, number>>;
}

/** An application's milestones, for lead times (median and 90th percentile in the report). */
export interface LeadTimeDoc {
  readonly applicationId: string;
  readonly serviceId: string;
  readonly kind: ApplicationKind;
  readonly track: Track;
  /** The first submission: the provider's wait includes the time a return cost. */
  readonly submittedOn: string;
  readonly acceptedOn: string | null;
  /** The first referral: a DEFER ruling adds its delay to referral → ruling. */
  readonly referredOn: string | null;
  /** The final ruling (DEFER is not one). */
  readonly decidedOn: string | null;
  readonly decision: Decision | null;
  readonly withdrawnOn: string | null;
}

interface ServiceFactsDoc {
  readonly serviceId: string;
  readonly track: Track;
}

interface FindingFactsDoc {
  readonly findingId: string;
  readonly domain: string;
  readonly kind: FindingKindKey;
}

export const MONTHS = 'months';
export const LEAD_TIMES = 'applications';
export const COUNTER_SERVICES = 'services';
export const COUNTER_FINDINGS = 'findings';

export const LIST_METRICS = [
  'registrations',
  'renewals',
  'changes',
  'expiries',
  'withdrawals',
  'revocations',
] as const;
export type ListMetric = (typeof LIST_METRICS)[number];
export const APPLICATION_METRICS = ['received', 'returned', 'withdrawn', 'rejected', 'deferred'] as const;
export type ApplicationMetric = (typeof APPLICATION_METRICS)[number];
export type FindingKindKey = FindingKind | 'REVIEW';
export type FindingOutcome = 'opened' | 'resolved' | 'riskAccepted';

/** The counter keys, in one place so the projection and the query cannot drift apart. */
export const counterKey = {
  list: (track: Track, metric: ListMetric): string => `list.${track}.${metric}`,
  application: (track: Track, metric: ApplicationMetric): string => `applications.${track}.${metric}`,
  ruling: (decision: Decision): string => `rulings.${decision}`,
  meetingsHeld: 'meetings.held',
  finding: (outcome: FindingOutcome, domain: string, kind: FindingKindKey): string =>
    `findings.${outcome}.${domain}.${kind}`,
  incident: (stage: IncidentStage): string => `incidents.${stage}`,
  auditBodies: (what: 'registered' | 'delisted'): string => `auditBodies.${what}`,
};

/** The first number of a control id (`9` for `9.2.3.11.PB`); `none` for a review finding about no control. */
export const findingDomainOf = (controlId: string | null): string =>
  controlId === null ? 'none' : (controlId.split('.')[0] ?? 'none');

const monthOf = (date: string): string => date.slice(0, 7);

const EVENT_TYPES = [
  'ApplicationSubmitted',
  'ApplicationAccepted',
  'ApplicationReturned',
  'ApplicationReferred',
  'ApplicationWithdrawn',
  'ApplicationDeferred',
  'ApplicationDecided',
  'AuditFindingRecorded',
  'ReviewFindingRaised',
  'FindingResolved',
  'ServiceRegistered',
  'RegistrationRenewed',
  'ServiceChangeApproved',
  'RegistrationExpired',
  'ServiceWithdrawn',
  'RegistrationRevoked',
  'IncidentReported',
  'RulingRecorded',
  'MeetingScheduled',
  'AuditBodyRegistered',
  'AuditBodyDelisted',
] as const satisfies readonly (ApplicationEvent | AuditBodyEvent | MeetingEvent | ServiceEvent)['type'][];

type Handled = Extract<
  ApplicationEvent | AuditBodyEvent | MeetingEvent | ServiceEvent,
  { type: (typeof EVENT_TYPES)[number] }
>;

/** The business date an event is counted on, and the facts document it reads, if any. */
function plan(e: Handled): { date: string | null; facts: DocRef | null } {
  const app = (applicationId: string): DocRef => ({ collection: LEAD_TIMES, id: applicationId });
  const service = (serviceId: string): DocRef => ({ collection: COUNTER_SERVICES, id: serviceId });
  switch (e.type) {
    case 'ApplicationSubmitted':
      return { date: e.data.submittedOn, facts: null };
    case 'ApplicationAccepted':
      return { date: null, facts: app(e.data.applicationId) };
    case 'ApplicationReturned':
      return { date: e.data.returnedOn, facts: app(e.data.applicationId) };
    case 'ApplicationReferred':
      return { date: null, facts: app(e.data.applicationId) };
    case 'ApplicationWithdrawn':
      return { date: e.data.withdrawnOn, facts: app(e.data.applicationId) };
    case 'ApplicationDeferred':
      return { date: e.data.deferredOn, facts: app(e.data.applicationId) };
    case 'ApplicationDecided':
      return { date: e.data.decidedOn, facts: app(e.data.applicationId) };
    case 'AuditFindingRecorded':
      return { date: e.data.recordedOn, facts: null };
    case 'ReviewFindingRaised':
      return { date: e.data.raisedOn, facts: null };
    case 'FindingResolved':
      return { date: e.data.resolvedOn, facts: { collection: COUNTER_FINDINGS, id: e.data.findingId } };
    case 'ServiceRegistered':
      return { date: e.data.registeredOn, facts: null };
    case 'RegistrationRenewed':
      return { date: e.data.renewedOn, facts: service(e.data.serviceId) };
    case 'ServiceChangeApproved':
      return { date: e.data.approvedOn, facts: service(e.data.serviceId) };
    case 'RegistrationExpired':
      return { date: e.data.expiredOn, facts: service(e.data.serviceId) };
    case 'ServiceWithdrawn':
      // Counted when it leaves the list, which is what a period's figures are about.
      return { date: e.data.effectiveOn, facts: service(e.data.serviceId) };
    case 'RegistrationRevoked':
      return { date: e.data.revokedOn, facts: service(e.data.serviceId) };
    case 'IncidentReported':
      return { date: e.data.reportedOn, facts: null };
    case 'RulingRecorded':
      return { date: e.data.decidedOn, facts: null };
    case 'MeetingScheduled':
      return { date: e.data.heldOn, facts: null };
    case 'AuditBodyRegistered':
      return { date: e.data.registeredOn, facts: null };
    case 'AuditBodyDelisted':
      return { date: e.data.delistedOn, facts: null };
    default:
      return { date: null, facts: null };
  }
}

/**
 * A month's figures are kept in one document per group of figures (`2021-03/list`, `2021-03/findings.opened`…),
 * each `{ month, counts }`: an event rewrites a document of a dozen or two figures rather than the month's ~90, and a
 * query sums every document of a month just the same.
 */
export function monthGroupOf(key: string): string {
  const first = key.indexOf('.');
  if (first < 0) return key;
  if (!key.startsWith('findings.')) return key.slice(0, first);
  const second = key.indexOf('.', first + 1);
  return second < 0 ? key : key.slice(0, second);
}

const monthDocId = (date: string, group: string): string => `${monthOf(date)}/${group}`;

/** The group an event's figure falls in, known before its facts are read (for prefetch). */
function groupOfEvent(e: Handled): string | null {
  switch (e.type) {
    case 'ApplicationSubmitted':
    case 'ApplicationReturned':
    case 'ApplicationDeferred':
    case 'ApplicationWithdrawn':
    case 'ApplicationDecided':
      return 'applications';
    case 'AuditFindingRecorded':
    case 'ReviewFindingRaised':
      return 'findings.opened';
    case 'FindingResolved':
      return e.data.resolution === 'RESOLVED' ? 'findings.resolved' : 'findings.riskAccepted';
    case 'ServiceRegistered':
    case 'RegistrationRenewed':
    case 'ServiceChangeApproved':
    case 'RegistrationExpired':
    case 'ServiceWithdrawn':
    case 'RegistrationRevoked':
      return 'list';
    case 'IncidentReported':
      return 'incidents';
    case 'RulingRecorded':
      return 'rulings';
    case 'MeetingScheduled':
      return 'meetings';
    case 'AuditBodyRegistered':
    case 'AuditBodyDelisted':
      return 'auditBodies';
    case 'ApplicationAccepted':
    case 'ApplicationReferred':
      // Milestones of lead times, not figures of a month.
      return null;
    default:
      return null;
  }
}

function bump(tx: ReadModelTx, date: string, keys: readonly string[]): void {
  const month = monthOf(date);
  for (const key of keys) {
    const id = monthDocId(date, monthGroupOf(key));
    const doc = tx.get(MONTHS, id) as MonthDoc | undefined;
    const counts: Record<string, number> = { ...(doc?.counts ?? {}) };
    counts[key] = (counts[key] ?? 0) + 1;
    tx.put(MONTHS, id, { month, counts } satisfies MonthDoc);
  }
}

function required<T>(tx: ReadModelTx, ref: DocRef, what: string): T {
  const doc = tx.get(ref.collection, ref.id);
  if (doc === undefined) throw new Error(`${what} ${ref.id} is unknown to the programme counters`);
  return doc as unknown as T;
}

function putLeadTime(tx: ReadModelTx, doc: LeadTimeDoc): void {
  tx.put(LEAD_TIMES, doc.applicationId, doc as unknown as Doc);
}

export const programmeCountersProjection: Projection = {
  name: 'programme-counters',
  // 2: a month's figures in one document per group (monthGroupOf) instead of one per month.
  version: 2,
  eventTypes: EVENT_TYPES,
  onError: 'continue',

  prefetch(event: RecordedEvent): readonly DocRef[] {
    const e = event as unknown as Handled;
    const { date, facts } = plan(e);
    const group = groupOfEvent(e);
    // A malformed date is refused by evolve, where the runner can park the event; prefetch must not throw first.
    const month =
      typeof date === 'string' && group !== null ? [{ collection: MONTHS, id: monthDocId(date, group) }] : [];
    return [...month, ...(facts === null ? [] : [facts])];
  },

  evolve(tx: ReadModelTx, event: RecordedEvent): void {
    const e = event as unknown as Handled;
    const { date, facts } = plan(e);
    if (date === null && facts === null) return;
    if (date !== null && !isValidDate(date))
      throw new Error(`${e.type}: ${JSON.stringify(date)} is not a date`);
    const lead = (): LeadTimeDoc => required<LeadTimeDoc>(tx, facts as DocRef, 'application');
    const track = (): Track => required<ServiceFactsDoc>(tx, facts as DocRef, 'service').track;
    const on = date ?? '';
    switch (e.type) {
      case 'ApplicationSubmitted': {
        const d = e.data;
        putLeadTime(tx, {
          applicationId: d.applicationId,
          serviceId: d.serviceId,
          kind: d.kind,
          track: d.track,
          submittedOn: d.submittedOn,
          acceptedOn: null,
          referredOn: null,
          decidedOn: null,
          decision: null,
          withdrawnOn: null,
        });
        return bump(tx, on, [counterKey.application(d.track, 'received')]);
      }
      case 'ApplicationAccepted': {
        const doc = lead();
        // The first acceptance: an application is accepted once, but a replayed history must not move it.
        if (doc.acceptedOn === null) putLeadTime(tx, { ...doc, acceptedOn: e.data.acceptedOn });
        return;
      }
      case 'ApplicationReferred': {
        const doc = lead();
        if (doc.referredOn === null) putLeadTime(tx, { ...doc, referredOn: e.data.referredOn });
        return;
      }
      case 'ApplicationReturned':
        return bump(tx, on, [counterKey.application(lead().track, 'returned')]);
      case 'ApplicationDeferred':
        return bump(tx, on, [counterKey.application(lead().track, 'deferred')]);
      case 'ApplicationWithdrawn': {
        const doc = lead();
        putLeadTime(tx, { ...doc, withdrawnOn: e.data.withdrawnOn });
        return bump(tx, on, [counterKey.application(doc.track, 'withdrawn')]);
      }
      case 'ApplicationDecided': {
        const doc = lead();
        putLeadTime(tx, { ...doc, decidedOn: e.data.decidedOn, decision: e.data.decision });
        return bump(
          tx,
          on,
          e.data.decision === 'REJECT' ? [counterKey.application(doc.track, 'rejected')] : [],
        );
      }
      case 'AuditFindingRecorded':
      case 'ReviewFindingRaised': {
        const finding: FindingFactsDoc = {
          findingId: e.data.findingId,
          domain: findingDomainOf(e.data.controlId),
          kind: e.type === 'AuditFindingRecorded' ? e.data.kind : 'REVIEW',
        };
        tx.put(COUNTER_FINDINGS, finding.findingId, finding as unknown as Doc);
        return bump(tx, on, [counterKey.finding('opened', finding.domain, finding.kind)]);
      }
      case 'FindingResolved': {
        const finding = required<FindingFactsDoc>(tx, facts as DocRef, 'finding');
        const outcome: FindingOutcome = e.data.resolution === 'RESOLVED' ? 'resolved' : 'riskAccepted';
        return bump(tx, on, [counterKey.finding(outcome, finding.domain, finding.kind)]);
      }
      case 'ServiceRegistered': {
        const doc: ServiceFactsDoc = { serviceId: e.data.serviceId, track: e.data.track };
        tx.put(COUNTER_SERVICES, doc.serviceId, doc as unknown as Doc);
        return bump(tx, on, [counterKey.list(e.data.track, 'registrations')]);
      }
      case 'RegistrationRenewed':
        return bump(tx, on, [counterKey.list(track(), 'renewals')]);
      case 'ServiceChangeApproved':
        return bump(tx, on, [counterKey.list(track(), 'changes')]);
      case 'RegistrationExpired':
        return bump(tx, on, [counterKey.list(track(), 'expiries')]);
      case 'ServiceWithdrawn':
        return bump(tx, on, [counterKey.list(track(), 'withdrawals')]);
      case 'RegistrationRevoked':
        return bump(tx, on, [counterKey.list(track(), 'revocations')]);
      case 'IncidentReported':
        return bump(tx, on, [counterKey.incident(e.data.stage)]);
      case 'RulingRecorded':
        return bump(tx, on, [counterKey.ruling(e.data.decision)]);
      case 'MeetingScheduled':
        return bump(tx, on, [counterKey.meetingsHeld]);
      case 'AuditBodyRegistered':
        return bump(tx, on, [counterKey.auditBodies('registered')]);
      case 'AuditBodyDelisted':
        return bump(tx, on, [counterKey.auditBodies('delisted')]);
      default:
        return;
    }
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Queries

export type FindingCounts = Readonly<Record<string, Readonly<Partial<Record<FindingKindKey, number>>>>>;

export interface ProgrammeCounts {
  /** Inclusive months `YYYY-MM`. */
  readonly from: string;
  readonly to: string;
  readonly lists: Readonly<Record<Track, Readonly<Record<ListMetric, number>>>>;
  readonly applications: Readonly<Record<Track, Readonly<Record<ApplicationMetric, number>>>>;
  readonly rulings: Readonly<Record<Decision, number>>;
  readonly meetingsHeld: number;
  /** By domain (the control id's first number, or `none`), then kind (`REVIEW` for review findings). */
  readonly findings: Readonly<Record<FindingOutcome, FindingCounts>>;
  /** Findings still open at the end of `to`, counted over all time up to then. */
  readonly findingsOpenAtEnd: FindingCounts;
  readonly incidents: Readonly<Record<IncidentStage, number>>;
  readonly auditBodies: { readonly registered: number; readonly delisted: number };
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

function requireMonth(value: string, name: string): void {
  if (!MONTH.test(value))
    throw new RangeError(`${name} must be a month YYYY-MM, got ${JSON.stringify(value)}`);
}

/** The months a date range covers; the range must be whole months, as fiscal years and quarters are. */
export function monthsOfRange(range: { readonly start: string; readonly end: string }): {
  from: string;
  to: string;
} {
  const lastDay = (date: string): boolean => isBusinessDate(date) && !isBusinessDate(nextDayInMonth(date));
  if (!isBusinessDate(range.start) || !range.start.endsWith('-01') || !lastDay(range.end)) {
    throw new RangeError(`${range.start}..${range.end} is not a range of whole months`);
  }
  return { from: monthOf(range.start), to: monthOf(range.end) };
}

// The same month's next day number; invalid exactly when `date` is the month's last day.
const nextDayInMonth = (date: string): string =>
  `${date.slice(0, 8)}${String(Number(date.slice(8)) + 1).padStart(2, '0')}`;

function sumCounts(docs: readonly MonthDoc[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const doc of docs) {
    for (const [k, n] of Object.entries(doc.counts)) sums.set(k, (sums.get(k) ?? 0) + n);
  }
  return sums;
}

function findingCounts(
  sums: ReadonlyMap<string, number>,
  outcome: FindingOutcome,
): Record<string, Record<string, number>> {
  const prefix = `findings.${outcome}.`;
  const result: Record<string, Record<string, number>> = {};
  for (const [k, n] of sums) {
    if (!k.startsWith(prefix)) continue;
    const [domain = 'none', kind = 'REVIEW'] = k.slice(prefix.length).split('.');
    const byKind = (result[domain] ??= {});
    byKind[kind] = (byKind[kind] ?? 0) + n;
  }
  return result;
}

function openCounts(sums: ReadonlyMap<string, number>): FindingCounts {
  const opened = findingCounts(sums, 'opened');
  const resolved = findingCounts(sums, 'resolved');
  const accepted = findingCounts(sums, 'riskAccepted');
  const result: Record<string, Record<string, number>> = {};
  for (const [domain, byKind] of Object.entries(opened)) {
    for (const [kind, n] of Object.entries(byKind)) {
      const open = n - (resolved[domain]?.[kind] ?? 0) - (accepted[domain]?.[kind] ?? 0);
      if (open > 0) (result[domain] ??= {})[kind] = open;
    }
  }
  return result;
}

const tally = <K extends string, V>(names: readonly K[], value: (name: K) => V): Record<K, V> =>
  Object.fromEntries(names.map((name) => [name, value(name)])) as Record<K, V>;

/** Every programme figure counted in the months `from`..`to` (inclusive, `YYYY-MM`). */
export async function programmeCounts(view: ReadView, from: string, to: string): Promise<ProgrammeCounts> {
  requireMonth(from, 'from');
  requireMonth(to, 'to');
  const docs = (await view.all(MONTHS)) as unknown as MonthDoc[];
  const sums = sumCounts(docs.filter((doc) => doc.month >= from && doc.month <= to));
  const get = (k: string): number => sums.get(k) ?? 0;
  return {
    from,
    to,
    lists: tally(TRACKS, (track) => tally(LIST_METRICS, (metric) => get(counterKey.list(track, metric)))),
    applications: tally(TRACKS, (track) =>
      tally(APPLICATION_METRICS, (metric) => get(counterKey.application(track, metric))),
    ),
    rulings: tally(DECISIONS, (decision) => get(counterKey.ruling(decision))),
    meetingsHeld: get(counterKey.meetingsHeld),
    findings: {
      opened: findingCounts(sums, 'opened'),
      resolved: findingCounts(sums, 'resolved'),
      riskAccepted: findingCounts(sums, 'riskAccepted'),
    },
    findingsOpenAtEnd: openCounts(sumCounts(docs.filter((doc) => doc.month <= to))),
    incidents: tally(INCIDENT_STAGES, (stage) => get(counterKey.incident(stage))),
    auditBodies: {
      registered: get(counterKey.auditBodies('registered')),
      delisted: get(counterKey.auditBodies('delisted')),
    },
  };
}

export interface LeadTime {
  readonly applicationId: string;
  readonly kind: ApplicationKind;
  readonly track: Track;
  readonly decision: Decision;
  readonly submittedOn: string;
  readonly acceptedOn: string | null;
  readonly referredOn: string | null;
  readonly decidedOn: string;
  /** Days; null where a milestone is missing (e.g. history entered without its acceptance). */
  readonly submissionToAcceptance: number | null;
  readonly acceptanceToReferral: number | null;
  readonly referralToDecision: number | null;
  readonly submissionToDecision: number;
}

/** Lead times of the applications finally decided within the inclusive business-date range. */
export async function leadTimes(
  view: ReadView,
  range: { readonly from: string; readonly to: string },
): Promise<LeadTime[]> {
  if (!isBusinessDate(range.from) || !isBusinessDate(range.to)) {
    throw new RangeError(`${range.from}..${range.to} is not a range of dates YYYY-MM-DD`);
  }
  const docs = (await view.all(LEAD_TIMES)) as unknown as LeadTimeDoc[];
  const between = (a: string | null, b: string | null): number | null =>
    a === null || b === null ? null : daysBetween(a, b);
  return docs
    .flatMap((doc): LeadTime[] => {
      const { decidedOn, decision } = doc;
      if (decidedOn === null || decision === null || decidedOn < range.from || decidedOn > range.to)
        return [];
      return [
        {
          applicationId: doc.applicationId,
          kind: doc.kind,
          track: doc.track,
          decision,
          submittedOn: doc.submittedOn,
          acceptedOn: doc.acceptedOn,
          referredOn: doc.referredOn,
          decidedOn,
          submissionToAcceptance: between(doc.submittedOn, doc.acceptedOn),
          acceptanceToReferral: between(doc.acceptedOn, doc.referredOn),
          referralToDecision: between(doc.referredOn, decidedOn),
          submissionToDecision: daysBetween(doc.submittedOn, decidedOn),
        },
      ];
    })
    .sort(
      (a, b) =>
        (a.decidedOn < b.decidedOn ? -1 : a.decidedOn > b.decidedOn ? 1 : 0) ||
        (a.applicationId < b.applicationId ? -1 : 1),
    );
}

export interface Distribution {
  readonly count: number;
  readonly median: number | null;
  readonly p90: number | null;
}

/**
 * Nearest-rank percentiles (the smallest value with at least p% of the values at or below it): always a lead time
 * that actually occurred, in whole days, as a report states it.
 */
export function distributionOf(values: readonly (number | null)[]): Distribution {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  const rank = (p: number): number | null =>
    sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
  return { count: sorted.length, median: rank(50), p90: rank(90) };
}

export interface LeadTimeStats {
  readonly submissionToAcceptance: Distribution;
  readonly acceptanceToReferral: Distribution;
  readonly referralToDecision: Distribution;
  readonly submissionToDecision: Distribution;
}

export function leadTimeStats(times: readonly LeadTime[]): LeadTimeStats {
  return {
    submissionToAcceptance: distributionOf(times.map((t) => t.submissionToAcceptance)),
    acceptanceToReferral: distributionOf(times.map((t) => t.acceptanceToReferral)),
    referralToDecision: distributionOf(times.map((t) => t.referralToDecision)),
    submissionToDecision: distributionOf(times.map((t) => t.submissionToDecision)),
  };
}
