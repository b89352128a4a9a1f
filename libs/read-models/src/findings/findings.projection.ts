import type { ApplicationEvent, Assessment, FindingKind, FindingResolution, Period } from '@ismap/domain';
import type { RecordedEvent } from '@ismap/event-store';
import type { Doc, DocRef, Projection, ReadModelTx } from '../projection';
import type { ReadView } from '../read-view';

export type FindingStatusName = 'OPEN' | 'RESPONDED' | 'RESOLVED' | 'RISK_ACCEPTED';

/** One finding of any audit cycle. Never public (DOMAIN.md "Lists"): the edge decides who reads it. */
export interface FindingDoc {
  readonly findingId: string;
  readonly applicationId: string;
  readonly serviceId: string;
  readonly providerId: string;
  /** The audit body that recorded it; for review findings, the one named in the application then. */
  readonly auditBodyId: string;
  readonly source: 'AUDIT' | 'REVIEW';
  readonly controlId: string | null;
  /** Audit findings only. */
  readonly assessment: Assessment | null;
  /** Audit findings only. */
  readonly kind: FindingKind | null;
  readonly description: string;
  readonly evidenceRefs: readonly string[];
  readonly status: FindingStatusName;
  readonly responses: readonly { readonly correctiveAction: string; readonly respondedOn: string }[];
  readonly resolution: {
    readonly resolution: FindingResolution;
    readonly note: string;
    readonly resolvedOn: string;
  } | null;
  readonly recordedOn: string;
  /** The audit cycle: the audit period of its application when the finding was recorded. */
  readonly auditPeriod: Period;
}

/** What this projection needs to know about an application to place its findings. */
export interface FindingApplicationDoc {
  readonly applicationId: string;
  readonly serviceId: string;
  readonly providerId: string;
  readonly auditBodyId: string;
  readonly auditPeriod: Period;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const FINDINGS = 'findings';
export const FINDING_APPLICATIONS = 'applications';

const EVENT_TYPES = [
  'ApplicationSubmitted',
  'ApplicationResubmitted',
  'AuditFindingRecorded',
  'ReviewFindingRaised',
  'FindingResponded',
  'FindingResolved',
] as const satisfies readonly ApplicationEvent['type'][];

type Handled = Extract<ApplicationEvent, { type: (typeof EVENT_TYPES)[number] }>;

function updateFinding(tx: ReadModelTx, id: string, change: (doc: FindingDoc) => Partial<FindingDoc>): void {
  const doc = tx.get(FINDINGS, id) as FindingDoc | undefined;
  if (doc !== undefined) tx.put(FINDINGS, id, { ...doc, ...change(doc) });
}

export const findingsProjection: Projection = {
  name: 'findings',
  version: 1,
  eventTypes: EVENT_TYPES,
  onError: 'continue',

  prefetch(event: RecordedEvent): readonly DocRef[] {
    const e = event as unknown as Handled;
    // `default` also answers a direct call with a type outside `eventTypes`.
    switch (e.type) {
      case 'ApplicationResubmitted':
      case 'AuditFindingRecorded':
      case 'ReviewFindingRaised':
        return [{ collection: FINDING_APPLICATIONS, id: e.data.applicationId }];
      case 'FindingResponded':
      case 'FindingResolved':
        return [{ collection: FINDINGS, id: e.data.findingId }];
      case 'ApplicationSubmitted':
      default:
        return [];
    }
  },

  evolve(tx: ReadModelTx, event: RecordedEvent): void {
    const e = event as unknown as Handled;
    switch (e.type) {
      case 'ApplicationSubmitted': {
        const d = e.data;
        const doc: FindingApplicationDoc = {
          applicationId: d.applicationId,
          serviceId: d.serviceId,
          providerId: d.providerId,
          auditBodyId: d.auditBodyId,
          auditPeriod: d.auditPeriod,
        };
        tx.put(FINDING_APPLICATIONS, d.applicationId, doc as unknown as Doc);
        return;
      }
      case 'ApplicationResubmitted': {
        const app = tx.get(FINDING_APPLICATIONS, e.data.applicationId) as FindingApplicationDoc | undefined;
        if (app === undefined) return;
        const { auditBodyId, auditPeriod } = e.data.changes;
        if (auditBodyId === undefined && auditPeriod === undefined) return;
        // Findings recorded before the return keep the cycle they were found in: they belong to that audit.
        const next: FindingApplicationDoc = {
          ...app,
          auditBodyId: auditBodyId ?? app.auditBodyId,
          auditPeriod: auditPeriod ?? app.auditPeriod,
        };
        tx.put(FINDING_APPLICATIONS, app.applicationId, next as unknown as Doc);
        return;
      }
      case 'AuditFindingRecorded':
      case 'ReviewFindingRaised': {
        const app = tx.get(FINDING_APPLICATIONS, e.data.applicationId) as FindingApplicationDoc | undefined;
        if (app === undefined) {
          throw new Error(`finding ${e.data.findingId}: application ${e.data.applicationId} is unknown`);
        }
        const audit = e.type === 'AuditFindingRecorded' ? e.data : null;
        const doc: FindingDoc = {
          findingId: e.data.findingId,
          applicationId: e.data.applicationId,
          serviceId: e.data.serviceId,
          providerId: app.providerId,
          auditBodyId: audit?.auditBodyId ?? app.auditBodyId,
          source: audit === null ? 'REVIEW' : 'AUDIT',
          controlId: e.data.controlId,
          assessment: audit?.assessment ?? null,
          kind: audit?.kind ?? null,
          description: e.data.description,
          evidenceRefs: audit?.evidenceRefs ?? [],
          status: 'OPEN',
          responses: [],
          resolution: null,
          recordedOn: e.type === 'AuditFindingRecorded' ? e.data.recordedOn : e.data.raisedOn,
          auditPeriod: app.auditPeriod,
        };
        tx.put(FINDINGS, doc.findingId, doc as unknown as Doc);
        return;
      }
      case 'FindingResponded':
        return updateFinding(tx, e.data.findingId, (doc) => ({
          status: 'RESPONDED',
          responses: [
            ...doc.responses,
            { correctiveAction: e.data.correctiveAction, respondedOn: e.data.respondedOn },
          ],
        }));
      case 'FindingResolved':
        return updateFinding(tx, e.data.findingId, () => ({
          status: e.data.resolution,
          resolution: { resolution: e.data.resolution, note: e.data.note, resolvedOn: e.data.resolvedOn },
        }));
      default:
        return;
    }
  },
};

export interface FindingFilters {
  readonly serviceId?: string;
  /** Exact, or a prefix by whole dotted segments: `9.2` finds `9.2.3.11.PB` but not `9.20.1`. */
  readonly controlId?: string;
  readonly auditBodyId?: string;
  readonly status?: FindingStatusName;
  readonly kind?: FindingKind;
  readonly providerId?: string;
  readonly applicationId?: string;
  readonly source?: 'AUDIT' | 'REVIEW';
  /**
   * What an audit body may read (API.md `GET /findings`): its own findings, and every finding of the services it
   * is currently named to audit (the edge knows which, from the applications read model).
   */
  readonly visibleToAuditBody?: { readonly auditBodyId: string; readonly serviceIds: readonly string[] };
}

export function controlIdMatches(controlId: string | null, filter: string): boolean {
  if (controlId === null) return false;
  return controlId === filter || controlId.startsWith(`${filter}.`);
}

/** Clause numbers compare as numbers (`9.2` before `9.10`); a suffix after its bare control; no control last. */
export function compareControlIds(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const m = Number(p);
    const n = Number(q);
    const difference =
      Number.isInteger(m) && Number.isInteger(n)
        ? m - n
        : Number.isInteger(m)
          ? -1
          : Number.isInteger(n)
            ? 1
            : compareText(p, q);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Findings of every audit cycle matching every given filter, by service, then cycle, then control. */
export async function listFindings(view: ReadView, filters: FindingFilters = {}): Promise<FindingDoc[]> {
  const docs = (await view.all(FINDINGS)) as unknown as FindingDoc[];
  const { controlId } = filters;
  const audience =
    filters.visibleToAuditBody === undefined
      ? undefined
      : {
          auditBodyId: filters.visibleToAuditBody.auditBodyId,
          serviceIds: new Set(filters.visibleToAuditBody.serviceIds),
        };
  return docs
    .filter(
      (doc) =>
        (filters.serviceId === undefined || doc.serviceId === filters.serviceId) &&
        (controlId === undefined || controlIdMatches(doc.controlId, controlId)) &&
        (filters.auditBodyId === undefined || doc.auditBodyId === filters.auditBodyId) &&
        (filters.status === undefined || doc.status === filters.status) &&
        (filters.kind === undefined || doc.kind === filters.kind) &&
        (filters.providerId === undefined || doc.providerId === filters.providerId) &&
        (filters.applicationId === undefined || doc.applicationId === filters.applicationId) &&
        (filters.source === undefined || doc.source === filters.source) &&
        (audience === undefined ||
          doc.auditBodyId === audience.auditBodyId ||
          audience.serviceIds.has(doc.serviceId)),
    )
    .sort(
      (a, b) =>
        compareText(a.serviceId, b.serviceId) ||
        compareText(a.auditPeriod.start, b.auditPeriod.start) ||
        compareText(a.auditPeriod.end, b.auditPeriod.end) ||
        compareControlIds(a.controlId, b.controlId) ||
        compareFindingIds(a.findingId, b.findingId),
    );
}

export async function getFinding(view: ReadView, findingId: string): Promise<FindingDoc | undefined> {
  return (await view.get(FINDINGS, findingId)) as FindingDoc | undefined;
}

// Finding ids are `<applicationId>.F<n>`: F2 comes before F10.
function compareFindingIds(a: string, b: string): number {
  const split = (id: string): [string, number] => {
    const at = id.lastIndexOf('.F');
    return at < 0 ? [id, 0] : [id.slice(0, at), Number(id.slice(at + 2))];
  };
  const [appA, nA] = split(a);
  const [appB, nB] = split(b);
  return compareText(appA, appB) || nA - nB;
}
