import type { ApplicationEvent, ApplicationKind, Decision, Track } from '@ismap/domain';
import { daysBetween } from '@ismap/domain';
import type { RecordedEvent } from '@ismap/event-store';
import type { Doc, DocRef, Projection, ReadModelTx } from '../projection';
import type { ReadView } from '../read-view';

export type ApplicationStatusName =
  'SUBMITTED' | 'RETURNED' | 'ACCEPTED' | 'REFERRED' | 'DECIDED' | 'WITHDRAWN';

/** One application as the IPA's work queue shows it. */
export interface ApplicationDoc {
  readonly applicationId: string;
  readonly kind: ApplicationKind;
  readonly track: Track;
  readonly serviceId: string;
  readonly providerId: string;
  readonly auditBodyId: string;
  readonly serviceName: string;
  readonly status: ApplicationStatusName;
  readonly decision: Decision | null;
  readonly registrationNumber: string | null;
  readonly submittedOn: string;
  /** The latest resubmission after a return; null while the first submission stands. */
  readonly resubmittedOn: string | null;
  readonly acceptedOn: string | null;
  readonly referredTo: {
    readonly meetingId: string;
    readonly number: number;
    readonly heldOn: string;
  } | null;
  readonly referredOn: string | null;
  readonly decidedOn: string | null;
  readonly withdrawnOn: string | null;
  readonly returns: number;
  readonly deferrals: number;
  readonly openFindings: number;
  readonly totalFindings: number;
  readonly lastActivityOn: string;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const APPLICATIONS = 'applications';

const EVENT_TYPES: readonly ApplicationEvent['type'][] = [
  'ApplicationSubmitted',
  'ApplicationAccepted',
  'ApplicationReturned',
  'ApplicationResubmitted',
  'AuditFindingRecorded',
  'ReviewFindingRaised',
  'FindingResponded',
  'FindingResolved',
  'ApplicationReferred',
  'ApplicationWithdrawn',
  'ApplicationDeferred',
  'ApplicationDecided',
];

const later = (a: string, b: string): string => (a > b ? a : b);

function update(
  tx: ReadModelTx,
  id: string,
  date: string,
  change: (doc: ApplicationDoc) => Partial<ApplicationDoc>,
): void {
  const doc = tx.get(APPLICATIONS, id) as ApplicationDoc | undefined;
  if (doc === undefined) return;
  const next: ApplicationDoc = { ...doc, ...change(doc), lastActivityOn: later(doc.lastActivityOn, date) };
  tx.put(APPLICATIONS, id, next as unknown as Doc);
}

export const applicationsProjection: Projection = {
  name: 'applications',
  version: 1,
  eventTypes: EVENT_TYPES,
  onError: 'continue',

  prefetch(event: RecordedEvent): readonly DocRef[] {
    if (event.type === 'ApplicationSubmitted') return [];
    const applicationId = event.data['applicationId'];
    return typeof applicationId === 'string' ? [{ collection: APPLICATIONS, id: applicationId }] : [];
  },

  evolve(tx: ReadModelTx, event: RecordedEvent): void {
    const e = event as unknown as ApplicationEvent;
    switch (e.type) {
      case 'ApplicationSubmitted': {
        const d = e.data;
        const doc: ApplicationDoc = {
          applicationId: d.applicationId,
          kind: d.kind,
          track: d.track,
          serviceId: d.serviceId,
          providerId: d.providerId,
          auditBodyId: d.auditBodyId,
          serviceName: d.serviceName,
          status: 'SUBMITTED',
          decision: null,
          registrationNumber: null,
          submittedOn: d.submittedOn,
          resubmittedOn: null,
          acceptedOn: null,
          referredTo: null,
          referredOn: null,
          decidedOn: null,
          withdrawnOn: null,
          returns: 0,
          deferrals: 0,
          openFindings: 0,
          totalFindings: 0,
          lastActivityOn: d.submittedOn,
        };
        tx.put(APPLICATIONS, d.applicationId, doc as unknown as Doc);
        return;
      }
      case 'ApplicationAccepted':
        return update(tx, e.data.applicationId, e.data.acceptedOn, () => ({
          status: 'ACCEPTED',
          acceptedOn: e.data.acceptedOn,
        }));
      case 'ApplicationReturned':
        return update(tx, e.data.applicationId, e.data.returnedOn, (doc) => ({
          status: 'RETURNED',
          returns: doc.returns + 1,
        }));
      case 'ApplicationResubmitted': {
        const { changes } = e.data;
        return update(tx, e.data.applicationId, e.data.resubmittedOn, (doc) => ({
          status: 'SUBMITTED',
          resubmittedOn: e.data.resubmittedOn,
          serviceName: changes.serviceName ?? doc.serviceName,
          auditBodyId: changes.auditBodyId ?? doc.auditBodyId,
        }));
      }
      case 'AuditFindingRecorded':
      case 'ReviewFindingRaised': {
        const date = e.type === 'AuditFindingRecorded' ? e.data.recordedOn : e.data.raisedOn;
        return update(tx, e.data.applicationId, date, (doc) => ({
          openFindings: doc.openFindings + 1,
          totalFindings: doc.totalFindings + 1,
        }));
      }
      case 'FindingResponded':
        // A response does not close a finding: only the reviewer's resolution does.
        return update(tx, e.data.applicationId, e.data.respondedOn, () => ({}));
      case 'FindingResolved':
        // The decider resolves only open findings, so every resolution closes exactly one.
        return update(tx, e.data.applicationId, e.data.resolvedOn, (doc) => ({
          openFindings: Math.max(0, doc.openFindings - 1),
        }));
      case 'ApplicationReferred':
        return update(tx, e.data.applicationId, e.data.referredOn, () => ({
          status: 'REFERRED',
          referredTo: {
            meetingId: e.data.meetingId,
            number: e.data.meetingNumber,
            heldOn: e.data.meetingHeldOn,
          },
          referredOn: e.data.referredOn,
        }));
      case 'ApplicationDeferred':
        // DEFER sends the application back to the IPA's queue until it is referred to a later meeting.
        return update(tx, e.data.applicationId, e.data.deferredOn, (doc) => ({
          status: 'ACCEPTED',
          referredTo: null,
          deferrals: doc.deferrals + 1,
        }));
      case 'ApplicationDecided':
        return update(tx, e.data.applicationId, e.data.decidedOn, () => ({
          status: 'DECIDED',
          decision: e.data.decision,
          registrationNumber: e.data.registrationNumber,
          decidedOn: e.data.decidedOn,
        }));
      case 'ApplicationWithdrawn':
        return update(tx, e.data.applicationId, e.data.withdrawnOn, () => ({
          status: 'WITHDRAWN',
          withdrawnOn: e.data.withdrawnOn,
        }));
      default:
        return;
    }
  },
};

export interface ApplicationFilters {
  readonly status?: ApplicationStatusName;
  readonly providerId?: string;
  readonly auditBodyId?: string;
  readonly kind?: ApplicationKind;
  readonly track?: Track;
  readonly serviceId?: string;
}

/** Applications matching every given filter, oldest submission first (the order the queue is worked in). */
export async function listApplications(
  view: ReadView,
  filters: ApplicationFilters = {},
): Promise<ApplicationDoc[]> {
  const docs = (await view.all(APPLICATIONS)) as unknown as ApplicationDoc[];
  return docs
    .filter(
      (doc) =>
        (filters.status === undefined || doc.status === filters.status) &&
        (filters.providerId === undefined || doc.providerId === filters.providerId) &&
        (filters.auditBodyId === undefined || doc.auditBodyId === filters.auditBodyId) &&
        (filters.kind === undefined || doc.kind === filters.kind) &&
        (filters.track === undefined || doc.track === filters.track) &&
        (filters.serviceId === undefined || doc.serviceId === filters.serviceId),
    )
    .sort(
      (a, b) => compareText(a.submittedOn, b.submittedOn) || compareText(a.applicationId, b.applicationId),
    );
}

export async function getApplication(
  view: ReadView,
  applicationId: string,
): Promise<ApplicationDoc | undefined> {
  return (await view.get(APPLICATIONS, applicationId)) as ApplicationDoc | undefined;
}

/**
 * Days the current version of the application has waited: from its latest (re)submission — a return hands it
 * back to the provider, and the corrected version starts a new wait — to `today`, or to the day it was decided or
 * withdrawn, where its age stops.
 */
export function ageInDays(doc: ApplicationDoc, today: string): number {
  const from = doc.resubmittedOn ?? doc.submittedOn;
  const until = doc.decidedOn ?? doc.withdrawnOn ?? today;
  return Math.max(0, daysBetween(from, until));
}
