import type {
  ApplicationEvent,
  AuditBodyEvent,
  MeetingEvent,
  ProviderEvent,
  RegistryEvent,
  RulingSubject,
  ServiceEvent,
} from '@ismap/domain';
import type { RecordedEvent } from '@ismap/event-store';
import type { Doc, DocRef, Projection, ReadModelTx } from '../projection';
import type { ReadView } from '../read-view';

export type SubjectKind = 'provider' | 'auditBody' | 'application' | 'service' | 'meeting' | 'registry';

export interface TrailSubject {
  /** `other` only for a stream category this projection does not know (the entry is kept all the same). */
  readonly kind: SubjectKind | 'other';
  readonly id: string;
}

/** One recorded event, enriched for people reading the trail. */
export interface TrailEntry {
  /** 1, 2, 3… in the order the trail saw the events: the cursor of the trail's pages. */
  readonly seq: number;
  readonly position: string;
  readonly eventId: string;
  readonly type: string;
  readonly streamName: string;
  readonly revision: number;
  readonly subject: TrailSubject;
  /** The service the event concerns, where one is known (its own stream, its applications, rulings on them). */
  readonly serviceId: string | null;
  readonly actor: { readonly sub: string; readonly roles: readonly string[]; readonly org: string | null };
  readonly occurredOn: string;
  readonly recordedAt: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly summary: string;
}

export const TRAIL_ENTRIES = 'entries';
/** applicationId → serviceId, so an application's events land in its service's history. */
export const TRAIL_APPLICATIONS = 'applications';
/** The last sequence number given: entries are numbered 1, 2, 3… with no gap, so it is also their count. */
export const TRAIL_SEQ = 'seq';
export const actorIndex = (sub: string): string => `actor:${sub}`;
export const subjectIndex = (subject: TrailSubject): string => `subject:${subject.kind}:${subject.id}`;
export const typeIndex = (type: string): string => `type:${type}`;
export const serviceIndex = (serviceId: string): string => `service:${serviceId}`;

/**
 * An index name per value, built once: evolve files every event under four or five indexes, and a name built per
 * event is a fresh string the read model must flatten and hash again. Bounded, so a long life stays small.
 */
function remembered<T = string>(name: (key: string) => T, limit = 4096): (key: string) => T {
  const names = new Map<string, T>();
  return (key) => {
    let value = names.get(key);
    if (value === undefined) {
      if (names.size >= limit) names.clear();
      value = name(key);
      names.set(key, value);
    }
    return value;
  };
}

const actorIndexOf = remembered(actorIndex);
const typeIndexOf = remembered(typeIndex);
const serviceIndexOf = remembered(serviceIndex);
/** One string per service id: an entry keeps the shared one, not the copy its event's data was parsed into. */
const sharedText = remembered((value) => value);

/*
 * The trail keeps every entry for good, so what an entry holds is what the garbage collector moves and marks again
 * and again during a replay (a million entries in a rebuild into memory). Parts that recur from event to event (a
 * stream's name and subject, an actor) are built once and shared by the entries, frozen: equal JSON, a fraction of
 * the objects. Bounded like the index names above.
 */
interface StreamFacts {
  readonly streamName: string;
  readonly subject: TrailSubject;
  readonly subjectIndex: string;
}

const streamFacts = remembered<StreamFacts>((streamName) => {
  const subject = Object.freeze(subjectOf(streamName));
  return { streamName, subject, subjectIndex: subjectIndex(subject) };
}, 16_384);

type TrailActor = TrailEntry['actor'];
const ACTORS_REMEMBERED = 4096;
const actors = new Map<string, TrailActor>();

function sameActor(kept: TrailActor, sub: string, roles: readonly string[], org: string | null): boolean {
  if (kept.sub !== sub || kept.org !== org || kept.roles.length !== roles.length) return false;
  for (let i = 0; i < roles.length; i++) if (kept.roles[i] !== roles[i]) return false;
  return true;
}

function trailActor(actor: RecordedEvent['metadata']['actor']): TrailActor {
  const org = actor.org ?? null;
  let kept = actors.get(actor.sub);
  if (kept === undefined || !sameActor(kept, actor.sub, actor.roles, org)) {
    if (actors.size >= ACTORS_REMEMBERED) actors.clear();
    kept = Object.freeze({ sub: actor.sub, roles: Object.freeze([...actor.roles]), org });
    actors.set(actor.sub, kept);
  }
  return kept;
}

/** Written by `flattened` so that the conversion doing its work is not dropped as unused. */
let _lastConversion = 0;

/**
 * V8 keeps a string built by concatenation as a tree of its pieces (each piece keeping alive the event field it
 * came from) until something reads it whole. Converting it to a number reads it whole and leaves it flat: a kept
 * summary is then one string instead of a dozen objects. The text is unchanged either way.
 */
function flattened(text: string): string {
  _lastConversion = Number(text);
  return text;
}

const CATEGORIES: Readonly<Record<string, SubjectKind>> = {
  provider: 'provider',
  auditbody: 'auditBody',
  application: 'application',
  service: 'service',
  meeting: 'meeting',
  registry: 'registry',
};

/** Idempotency records are the edge's bookkeeping, not facts of the programme. */
const isOperational = (streamName: string): boolean => streamName.startsWith('idempotency-');

export function subjectOf(streamName: string): TrailSubject {
  const dash = streamName.indexOf('-');
  const kind = dash < 0 ? undefined : CATEGORIES[streamName.slice(0, dash)];
  return kind === undefined ? { kind: 'other', id: streamName } : { kind, id: streamName.slice(dash + 1) };
}

type KnownEvent =
  ApplicationEvent | AuditBodyEvent | MeetingEvent | ProviderEvent | RegistryEvent | ServiceEvent;

// The trail takes every event, so it reads event data defensively: a malformed event still gets its entry.
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

type Fields = { readonly [key: string]: unknown };
const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function ruledSubject(event: RecordedEvent): Fields | null {
  if (event.type !== 'RulingRecorded' && event.type !== 'RulingConfirmed') return null;
  const subject: unknown = event.data['subject'];
  return isFields(subject) ? subject : null;
}

function ruledApplicationId(event: RecordedEvent): string | null {
  const subject = ruledSubject(event);
  return subject?.['kind'] === 'application' ? text(subject['applicationId']) : null;
}

export const auditTrailProjection: Projection = {
  name: 'audit-trail',
  // 2: no index of all entries (sequence numbers have no gap: the unfiltered trail is read by number).
  version: 2,
  // A skipped event would leave a hole in the trail's numbering that no one notices; a stalled trail is seen.
  onError: 'stop',

  prefetch(event: RecordedEvent): readonly DocRef[] {
    if (isOperational(event.streamName)) return [];
    const subject = subjectOf(event.streamName);
    if (subject.kind === 'application') return [{ collection: TRAIL_APPLICATIONS, id: subject.id }];
    const applicationId = ruledApplicationId(event);
    return applicationId === null ? [] : [{ collection: TRAIL_APPLICATIONS, id: applicationId }];
  },

  counters(event: RecordedEvent): readonly string[] {
    return isOperational(event.streamName) ? [] : [TRAIL_SEQ];
  },

  evolve(tx: ReadModelTx, event: RecordedEvent): void {
    if (isOperational(event.streamName)) return;
    const stream = streamFacts(event.streamName);
    const { subject } = stream;
    const service = serviceOf(tx, event, subject);
    const serviceId = service === null ? null : sharedText(service);
    const seq = tx.increment(TRAIL_SEQ);
    const actor = trailActor(event.metadata.actor);
    // The stores hand out one string per event type already.
    const { type } = event;
    const entry: TrailEntry = {
      seq,
      position: event.position,
      eventId: event.id,
      type,
      streamName: stream.streamName,
      revision: event.revision,
      subject,
      serviceId,
      actor,
      occurredOn: event.metadata.occurredOn,
      recordedAt: event.metadata.recordedAt,
      correlationId: event.metadata.correlationId,
      causationId: event.metadata.causationId,
      summary: flattened(safeSummary(event)),
    };
    const member = String(seq);
    tx.put(TRAIL_ENTRIES, member, entry as unknown as Doc);
    tx.index(actorIndexOf(actor.sub), member, seq);
    tx.index(stream.subjectIndex, member, seq);
    tx.index(typeIndexOf(type), member, seq);
    if (serviceId !== null) tx.index(serviceIndexOf(serviceId), member, seq);
  },
};

function serviceOf(tx: ReadModelTx, event: RecordedEvent, subject: TrailSubject): string | null {
  if (subject.kind === 'service') return subject.id;
  if (subject.kind === 'application') {
    const serviceId = text(event.data['serviceId']);
    if (event.type === 'ApplicationSubmitted' && serviceId !== null) {
      tx.put(TRAIL_APPLICATIONS, subject.id, { applicationId: subject.id, serviceId });
      return serviceId;
    }
    return serviceOfApplication(tx, subject.id);
  }
  const ruled = ruledSubject(event);
  if (ruled?.['kind'] === 'service') return text(ruled['serviceId']);
  const applicationId = ruledApplicationId(event);
  return applicationId === null ? null : serviceOfApplication(tx, applicationId);
}

function serviceOfApplication(tx: ReadModelTx, applicationId: string): string | null {
  const doc = tx.get(TRAIL_APPLICATIONS, applicationId);
  const serviceId = doc?.['serviceId'];
  return typeof serviceId === 'string' ? serviceId : null;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function describeSubject(subject: RulingSubject): string {
  switch (subject.kind) {
    case 'application':
      return `application ${subject.applicationId}`;
    case 'service':
      return `service ${subject.serviceId}`;
    case 'auditBody':
      return `audit body ${subject.auditBodyId}`;
    default:
      return 'an unknown subject';
  }
}

// The trail must hold every event: an event whose data lacks what its summary names (an old shape, a bug
// elsewhere) still gets an entry, with the plain summary.
function safeSummary(event: RecordedEvent): string {
  try {
    return summarise(event);
  } catch {
    return `${event.type} on ${event.streamName}`;
  }
}

/** A one-line account of the event in English, from the event alone. */
export function summarise(event: RecordedEvent): string {
  const e = event as unknown as KnownEvent;
  switch (e.type) {
    case 'ProviderRegistered':
      return `Provider "${e.data.name}" registered (corporate number ${e.data.corporateNumber})`;
    case 'AuditBodyApplied':
      return `Audit body "${e.data.name}" (${e.data.organisationType}) applied for registration on ${e.data.appliedOn}`;
    case 'AuditBodyRegistered':
      return `Audit body ${e.data.auditBodyId} registered as ${e.data.registrationNumber} on ${e.data.registeredOn} by ruling ${e.data.rulingId}`;
    case 'AuditBodyDelisted':
      return `Audit body ${e.data.auditBodyId} delisted on ${e.data.delistedOn} by ruling ${e.data.rulingId}`;
    case 'ApplicationSubmitted':
      return `${e.data.kind} application ${e.data.applicationId} submitted on ${e.data.submittedOn} for "${e.data.serviceName}" (${e.data.track}, ${e.data.serviceModel}), audited by ${e.data.auditBodyId} over ${e.data.auditPeriod.start}..${e.data.auditPeriod.end}`;
    case 'ApplicationAccepted':
      return `Application ${e.data.applicationId} accepted on ${e.data.acceptedOn}`;
    case 'ApplicationReturned':
      return `Application ${e.data.applicationId} returned for correction on ${e.data.returnedOn}: ${e.data.reason}`;
    case 'ApplicationResubmitted': {
      const changed = Object.keys(e.data.changes).sort();
      return `Application ${e.data.applicationId} resubmitted on ${e.data.resubmittedOn}${changed.length === 0 ? ' unchanged' : ` changing ${changed.join(', ')}`}`;
    }
    case 'AuditFindingRecorded':
      return `Audit finding ${e.data.findingId} (${e.data.kind}, ${e.data.assessment}) on control ${e.data.controlId} recorded on ${e.data.recordedOn} by ${e.data.auditBodyId}`;
    case 'ReviewFindingRaised':
      return `Review finding ${e.data.findingId}${e.data.controlId === null ? '' : ` on control ${e.data.controlId}`} raised on ${e.data.raisedOn}`;
    case 'FindingResponded':
      return `Finding ${e.data.findingId} answered with a corrective action on ${e.data.respondedOn}`;
    case 'FindingResolved':
      return `Finding ${e.data.findingId} closed as ${e.data.resolution} on ${e.data.resolvedOn}`;
    case 'ApplicationReferred':
      return `Application ${e.data.applicationId} referred on ${e.data.referredOn} to committee meeting ${e.data.meetingNumber} (${e.data.meetingHeldOn})`;
    case 'ApplicationWithdrawn':
      return `${e.data.kind} application ${e.data.applicationId} withdrawn on ${e.data.withdrawnOn}: ${e.data.reason}`;
    case 'ApplicationDeferred':
      return `Application ${e.data.applicationId} deferred by ruling ${e.data.rulingId} on ${e.data.deferredOn}`;
    case 'ApplicationDecided':
      return `Application ${e.data.applicationId} decided ${e.data.decision} on ${e.data.decidedOn} by ruling ${e.data.rulingId}${e.data.registrationNumber === null ? '' : `; registration number ${e.data.registrationNumber}`}`;
    case 'ServiceRegistered':
      return `Service ${e.data.serviceId} "${e.data.serviceName}" registered on the ${e.data.track} list as ${e.data.registrationNumber} on ${e.data.registeredOn}, valid until ${e.data.validUntil}`;
    case 'RenewalApplied':
      return `Renewal of service ${e.data.serviceId} applied for on ${e.data.appliedOn} (application ${e.data.applicationId})`;
    case 'RenewalClosed':
      return `Pending renewal of service ${e.data.serviceId} closed as ${e.data.outcome} on ${e.data.closedOn}`;
    case 'RegistrationRenewed':
      return `Registration of service ${e.data.serviceId} renewed as ${e.data.registrationNumber} on ${e.data.renewedOn}, valid until ${e.data.validUntil}`;
    case 'ServiceChangeApproved':
      return `Change to service ${e.data.serviceId} approved on ${e.data.approvedOn}: now "${e.data.serviceName}" (${e.data.serviceModel}), ${plural(e.data.scope.regions.length, 'region')}`;
    case 'ServiceWithdrawn':
      return `Service ${e.data.serviceId} withdrawn from the list effective ${e.data.effectiveOn}: ${e.data.reason}`;
    case 'RegistrationRevoked':
      return `Registration of service ${e.data.serviceId} revoked on ${e.data.revokedOn} by ruling ${e.data.rulingId}`;
    case 'RegistrationExpired':
      return `Registration of service ${e.data.serviceId} expired on ${e.data.expiredOn} (valid until ${e.data.validUntil})`;
    case 'RenewalReminderIssued':
      return `Provider ${e.data.providerId} reminded on ${e.data.remindedOn} that registration ${e.data.registrationNumber} of service ${e.data.serviceId} ends on ${e.data.validUntil} (${plural(e.data.daysBefore, 'day')} ahead) with no renewal applied for`;
    case 'IncidentReported':
      return `${e.data.stage} incident report ${e.data.incidentId} for service ${e.data.serviceId} filed on ${e.data.reportedOn}${e.data.flashIncidentId === null ? '' : ` (follows ${e.data.flashIncidentId})`}`;
    case 'MeetingScheduled':
      return `Committee meeting ${e.data.number} scheduled for ${e.data.heldOn}`;
    case 'RulingRecorded':
      return `Committee meeting ${e.data.meetingNumber} ruled ${e.data.decision} on ${describeSubject(e.data.subject)}${e.data.registrationNumber === null ? '' : `; registration number ${e.data.registrationNumber}`}${e.data.confirmation === 'REQUIRED' ? '; awaiting confirmation' : ''}`;
    case 'RulingConfirmed':
      return `${e.data.decision} ruling ${e.data.rulingId} of committee meeting ${e.data.meetingNumber} on ${describeSubject(e.data.subject)} confirmed by a second secretariat member`;
    case 'NumberReserved':
      return `Number ${e.data.number} reserved on the ${e.data.list} register for ${e.data.subjectId}`;
    default:
      return `${event.type} on ${event.streamName}`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Query

export const TRAIL_DEFAULT_LIMIT = 100;
export const TRAIL_MAX_LIMIT = 500;
/** Entries examined per request at most, so a filter that matches little cannot make one request scan the log. */
export const TRAIL_MAX_SCAN = 10_000;
const SCAN_PAGE = 500;

/** A malformed trail query: the edge answers 400 with `field`. */
export class InvalidTrailQueryError extends Error {
  constructor(
    readonly field: 'subject' | 'cursor' | 'limit' | 'from' | 'to',
    message: string,
  ) {
    super(message);
    this.name = 'InvalidTrailQueryError';
  }
}

export interface TrailQuery {
  /** `<kind>:<id>` (e.g. `application:APP-0001`) or a stream name (`application-APP-0001`). */
  readonly subject?: string;
  /** The actor's `sub`. */
  readonly actor?: string;
  readonly type?: string;
  /** Everything about one service: its stream, its applications and the rulings on them. */
  readonly serviceId?: string;
  /**
   * Inclusive bounds. A business date `YYYY-MM-DD` is compared with the event's `occurredOn` (when it happened); an
   * ISO-8601 instant with a time (`2026-01-05T01:00:00Z`) with its `recordedAt` (when it was recorded).
   */
  readonly from?: string;
  readonly to?: string;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
  /** 1..500, default 100. */
  readonly limit?: number;
}

export interface TrailPage {
  readonly entries: TrailEntry[];
  /**
   * Hand it back to continue after the last entry examined. Pages run in `seq` order, and new events only ever get
   * higher numbers, so paging never skips nor repeats an entry while events keep arriving; a follower that reached
   * the end keeps the cursor and asks again later.
   */
  readonly nextCursor: string;
  /** False when the scan reached the end of the trail as it stands now. */
  readonly hasMore: boolean;
}

export function encodeTrailCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ seq }), 'utf8').toString('base64url');
}

export function decodeTrailCursor(cursor: string): number {
  let seq: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    seq = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { seq?: unknown }).seq;
  } catch {
    seq = undefined;
  }
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    throw new InvalidTrailQueryError('cursor', 'The cursor is not one this API handed out');
  }
  return seq;
}

export function parseTrailSubject(value: string): TrailSubject {
  const colon = value.indexOf(':');
  const subject =
    colon < 0 ? subjectOf(value) : { kind: value.slice(0, colon) as SubjectKind, id: value.slice(colon + 1) };
  if (!Object.values(CATEGORIES).includes(subject.kind as SubjectKind) || subject.id === '') {
    throw new InvalidTrailQueryError(
      'subject',
      `Expected <kind>:<id> with kind one of ${Object.values(CATEGORIES).join(', ')}`,
    );
  }
  return subject;
}

type Bound =
  | { readonly on: 'occurredOn'; readonly value: string }
  | { readonly on: 'recordedAt'; readonly value: number };

const BUSINESS_DATE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function parseBound(field: 'from' | 'to', value: string): Bound {
  if (BUSINESS_DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    return { on: 'occurredOn', value };
  }
  const instant = INSTANT.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(instant)) {
    throw new InvalidTrailQueryError(field, `${field} must be a date YYYY-MM-DD or an ISO-8601 instant`);
  }
  return { on: 'recordedAt', value: instant };
}

function withinBounds(entry: TrailEntry, from: Bound | undefined, to: Bound | undefined): boolean {
  const after = (bound: Bound): boolean =>
    bound.on === 'occurredOn' ? entry.occurredOn >= bound.value : Date.parse(entry.recordedAt) >= bound.value;
  const before = (bound: Bound): boolean =>
    bound.on === 'occurredOn' ? entry.occurredOn <= bound.value : Date.parse(entry.recordedAt) <= bound.value;
  return (from === undefined || after(from)) && (to === undefined || before(to));
}

/** One page of the trail, oldest first, with every filter applied. */
export async function queryAuditTrail(view: ReadView, query: TrailQuery = {}): Promise<TrailPage> {
  const limit = query.limit ?? TRAIL_DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > TRAIL_MAX_LIMIT) {
    throw new InvalidTrailQueryError('limit', `limit must be a whole number from 1 to ${TRAIL_MAX_LIMIT}`);
  }
  const subject = query.subject === undefined ? undefined : parseTrailSubject(query.subject);
  const from = query.from === undefined ? undefined : parseBound('from', query.from);
  const to = query.to === undefined ? undefined : parseBound('to', query.to);
  const start = query.cursor === undefined ? 0 : decodeTrailCursor(query.cursor);

  // Walk the narrowest index the filters allow, or every entry by number; the other filters are checked on the
  // entries.
  const index =
    subject !== undefined
      ? subjectIndex(subject)
      : query.serviceId !== undefined
        ? serviceIndex(query.serviceId)
        : query.actor !== undefined
          ? actorIndex(query.actor)
          : query.type !== undefined
            ? typeIndex(query.type)
            : undefined;
  const pageAfter = async (after: number): Promise<{ member: string; score: number }[]> => {
    if (index !== undefined) return view.range(index, { after, limit: SCAN_PAGE });
    const top = Math.min(await view.counter(TRAIL_SEQ), after + SCAN_PAGE);
    const numbers: { member: string; score: number }[] = [];
    for (let seq = after + 1; seq <= top; seq++) numbers.push({ member: String(seq), score: seq });
    return numbers;
  };
  const matches = (entry: TrailEntry): boolean =>
    (subject === undefined || (entry.subject.kind === subject.kind && entry.subject.id === subject.id)) &&
    (query.serviceId === undefined || entry.serviceId === query.serviceId) &&
    (query.actor === undefined || entry.actor.sub === query.actor) &&
    (query.type === undefined || entry.type === query.type) &&
    withinBounds(entry, from, to);

  const entries: TrailEntry[] = [];
  let last = start;
  let scanned = 0;
  for (;;) {
    const page = await pageAfter(last);
    const docs = (await view.getMany(
      TRAIL_ENTRIES,
      page.map((e) => e.member),
    )) as (TrailEntry | undefined)[];
    for (const [i, item] of page.entries()) {
      const entry = docs[i];
      last = item.score;
      scanned++;
      if (entry !== undefined && matches(entry)) {
        entries.push(entry);
        if (entries.length === limit) {
          const hasMore = i < page.length - 1 || page.length === SCAN_PAGE;
          return { entries, nextCursor: encodeTrailCursor(last), hasMore };
        }
      }
    }
    if (page.length < SCAN_PAGE) return { entries, nextCursor: encodeTrailCursor(last), hasMore: false };
    if (scanned >= TRAIL_MAX_SCAN) return { entries, nextCursor: encodeTrailCursor(last), hasMore: true };
  }
}
