import type {
  ApplicationEvent,
  ApplicationKind,
  AuditBodyEvent,
  Decision,
  MeetingEvent,
  RulingConfirmationStatus,
  RulingSubject,
  ServiceEvent,
} from '@ismap/domain';
import { isBusinessDate } from '@ismap/domain';
import type { RecordedEvent } from '@ismap/event-store';
import type { Doc, DocRef, Projection, ReadModelTx } from '../projection';
import type { ReadView } from '../read-view';

export interface AgendaItem {
  readonly applicationId: string;
  /** Null only if the application's submission was never seen (a log that does not hold together). */
  readonly serviceId: string | null;
  readonly serviceName: string | null;
  readonly kind: ApplicationKind | null;
  readonly referredOn: string;
  /** The meeting's ruling on it, once recorded. */
  readonly rulingId: string | null;
  readonly decision: Decision | null;
}

export interface MeetingDoc {
  readonly meetingId: string;
  readonly number: number;
  readonly heldOn: string;
  readonly agenda: readonly AgendaItem[];
  /** In the order they were recorded. */
  readonly rulings: readonly string[];
}

export interface RulingDoc {
  readonly rulingId: string;
  readonly meetingId: string;
  readonly meetingNumber: number;
  readonly decidedOn: string;
  readonly subject: RulingSubject;
  /** The service or audit body name the subject had when the ruling was recorded, where known. */
  readonly subjectName: string | null;
  readonly decision: Decision;
  readonly rationale: string;
  readonly registrationNumber: string | null;
  /** The actor's `sub`: committee records are read by the review process only, never publicly. */
  readonly recordedBy: string;
  readonly recordedAt: string;
  readonly position: string;
  /** A heavy ruling (REVOKE, AUDIT_BODY_DELIST) acts only once a second secretariat member confirmed it. */
  readonly confirmation: RulingConfirmationStatus;
  readonly confirmedBy: string | null;
  readonly confirmedAt: string | null;
}

interface NameDoc {
  readonly id: string;
  readonly name: string;
  /** Applications only. */
  readonly serviceId?: string;
  readonly kind?: ApplicationKind;
}

export const MEETINGS = 'meetings';
export const RULINGS = 'rulings';
export const COMMITTEE_APPLICATIONS = 'applications';
export const COMMITTEE_SERVICES = 'services';
export const COMMITTEE_AUDIT_BODIES = 'auditBodies';
export const DECISIONS_INDEX = 'decisions';
export const RULING_SEQ = 'rulingSeq';

/**
 * Rulings sort by business date, then by the order they were recorded. Scores are doubles (Redis sorted sets), so
 * the date is packed as YYYYMMDD above a per-projection sequence: exact up to 10^7 rulings.
 */
const SEQ_SPAN = 10_000_000;
function dayKey(date: string): number {
  if (!isBusinessDate(date)) throw new RangeError(`${JSON.stringify(date)} is not a date YYYY-MM-DD`);
  return Number(date.replaceAll('-', ''));
}
export const decisionScore = (decidedOn: string, seq: number): number => dayKey(decidedOn) * SEQ_SPAN + seq;

const EVENT_TYPES = [
  'MeetingScheduled',
  'RulingRecorded',
  'RulingConfirmed',
  'ApplicationSubmitted',
  'ApplicationResubmitted',
  'ApplicationReferred',
  'ServiceRegistered',
  'ServiceChangeApproved',
  'AuditBodyApplied',
] as const satisfies readonly (ApplicationEvent | AuditBodyEvent | MeetingEvent | ServiceEvent)['type'][];

type Handled = Extract<
  ApplicationEvent | AuditBodyEvent | MeetingEvent | ServiceEvent,
  { type: (typeof EVENT_TYPES)[number] }
>;

function subjectRef(subject: RulingSubject): DocRef {
  switch (subject.kind) {
    case 'application':
      return { collection: COMMITTEE_APPLICATIONS, id: subject.applicationId };
    case 'service':
      return { collection: COMMITTEE_SERVICES, id: subject.serviceId };
    case 'auditBody':
      return { collection: COMMITTEE_AUDIT_BODIES, id: subject.auditBodyId };
  }
}

const getMeetingDoc = (tx: ReadModelTx, id: string): MeetingDoc | undefined =>
  tx.get(MEETINGS, id) as MeetingDoc | undefined;
const putName = (tx: ReadModelTx, collection: string, doc: NameDoc): void =>
  tx.put(collection, doc.id, doc as unknown as Doc);

export const committeeProjection: Projection = {
  name: 'committee',
  version: 1,
  eventTypes: EVENT_TYPES,
  onError: 'continue',

  prefetch(event: RecordedEvent): readonly DocRef[] {
    const e = event as unknown as Handled;
    // `default` also answers a direct call with a type outside `eventTypes`.
    switch (e.type) {
      case 'MeetingScheduled':
        return [{ collection: MEETINGS, id: e.data.meetingId }];
      case 'RulingRecorded':
        return [{ collection: MEETINGS, id: e.data.meetingId }, subjectRef(e.data.subject)];
      case 'RulingConfirmed':
        return [{ collection: RULINGS, id: e.data.rulingId }];
      case 'ApplicationResubmitted':
        return [{ collection: COMMITTEE_APPLICATIONS, id: e.data.applicationId }];
      case 'ApplicationReferred':
        return [
          { collection: MEETINGS, id: e.data.meetingId },
          { collection: COMMITTEE_APPLICATIONS, id: e.data.applicationId },
        ];
      case 'ApplicationSubmitted':
      case 'ServiceRegistered':
      case 'ServiceChangeApproved':
      case 'AuditBodyApplied':
      default:
        return [];
    }
  },

  counters(event: RecordedEvent): readonly string[] {
    return event.type === 'RulingRecorded' ? [RULING_SEQ] : [];
  },

  evolve(tx: ReadModelTx, event: RecordedEvent): void {
    const e = event as unknown as Handled;
    switch (e.type) {
      case 'ApplicationSubmitted':
        return putName(tx, COMMITTEE_APPLICATIONS, {
          id: e.data.applicationId,
          name: e.data.serviceName,
          serviceId: e.data.serviceId,
          kind: e.data.kind,
        });
      case 'ApplicationResubmitted': {
        const app = tx.get(COMMITTEE_APPLICATIONS, e.data.applicationId) as NameDoc | undefined;
        const name = e.data.changes.serviceName;
        if (app !== undefined && name !== undefined) putName(tx, COMMITTEE_APPLICATIONS, { ...app, name });
        return;
      }
      case 'ServiceRegistered':
      case 'ServiceChangeApproved':
        return putName(tx, COMMITTEE_SERVICES, { id: e.data.serviceId, name: e.data.serviceName });
      case 'AuditBodyApplied':
        return putName(tx, COMMITTEE_AUDIT_BODIES, { id: e.data.auditBodyId, name: e.data.name });
      case 'MeetingScheduled': {
        const existing = getMeetingDoc(tx, e.data.meetingId);
        const doc: MeetingDoc = {
          meetingId: e.data.meetingId,
          number: e.data.number,
          heldOn: e.data.heldOn,
          agenda: existing?.agenda ?? [],
          rulings: existing?.rulings ?? [],
        };
        tx.put(MEETINGS, doc.meetingId, doc as unknown as Doc);
        return;
      }
      case 'ApplicationReferred': {
        const d = e.data;
        const app = tx.get(COMMITTEE_APPLICATIONS, d.applicationId) as NameDoc | undefined;
        const meeting =
          getMeetingDoc(tx, d.meetingId) ?? emptyMeeting(d.meetingId, d.meetingNumber, d.meetingHeldOn);
        const item: AgendaItem = {
          applicationId: d.applicationId,
          serviceId: app?.serviceId ?? null,
          serviceName: app?.name ?? null,
          kind: app?.kind ?? null,
          referredOn: d.referredOn,
          rulingId: null,
          decision: null,
        };
        const doc: MeetingDoc = {
          ...meeting,
          agenda: [...meeting.agenda.filter((i) => i.applicationId !== d.applicationId), item],
        };
        tx.put(MEETINGS, doc.meetingId, doc as unknown as Doc);
        return;
      }
      case 'RulingRecorded': {
        const d = e.data;
        const seq = tx.increment(RULING_SEQ);
        const { collection, id } = subjectRef(d.subject);
        const named = tx.get(collection, id) as NameDoc | undefined;
        const ruling: RulingDoc = {
          rulingId: d.rulingId,
          meetingId: d.meetingId,
          meetingNumber: d.meetingNumber,
          decidedOn: d.decidedOn,
          subject: d.subject,
          subjectName: named?.name ?? null,
          decision: d.decision,
          rationale: d.rationale,
          registrationNumber: d.registrationNumber,
          recordedBy: event.metadata.actor.sub,
          recordedAt: event.metadata.recordedAt,
          position: event.position,
          confirmation: d.confirmation === 'REQUIRED' ? 'PENDING' : 'NONE',
          confirmedBy: null,
          confirmedAt: null,
        };
        tx.put(RULINGS, d.rulingId, ruling as unknown as Doc);
        tx.index(DECISIONS_INDEX, d.rulingId, decisionScore(d.decidedOn, seq));
        const meeting =
          getMeetingDoc(tx, d.meetingId) ?? emptyMeeting(d.meetingId, d.meetingNumber, d.decidedOn);
        const ruled = d.subject.kind === 'application' ? d.subject.applicationId : null;
        const doc: MeetingDoc = {
          ...meeting,
          agenda: meeting.agenda.map((item) =>
            item.applicationId === ruled ? { ...item, rulingId: d.rulingId, decision: d.decision } : item,
          ),
          rulings: [...meeting.rulings.filter((r) => r !== d.rulingId), d.rulingId],
        };
        tx.put(MEETINGS, doc.meetingId, doc as unknown as Doc);
        return;
      }
      case 'RulingConfirmed': {
        const ruling = tx.get(RULINGS, e.data.rulingId) as RulingDoc | undefined;
        if (ruling === undefined) return;
        const confirmed: RulingDoc = {
          ...ruling,
          confirmation: 'CONFIRMED',
          confirmedBy: e.data.confirmedBy,
          confirmedAt: e.data.confirmedAt,
        };
        tx.put(RULINGS, ruling.rulingId, confirmed as unknown as Doc);
        return;
      }
      default:
        return;
    }
  },
};

// A referral or ruling names its meeting's number and date, so the meeting is known even if its own event is not.
const emptyMeeting = (meetingId: string, number: number, heldOn: string): MeetingDoc => ({
  meetingId,
  number,
  heldOn,
  agenda: [],
  rulings: [],
});

// ---------------------------------------------------------------------------------------------------------------
// Queries

const PAGE = 500;

/** Every ruling decided within the inclusive business-date range, by date and then in the order recorded. */
export async function decisionHistory(
  view: ReadView,
  range: { readonly from?: string; readonly to?: string } = {},
): Promise<RulingDoc[]> {
  // Scores of a day D run from D·span + 1 upwards, so D·span is "just before D" and (D+1)·span "just after it".
  let after = range.from === undefined ? undefined : dayKey(range.from) * SEQ_SPAN;
  const end = range.to === undefined ? Number.POSITIVE_INFINITY : (dayKey(range.to) + 1) * SEQ_SPAN;
  const rulings: RulingDoc[] = [];
  for (;;) {
    const page = await view.range(DECISIONS_INDEX, {
      ...(after === undefined ? {} : { after }),
      limit: PAGE,
    });
    const inRange = page.filter((entry) => entry.score < end);
    const docs = await view.getMany(
      RULINGS,
      inRange.map((entry) => entry.member),
    );
    for (const doc of docs) if (doc !== undefined) rulings.push(doc as unknown as RulingDoc);
    const last = page[page.length - 1];
    if (last === undefined || page.length < PAGE || inRange.length < page.length) return rulings;
    after = last.score;
  }
}

export interface MeetingView extends Omit<MeetingDoc, 'rulings'> {
  readonly rulings: readonly RulingDoc[];
}

/** The meeting with its agenda and its rulings in the order recorded. */
export async function getMeeting(view: ReadView, meetingId: string): Promise<MeetingView | undefined> {
  const meeting = (await view.get(MEETINGS, meetingId)) as MeetingDoc | undefined;
  if (meeting === undefined) return undefined;
  const rulings = await view.getMany(RULINGS, meeting.rulings);
  return {
    meetingId: meeting.meetingId,
    number: meeting.number,
    heldOn: meeting.heldOn,
    agenda: meeting.agenda,
    rulings: rulings.filter((r): r is Doc => r !== undefined) as unknown as RulingDoc[],
  };
}

export async function listMeetings(view: ReadView): Promise<MeetingDoc[]> {
  const meetings = (await view.all(MEETINGS)) as unknown as MeetingDoc[];
  return meetings.sort((a, b) => a.number - b.number);
}
