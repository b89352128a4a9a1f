/**
 * Shared by the read-model specs (named `.spec.ts` so the build leaves it out; it holds no tests itself).
 *
 * `EventLog` records domain events as the store would hand them to a projection: stream name, revision, a growing
 * decimal position and the metadata the command handlers write (actor from the token, correlation and causation,
 * business date, recording instant, ruleset version). `project` applies them through a transaction that enforces the
 * read-model contract: evolve may read only the documents it prefetched (or wrote itself), increment only the
 * counters it named, and write only JSON.
 */
import type {
  ApplicationEvent,
  ApplicationSubmitted,
  AuditBodyEvent,
  MeetingEvent,
  ProviderEvent,
  RegistryEvent,
  RulingRecorded,
  ServiceEvent,
  ServiceRegistered,
} from '@ismap/domain';
import { rulesetOn } from '@ismap/domain';
import type { Actor, EventData, RecordedEvent } from '@ismap/event-store';
import { MemoryReadModel } from '../memory-read-model';
import type { Doc, Projection, ReadModelTx } from '../projection';

export type AnyEvent =
  ApplicationEvent | AuditBodyEvent | MeetingEvent | ProviderEvent | RegistryEvent | ServiceEvent;

export const PROVIDER_ID = 'P7000012050002';
export const PROVIDER_NAME = '株式会社テストクラウド';
export const OTHER_PROVIDER_ID = 'P4011001000001';
export const AUDIT_BODY_ID = 'AB2120001000002';
export const AUDIT_BODY_NAME = 'テスト監査法人';
export const OTHER_AUDIT_BODY_ID = 'AB1010401089234';

export const ACTORS = {
  secretariat: { sub: 'secretariat-sato', roles: ['secretariat'] },
  secondSecretariat: { sub: 'secretariat-ito', roles: ['secretariat'] },
  reviewer: { sub: 'ipa-tanaka', roles: ['ipa-reviewer'] },
  system: { sub: 'system:reactions', roles: ['system'] },
  csp: (providerId: string): Actor => ({ sub: `csp-${providerId}`, roles: ['csp'], org: providerId }),
  auditor: (auditBodyId: string): Actor => ({
    sub: `auditor-${auditBodyId}`,
    roles: ['audit-body'],
    org: auditBodyId,
  }),
} as const;

export interface RecordOptions {
  readonly actor?: Actor;
  readonly occurredOn?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly streamName?: string;
}

function streamOf(event: AnyEvent): string {
  switch (event.type) {
    case 'ProviderRegistered':
      return `provider-${event.data.providerId}`;
    case 'AuditBodyApplied':
    case 'AuditBodyRegistered':
    case 'AuditBodyDelisted':
      return `auditbody-${event.data.auditBodyId}`;
    case 'MeetingScheduled':
    case 'RulingRecorded':
    case 'RulingConfirmed':
      return `meeting-${event.data.meetingId}`;
    case 'NumberReserved':
      return `registry-${event.data.list}`;
    case 'ServiceRegistered':
    case 'RenewalApplied':
    case 'RenewalClosed':
    case 'RegistrationRenewed':
    case 'ServiceChangeApproved':
    case 'ServiceWithdrawn':
    case 'RegistrationRevoked':
    case 'RegistrationExpired':
    case 'RenewalReminderIssued':
    case 'IncidentReported':
      return `service-${event.data.serviceId}`;
    case 'ApplicationSubmitted':
    case 'ApplicationAccepted':
    case 'ApplicationReturned':
    case 'ApplicationResubmitted':
    case 'AuditFindingRecorded':
    case 'ReviewFindingRaised':
    case 'FindingResponded':
    case 'FindingResolved':
    case 'ApplicationReferred':
    case 'ApplicationWithdrawn':
    case 'ApplicationDeferred':
    case 'ApplicationDecided':
      return `application-${event.data.applicationId}`;
  }
}

/** The business date the handlers put in `occurredOn`: the date the fact carries. */
function businessDateOf(event: AnyEvent): string {
  switch (event.type) {
    case 'ProviderRegistered':
      return event.data.registeredOn;
    case 'AuditBodyApplied':
      return event.data.appliedOn;
    case 'AuditBodyRegistered':
      return event.data.registeredOn;
    case 'AuditBodyDelisted':
      return event.data.delistedOn;
    case 'MeetingScheduled':
      return event.data.heldOn;
    case 'RulingRecorded':
    case 'RulingConfirmed':
      return event.data.decidedOn;
    case 'NumberReserved':
      return event.data.reservedOn;
    case 'ApplicationSubmitted':
      return event.data.submittedOn;
    case 'ApplicationAccepted':
      return event.data.acceptedOn;
    case 'ApplicationReturned':
      return event.data.returnedOn;
    case 'ApplicationResubmitted':
      return event.data.resubmittedOn;
    case 'AuditFindingRecorded':
      return event.data.recordedOn;
    case 'ReviewFindingRaised':
      return event.data.raisedOn;
    case 'FindingResponded':
      return event.data.respondedOn;
    case 'FindingResolved':
      return event.data.resolvedOn;
    case 'ApplicationReferred':
      return event.data.referredOn;
    case 'ApplicationWithdrawn':
      return event.data.withdrawnOn;
    case 'ApplicationDeferred':
      return event.data.deferredOn;
    case 'ApplicationDecided':
      return event.data.decidedOn;
    case 'ServiceRegistered':
      return event.data.registeredOn;
    case 'RenewalApplied':
      return event.data.appliedOn;
    case 'RenewalClosed':
      return event.data.closedOn;
    case 'RegistrationRenewed':
      return event.data.renewedOn;
    case 'ServiceChangeApproved':
      return event.data.approvedOn;
    case 'ServiceWithdrawn':
      return event.data.withdrawnOn;
    case 'RegistrationRevoked':
      return event.data.revokedOn;
    case 'RegistrationExpired':
      return event.data.expiredOn;
    case 'RenewalReminderIssued':
      return event.data.remindedOn;
    case 'IncidentReported':
      return event.data.reportedOn;
  }
}

/** Who records such an event through the API (or the reactions process manager, for the consequences of rulings). */
function actorOf(event: AnyEvent): Actor {
  switch (event.type) {
    case 'ApplicationSubmitted':
      return ACTORS.csp(event.data.providerId);
    case 'ApplicationResubmitted':
    case 'FindingResponded':
    case 'ApplicationWithdrawn':
    case 'ServiceWithdrawn':
    case 'IncidentReported':
      return ACTORS.csp(PROVIDER_ID);
    case 'AuditFindingRecorded':
      return ACTORS.auditor(event.data.auditBodyId);
    case 'ApplicationAccepted':
    case 'ApplicationReturned':
    case 'ReviewFindingRaised':
    case 'FindingResolved':
    case 'ApplicationReferred':
    case 'ProviderRegistered':
    case 'AuditBodyApplied':
      return ACTORS.reviewer;
    case 'MeetingScheduled':
    case 'RulingRecorded':
    case 'NumberReserved':
      return ACTORS.secretariat;
    case 'RulingConfirmed':
      return ACTORS.secondSecretariat;
    case 'ApplicationDecided':
    case 'ApplicationDeferred':
    case 'AuditBodyRegistered':
    case 'AuditBodyDelisted':
    case 'ServiceRegistered':
    case 'RenewalApplied':
    case 'RenewalClosed':
    case 'RegistrationRenewed':
    case 'ServiceChangeApproved':
    case 'RegistrationRevoked':
    case 'RegistrationExpired':
    case 'RenewalReminderIssued':
      return ACTORS.system;
  }
}

export class EventLog {
  readonly events: RecordedEvent[] = [];
  private readonly revisions = new Map<string, number>();
  private position = 4_096n;
  private clock = Date.parse('2026-01-05T00:30:00.000Z');

  record(event: AnyEvent, options: RecordOptions = {}): RecordedEvent {
    const n = this.events.length + 1;
    const streamName = options.streamName ?? streamOf(event);
    const revision = (this.revisions.get(streamName) ?? -1) + 1;
    this.revisions.set(streamName, revision);
    // Positions are sparse, as on EventStoreDB (commit positions) — nothing may assume they count 1, 2, 3.
    this.position += 137n;
    this.clock += 1_500;
    const occurredOn = options.occurredOn ?? businessDateOf(event);
    const commandId = `cmd-${String(n).padStart(6, '0')}`;
    const recorded: RecordedEvent = {
      id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      type: event.type,
      data: event.data as unknown as EventData,
      metadata: {
        actor: options.actor ?? actorOf(event),
        correlationId: options.correlationId ?? `corr-${String(n).padStart(6, '0')}`,
        causationId: options.causationId ?? commandId,
        commandId,
        occurredOn,
        recordedAt: new Date(this.clock).toISOString(),
        schemaVersion: 1,
        rulesetVersion: rulesetOn(occurredOn).version,
      },
      streamName,
      revision,
      position: this.position.toString(),
    };
    this.events.push(recorded);
    return recorded;
  }

  recordAll(events: readonly AnyEvent[]): RecordedEvent[] {
    return events.map((event) => this.record(event));
  }
}

const refKey = (collection: string, id: string): string => `${collection}\u0000${id}`;

// Checked by shape, not by prototype: MemoryReadModel's structuredClone makes objects of another realm under Jest.
function isJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJson);
  if (typeof value !== 'object') return false;
  const tag = Object.prototype.toString.call(value);
  return tag === '[object Object]' && Object.values(value).every(isJson);
}

function assertJson(doc: Doc, where: string): void {
  if (!isJson(doc)) {
    throw new Error(`${where}: the document is not plain JSON: ${JSON.stringify(doc)}`);
  }
}

/** Applies one event as the runner would, failing on any breach of the `Projection` contract. */
export function applyStrictly(model: MemoryReadModel, projection: Projection, event: RecordedEvent): void {
  if (projection.eventTypes !== undefined && !projection.eventTypes.includes(event.type)) return;
  const where = `${projection.name} on ${event.type}`;
  const readable = new Set(projection.prefetch(event).map((ref) => refKey(ref.collection, ref.id)));
  const counters = new Set(projection.counters?.(event) ?? []);
  const tx: ReadModelTx = {
    get: (collection, id) => {
      if (!readable.has(refKey(collection, id))) {
        throw new Error(`${where} read ${collection}/${id} without naming it in prefetch`);
      }
      return model.get(collection, id);
    },
    put: (collection, id, doc) => {
      assertJson(doc, where);
      readable.add(refKey(collection, id));
      model.put(collection, id, doc);
    },
    delete: (collection, id) => model.delete(collection, id),
    index: (index, member, score) => {
      if (!Number.isFinite(score)) throw new Error(`${where} scored ${member} in ${index} with ${score}`);
      model.index(index, member, score);
    },
    increment: (counter, by) => {
      if (!counters.has(counter))
        throw new Error(`${where} incremented ${counter} without naming it in counters`);
      return model.increment(counter, by);
    },
  };
  projection.evolve(tx, event);
}

/** A fresh model with every event applied strictly. */
export function project(
  projection: Projection,
  events: readonly RecordedEvent[],
  model = new MemoryReadModel(),
): MemoryReadModel {
  for (const event of events) applyStrictly(model, projection, event);
  return model;
}

/** Everything a model holds, in a comparable form (what a rebuild must reproduce exactly). */
export function snapshot(model: MemoryReadModel): unknown {
  const sorted = <V>(map: ReadonlyMap<string, V>): [string, V][] =>
    [...map.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    collections: sorted(model.collections).map(([name, docs]) => [name, sorted(docs)]),
    indexes: sorted(model.indexes).map(([name, members]) => [name, sorted(members)]),
    counters: sorted(model.counters),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Event data with plausible defaults (invented ids, illustrative dates), varied one field at a time by the specs.

export function applicationSubmitted(
  overrides: Partial<ApplicationSubmitted['data']> = {},
): ApplicationSubmitted {
  return {
    type: 'ApplicationSubmitted',
    data: {
      applicationId: 'APP-0001',
      serviceId: 'SVC-0001',
      providerId: PROVIDER_ID,
      kind: 'NEW',
      track: 'ISMAP',
      submittedOn: '2021-02-01',
      serviceName: 'テストクラウド IaaS',
      serviceModel: 'IaaS',
      scope: { description: 'IaaS 基盤サービス', regions: ['東京', '大阪'] },
      auditBodyId: AUDIT_BODY_ID,
      auditPeriod: { start: '2020-01-01', end: '2020-12-31' },
      auditReportDate: '2021-01-29',
      excludedObjectives: [{ controlId: '14.2.7', reason: '開発を外部委託していない' }],
      ...overrides,
    },
  };
}

export function serviceRegistered(overrides: Partial<ServiceRegistered['data']> = {}): ServiceRegistered {
  return {
    type: 'ServiceRegistered',
    data: {
      serviceId: 'SVC-0001',
      applicationId: 'APP-0001',
      providerId: PROVIDER_ID,
      track: 'ISMAP',
      serviceName: 'テストクラウド IaaS',
      serviceModel: 'IaaS',
      scope: { description: 'IaaS 基盤サービス', regions: ['東京', '大阪'] },
      auditBodyId: AUDIT_BODY_ID,
      auditPeriod: { start: '2020-01-01', end: '2020-12-31' },
      registrationNumber: 'C21-0001-1',
      registeredOn: '2021-03-12',
      validUntil: '2022-04-30',
      rulingId: 'R-0001',
      meetingId: 'M1',
      ...overrides,
    },
  };
}

export function rulingRecorded(overrides: Partial<RulingRecorded['data']> = {}): RulingRecorded {
  const { rulingId: _rulingId, meetingId: _meetingId, ...registration } = serviceRegistered().data;
  return {
    type: 'RulingRecorded',
    data: {
      rulingId: 'R-0001',
      meetingId: 'M1',
      meetingNumber: 1,
      decidedOn: '2021-03-12',
      subject: { kind: 'application', applicationId: 'APP-0001' },
      decision: 'REGISTER',
      rationale: '審査の結果、基準を満たしている',
      registrationNumber: 'C21-0001-1',
      effect: { kind: 'REGISTER_SERVICE', registration },
      ...overrides,
    },
  };
}
