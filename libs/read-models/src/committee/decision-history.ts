/**
 * The committee's decision history, written once for every edge: the API serves it from the live read model, the
 * secretariat's `cli replay` from the log replayed in memory (optionally only up to a log position). Both go through
 * `selectDecisions`, so a filter means the same thing everywhere.
 */
import type { Decision, RulingConfirmationStatus, RulingSubject } from '@ismap/domain';
import type { EventStore, Position } from '@ismap/event-store';
import { memoryView } from '../memory-read-model';
import type { ReadView } from '../read-view';
import { replayInMemory } from '../time-travel';
import type { MeetingDoc, RulingDoc } from './committee.projection';
import {
  COMMITTEE_APPLICATIONS,
  committeeProjection,
  decisionHistory,
  MEETINGS,
} from './committee.projection';

export interface DecisionQuery {
  /** Inclusive business dates (YYYY-MM-DD). */
  readonly from?: string;
  readonly to?: string;
  /** Only rulings about this service: on the service itself, or on an application that names it. */
  readonly serviceId?: string;
}

/** `from` after `to`: a range that cannot hold anything is a caller's mistake, not an empty answer. */
export const isReversedRange = (query: DecisionQuery): boolean =>
  query.from !== undefined && query.to !== undefined && query.from > query.to;

/** The service each ruling is about, where it is about one (audit-body rulings are not). */
async function servicesOf(view: ReadView, rulings: readonly RulingDoc[]): Promise<Map<string, string>> {
  const applicationIds = [
    ...new Set(rulings.flatMap((r) => (r.subject.kind === 'application' ? [r.subject.applicationId] : []))),
  ];
  const applications = await view.getMany(COMMITTEE_APPLICATIONS, applicationIds);
  const serviceOfApplication = new Map<string, string>();
  applicationIds.forEach((id, i) => {
    const serviceId = applications[i]?.['serviceId'];
    if (typeof serviceId === 'string') serviceOfApplication.set(id, serviceId);
  });
  const services = new Map<string, string>();
  for (const ruling of rulings) {
    const serviceId =
      ruling.subject.kind === 'service'
        ? ruling.subject.serviceId
        : ruling.subject.kind === 'application'
          ? serviceOfApplication.get(ruling.subject.applicationId)
          : undefined;
    if (serviceId !== undefined) services.set(ruling.rulingId, serviceId);
  }
  return services;
}

/** Rulings in the range (and about the service), by business date and then in the order recorded. */
export async function selectDecisions(view: ReadView, query: DecisionQuery): Promise<RulingDoc[]> {
  const rulings = await decisionHistory(view, {
    ...(query.from === undefined ? {} : { from: query.from }),
    ...(query.to === undefined ? {} : { to: query.to }),
  });
  if (query.serviceId === undefined) return rulings;
  const services = await servicesOf(view, rulings);
  return rulings.filter((r) => services.get(r.rulingId) === query.serviceId);
}

/** The API's answer to `GET /committee/decisions`. */
export async function listDecisions(
  view: ReadView,
  query: DecisionQuery,
): Promise<{ count: number; decisions: RulingDoc[] }> {
  const decisions = await selectDecisions(view, query);
  return { count: decisions.length, decisions };
}

// ---------------------------------------------------------------------------------------------------------------
// The timeline: the same rulings grouped by meeting, each with a subject a reader can recognise.

export interface TimelineSubject {
  readonly kind: RulingSubject['kind'];
  /** The application, service or audit body id. */
  readonly id: string;
  /** The service or audit body name when the ruling was recorded, where known. */
  readonly name: string | null;
  /** The service the ruling is about (for an application: the service it names), where there is one. */
  readonly serviceId: string | null;
}

export interface TimelineRuling {
  readonly rulingId: string;
  readonly decidedOn: string;
  readonly decision: Decision;
  readonly subject: TimelineSubject;
  readonly registrationNumber: string | null;
  readonly rationale: string;
  readonly recordedBy: string;
  readonly recordedAt: string;
  /** The log position of the ruling: `--as-of-position` with it shows the history as known right after it. */
  readonly position: string;
  readonly confirmation: RulingConfirmationStatus;
  readonly confirmedBy: string | null;
  readonly confirmedAt: string | null;
}

export interface TimelineMeeting {
  readonly meetingId: string;
  readonly number: number;
  readonly heldOn: string;
  readonly rulings: readonly TimelineRuling[];
}

export interface DecisionTimeline {
  readonly from: string | null;
  readonly to: string | null;
  readonly serviceId: string | null;
  /** Null: everything recorded; otherwise the history as known at this log position (inclusive). */
  readonly asOfPosition: string | null;
  readonly meetingCount: number;
  readonly rulingCount: number;
  readonly meetings: readonly TimelineMeeting[];
}

const subjectId = (subject: RulingSubject): string => {
  switch (subject.kind) {
    case 'application':
      return subject.applicationId;
    case 'service':
      return subject.serviceId;
    case 'auditBody':
      return subject.auditBodyId;
  }
};

/** The selected rulings grouped by meeting; meetings in the order of their first ruling, rulings as selected. */
export async function decisionTimeline(
  view: ReadView,
  query: DecisionQuery,
  asOfPosition: Position | null = null,
): Promise<DecisionTimeline> {
  const rulings = await selectDecisions(view, query);
  const services = await servicesOf(view, rulings);
  const meetingIds = [...new Set(rulings.map((r) => r.meetingId))];
  const meetingDocs = await view.getMany(MEETINGS, meetingIds);
  const meetings = new Map<
    string,
    { meetingId: string; number: number; heldOn: string; rulings: TimelineRuling[] }
  >();
  meetingIds.forEach((meetingId, i) => {
    const doc = meetingDocs[i] as MeetingDoc | undefined;
    const first = rulings.find((r) => r.meetingId === meetingId)!;
    meetings.set(meetingId, {
      meetingId,
      number: doc?.number ?? first.meetingNumber,
      heldOn: doc?.heldOn ?? first.decidedOn,
      rulings: [],
    });
  });
  for (const r of rulings) {
    meetings.get(r.meetingId)!.rulings.push({
      rulingId: r.rulingId,
      decidedOn: r.decidedOn,
      decision: r.decision,
      subject: {
        kind: r.subject.kind,
        id: subjectId(r.subject),
        name: r.subjectName,
        serviceId: services.get(r.rulingId) ?? null,
      },
      registrationNumber: r.registrationNumber,
      rationale: r.rationale,
      recordedBy: r.recordedBy,
      recordedAt: r.recordedAt,
      position: r.position,
      confirmation: r.confirmation,
      confirmedBy: r.confirmedBy,
      confirmedAt: r.confirmedAt,
    });
  }
  return {
    from: query.from ?? null,
    to: query.to ?? null,
    serviceId: query.serviceId ?? null,
    asOfPosition,
    meetingCount: meetings.size,
    rulingCount: rulings.length,
    meetings: [...meetings.values()],
  };
}

/**
 * The timeline from the log itself, not from Redis: the committee projection replayed in memory, up to
 * `atPosition` when given (what the system knew then), with the very evolve the live read model runs.
 */
export async function replayDecisionTimeline(
  store: EventStore,
  query: DecisionQuery & { readonly atPosition?: Position },
): Promise<DecisionTimeline> {
  const { atPosition, ...selection } = query;
  const model = await replayInMemory(
    store,
    committeeProjection,
    atPosition === undefined ? {} : { atPosition },
  );
  return decisionTimeline(memoryView(model), selection, atPosition ?? null);
}
