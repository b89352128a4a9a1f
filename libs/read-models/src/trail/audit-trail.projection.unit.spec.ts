import { memoryView, MemoryReadModel } from '../memory-read-model';
import type { Projection } from '../projection';
import type { TrailEntry } from './audit-trail.projection';
import {
  auditTrailProjection,
  decodeTrailCursor,
  encodeTrailCursor,
  InvalidTrailQueryError,
  queryAuditTrail,
  subjectOf,
  summarise,
  TRAIL_ENTRIES,
  TRAIL_MAX_SCAN,
} from './audit-trail.projection';
import type { AnyEvent } from './event-log.spec';
import {
  ACTORS,
  applicationSubmitted,
  applyStrictly,
  AUDIT_BODY_ID,
  EventLog,
  project,
  PROVIDER_ID,
  rulingRecorded,
  serviceRegistered,
  snapshot,
} from './event-log.spec';

const APP = 'APP-0001';

const REVOKE_RECORDED = rulingRecorded({
  rulingId: 'R-0010',
  meetingId: 'M7',
  meetingNumber: 7,
  decidedOn: '2022-07-01',
  subject: { kind: 'service', serviceId: 'SVC-0004' },
  decision: 'REVOKE',
  rationale: '虚偽の言明',
  registrationNumber: null,
  effect: { kind: 'REVOKE_REGISTRATION', serviceId: 'SVC-0004' },
  confirmation: 'REQUIRED',
  proposedBy: ACTORS.secretariat.sub,
});
const { confirmation: _required, ...revokeData } = REVOKE_RECORDED.data;
const REVOKE_CONFIRMED: AnyEvent = {
  type: 'RulingConfirmed',
  data: {
    ...revokeData,
    proposedBy: ACTORS.secretariat.sub,
    confirmedBy: ACTORS.secondSecretariat.sub,
    confirmedAt: '2026-01-06T02:00:00.000Z',
  },
};

/** One event of every type the domain records, in a plausible order. */
const EVERY_TYPE: AnyEvent[] = [
  {
    type: 'ProviderRegistered',
    data: {
      providerId: PROVIDER_ID,
      name: '株式会社テストクラウド',
      corporateNumber: '7000012050002',
      registeredOn: '2020-09-01',
    },
  },
  {
    type: 'AuditBodyApplied',
    data: {
      auditBodyId: AUDIT_BODY_ID,
      name: 'テスト監査法人',
      corporateNumber: '2120001000002',
      organisationType: 'AUDIT_CORPORATION',
      appliedOn: '2020-09-01',
    },
  },
  { type: 'MeetingScheduled', data: { meetingId: 'M0', number: 0, heldOn: '2020-10-01' } },
  {
    type: 'NumberReserved',
    data: {
      list: 'AUDIT_BODY',
      serial: 1,
      subjectId: AUDIT_BODY_ID,
      reservedOn: '2020-10-01',
      number: 'A20-0001',
    },
  },
  {
    type: 'AuditBodyRegistered',
    data: {
      auditBodyId: AUDIT_BODY_ID,
      registrationNumber: 'A20-0001',
      registeredOn: '2020-10-01',
      rulingId: 'R-0000',
      meetingId: 'M0',
    },
  },
  applicationSubmitted(),
  { type: 'ApplicationReturned', data: { applicationId: APP, reason: '添付漏れ', returnedOn: '2021-02-02' } },
  {
    type: 'ApplicationResubmitted',
    data: {
      applicationId: APP,
      changes: { serviceName: 'テストクラウド', scope: { description: 'IaaS', regions: ['東京'] } },
      resubmittedOn: '2021-02-03',
    },
  },
  { type: 'ApplicationAccepted', data: { applicationId: APP, acceptedOn: '2021-02-05' } },
  {
    type: 'AuditFindingRecorded',
    data: {
      applicationId: APP,
      serviceId: 'SVC-0001',
      findingId: `${APP}.F1`,
      auditBodyId: AUDIT_BODY_ID,
      controlId: '9.2.3.11.PB',
      assessment: 'OPERATING',
      kind: 'DEFICIENCY',
      description: '遅延',
      evidenceRefs: [],
      recordedOn: '2021-02-06',
    },
  },
  {
    type: 'ReviewFindingRaised',
    data: {
      applicationId: APP,
      serviceId: 'SVC-0001',
      findingId: `${APP}.F2`,
      controlId: null,
      description: '不足',
      raisedOn: '2021-02-07',
    },
  },
  {
    type: 'FindingResponded',
    data: { applicationId: APP, findingId: `${APP}.F1`, correctiveAction: '改訂', respondedOn: '2021-02-08' },
  },
  {
    type: 'FindingResolved',
    data: {
      applicationId: APP,
      findingId: `${APP}.F1`,
      resolution: 'RESOLVED',
      note: '確認',
      resolvedOn: '2021-02-09',
    },
  },
  { type: 'MeetingScheduled', data: { meetingId: 'M1', number: 1, heldOn: '2021-03-12' } },
  {
    type: 'ApplicationReferred',
    data: {
      applicationId: APP,
      meetingId: 'M1',
      meetingNumber: 1,
      meetingHeldOn: '2021-03-12',
      referredOn: '2021-02-20',
    },
  },
  {
    type: 'NumberReserved',
    data: { list: 'ISMAP', serial: 1, subjectId: APP, reservedOn: '2021-03-12', number: 'C21-0001-1' },
  },
  rulingRecorded(),
  serviceRegistered(),
  {
    type: 'ApplicationDecided',
    data: {
      applicationId: APP,
      rulingId: 'R-0001',
      meetingId: 'M1',
      decision: 'REGISTER',
      decidedOn: '2021-03-12',
      registrationNumber: 'C21-0001-1',
    },
  },
  {
    type: 'ApplicationDeferred',
    data: { applicationId: 'APP-0005', rulingId: 'R-0002', meetingId: 'M1', deferredOn: '2021-03-12' },
  },
  {
    type: 'ServiceChangeApproved',
    data: {
      serviceId: 'SVC-0001',
      applicationId: 'APP-0003',
      serviceName: 'テストクラウド',
      serviceModel: 'IaaS',
      scope: { description: 'IaaS', regions: ['東京', '大阪', '福岡'] },
      approvedOn: '2021-09-13',
      rulingId: 'R-0003',
      meetingId: 'M4',
    },
  },
  {
    type: 'IncidentReported',
    data: {
      serviceId: 'SVC-0001',
      incidentId: 'INC-1',
      stage: 'FLASH',
      flashIncidentId: null,
      occurredAt: '2021-10-01T03:00:00Z',
      summary: '障害',
      reportedOn: '2021-10-01',
    },
  },
  {
    type: 'IncidentReported',
    data: {
      serviceId: 'SVC-0001',
      incidentId: 'INC-2',
      stage: 'FINAL',
      flashIncidentId: 'INC-1',
      occurredAt: '2021-10-01T03:00:00Z',
      summary: '障害',
      reportedOn: '2021-10-20',
    },
  },
  {
    type: 'RenewalApplied',
    data: { serviceId: 'SVC-0001', applicationId: 'APP-0002', appliedOn: '2022-03-01' },
  },
  {
    type: 'RenewalClosed',
    data: { serviceId: 'SVC-0001', applicationId: 'APP-0002', outcome: 'WITHDRAWN', closedOn: '2022-03-10' },
  },
  {
    type: 'ApplicationWithdrawn',
    data: {
      applicationId: 'APP-0002',
      serviceId: 'SVC-0001',
      kind: 'RENEWAL',
      reason: '再申請のため',
      withdrawnOn: '2022-03-10',
    },
  },
  {
    type: 'RegistrationRenewed',
    data: {
      serviceId: 'SVC-0001',
      applicationId: 'APP-0004',
      registrationNumber: 'C21-0001-2',
      auditBodyId: AUDIT_BODY_ID,
      auditPeriod: { start: '2021-01-01', end: '2021-12-31' },
      renewedOn: '2022-04-20',
      validUntil: '2023-04-30',
      rulingId: 'R-0009',
      meetingId: 'M6',
    },
  },
  {
    type: 'RegistrationExpired',
    data: { serviceId: 'SVC-0002', expiredOn: '2022-05-01', validUntil: '2022-04-30' },
  },
  {
    type: 'ServiceWithdrawn',
    data: {
      serviceId: 'SVC-0003',
      effectiveOn: '2022-06-30',
      reason: 'サービス終了',
      withdrawnOn: '2022-06-01',
    },
  },
  REVOKE_RECORDED,
  REVOKE_CONFIRMED,
  {
    type: 'RegistrationRevoked',
    data: {
      serviceId: 'SVC-0004',
      revokedOn: '2022-07-01',
      rationale: '虚偽の言明',
      rulingId: 'R-0010',
      meetingId: 'M7',
    },
  },
  {
    type: 'AuditBodyDelisted',
    data: {
      auditBodyId: AUDIT_BODY_ID,
      delistedOn: '2023-01-10',
      rulingId: 'R-0011',
      meetingId: 'M8',
      rationale: '監視の結果',
    },
  },
  {
    type: 'RenewalReminderIssued',
    data: {
      serviceId: 'SVC-0001',
      providerId: 'PRV-0001',
      registrationNumber: 'C21-0001-2',
      validUntil: '2023-04-30',
      daysBefore: 30,
      remindedOn: '2023-03-31',
    },
  },
];

function trailOf(log: EventLog) {
  return project(auditTrailProjection, log.events);
}

const entries = (model: MemoryReadModel): TrailEntry[] =>
  (model.all(TRAIL_ENTRIES) as unknown as TrailEntry[]).sort((a, b) => a.seq - b.seq);

describe('audit trail projection: evolve', () => {
  it('enriches every event with sequence, subject, actor, both clocks, correlation and a summary', () => {
    const log = new EventLog();
    log.recordAll([applicationSubmitted()]);
    const ruling = log.record(rulingRecorded(), { correlationId: 'corr-ruling', causationId: 'cmd-ruling' });
    const [first, second] = entries(trailOf(log));
    expect(first?.seq).toBe(1);
    expect(second).toEqual({
      seq: 2,
      position: ruling.position,
      eventId: ruling.id,
      type: 'RulingRecorded',
      streamName: 'meeting-M1',
      revision: 0,
      subject: { kind: 'meeting', id: 'M1' },
      serviceId: 'SVC-0001',
      actor: { sub: 'secretariat-sato', roles: ['secretariat'], org: null },
      occurredOn: '2021-03-12',
      recordedAt: ruling.metadata.recordedAt,
      correlationId: 'corr-ruling',
      causationId: 'cmd-ruling',
      summary: 'Committee meeting 1 ruled REGISTER on application APP-0001; registration number C21-0001-1',
    });
  });

  it('keeps the org of an actor that has one', () => {
    const log = new EventLog();
    log.recordAll([applicationSubmitted()]);
    expect(entries(trailOf(log))[0]?.actor).toEqual({
      sub: `csp-${PROVIDER_ID}`,
      roles: ['csp'],
      org: PROVIDER_ID,
    });
  });

  it('shares one frozen actor and subject between entries, and never an outdated one', () => {
    const log = new EventLog();
    const accepted: AnyEvent = {
      type: 'ApplicationAccepted',
      data: { applicationId: APP, acceptedOn: '2021-02-05' },
    };
    log.record(applicationSubmitted());
    log.record(accepted, { actor: ACTORS.reviewer });
    log.record(accepted, { actor: ACTORS.reviewer });
    // The same sub with other roles, then with an org: each entry says what its own event said.
    log.record(accepted, { actor: { sub: ACTORS.reviewer.sub, roles: ['ipa-reviewer', 'secretariat'] } });
    log.record(accepted, { actor: { sub: ACTORS.reviewer.sub, roles: ['ipa-reviewer'], org: 'IPA' } });
    log.record(accepted, { actor: ACTORS.reviewer });
    const [, second, third, fourth, fifth, sixth] = entries(trailOf(log));
    expect(third?.actor).toBe(second?.actor);
    expect(third?.subject).toBe(second?.subject);
    expect(Object.isFrozen(second?.actor)).toBe(true);
    expect(Object.isFrozen(second?.actor.roles)).toBe(true);
    expect(Object.isFrozen(second?.subject)).toBe(true);
    expect([second, fourth, fifth, sixth].map((entry) => entry?.actor)).toEqual([
      { sub: ACTORS.reviewer.sub, roles: ['ipa-reviewer'], org: null },
      { sub: ACTORS.reviewer.sub, roles: ['ipa-reviewer', 'secretariat'], org: null },
      { sub: ACTORS.reviewer.sub, roles: ['ipa-reviewer'], org: 'IPA' },
      { sub: ACTORS.reviewer.sub, roles: ['ipa-reviewer'], org: null },
    ]);
  });

  it('leaves idempotency records out and does not spend a sequence number on them', () => {
    const log = new EventLog();
    log.record(applicationSubmitted());
    log.record(applicationSubmitted({ applicationId: 'APP-IDEM' }), { streamName: 'idempotency-0a1b2c' });
    log.record({ type: 'ApplicationAccepted', data: { applicationId: APP, acceptedOn: '2021-02-05' } });
    const model = trailOf(log);
    expect(entries(model).map((e) => [e.seq, e.type])).toEqual([
      [1, 'ApplicationSubmitted'],
      [2, 'ApplicationAccepted'],
    ]);
    expect(model.counters.get('seq')).toBe(2);
    expect(auditTrailProjection.counters?.(log.events[1]!)).toEqual([]);
  });

  it('numbers every entry 1, 2, 3… and indexes it by actor, subject, type and the service it concerns', () => {
    const log = new EventLog();
    log.recordAll(EVERY_TYPE);
    const model = trailOf(log);
    const seqsOf = (index: string): number[] => model.members(index).map(Number);
    expect(entries(model).map((e) => e.seq)).toEqual(EVERY_TYPE.map((_, i) => i + 1));
    expect(model.counters.get('seq')).toBe(EVERY_TYPE.length);
    // The unfiltered trail is read by number: no index lists every entry.
    expect(model.indexOf('all')).toBeUndefined();
    expect(seqsOf(`subject:application:${APP}`)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 15, 19]);
    expect(seqsOf('subject:meeting:M1')).toEqual([14, 17]);
    expect(seqsOf('subject:registry:ISMAP')).toEqual([16]);
    expect(seqsOf(`subject:auditBody:${AUDIT_BODY_ID}`)).toEqual([2, 5, 33]);
    expect(seqsOf('service:SVC-0004')).toEqual([30, 31, 32]);
    expect(seqsOf(`subject:provider:${PROVIDER_ID}`)).toEqual([1]);
    expect(seqsOf('type:MeetingScheduled')).toEqual([3, 14]);
    expect(seqsOf('actor:system:reactions')).toEqual([5, 18, 19, 20, 21, 24, 25, 27, 28, 32, 33, 34]);
    // Its application's events, the ruling on it and its own stream; not another application's withdrawal
    // (APP-0002 was never seen submitted, so the trail cannot place its events: only its RenewalClosed is there).
    expect(seqsOf('service:SVC-0001')).toEqual([
      6, 7, 8, 9, 10, 11, 12, 13, 15, 17, 18, 19, 21, 22, 23, 24, 25, 27, 34,
    ]);
  });

  it('names the subject by stream category', () => {
    expect(subjectOf('provider-P1')).toEqual({ kind: 'provider', id: 'P1' });
    expect(subjectOf('auditbody-AB1')).toEqual({ kind: 'auditBody', id: 'AB1' });
    expect(subjectOf('application-APP-0001')).toEqual({ kind: 'application', id: 'APP-0001' });
    expect(subjectOf('service-SVC-0001')).toEqual({ kind: 'service', id: 'SVC-0001' });
    expect(subjectOf('meeting-M3')).toEqual({ kind: 'meeting', id: 'M3' });
    expect(subjectOf('registry-ISMAP_LIU')).toEqual({ kind: 'registry', id: 'ISMAP_LIU' });
    expect(subjectOf('reports-2021')).toEqual({ kind: 'other', id: 'reports-2021' });
    expect(subjectOf('nodash')).toEqual({ kind: 'other', id: 'nodash' });
  });

  it('keeps an event of an unknown type or stream, with a plain summary', () => {
    const log = new EventLog();
    log.record(applicationSubmitted(), { streamName: 'reports-2021' });
    const unknown = { ...log.events[0]!, type: 'ReportRequested' };
    const model = project(auditTrailProjection, [unknown]);
    expect(entries(model)[0]).toMatchObject({
      subject: { kind: 'other', id: 'reports-2021' },
      serviceId: null,
      summary: 'ReportRequested on reports-2021',
    });
  });

  it('keeps an event whose data lacks what its summary needs', () => {
    const log = new EventLog();
    const broken = {
      ...log.record(applicationSubmitted()),
      data: { applicationId: APP, serviceId: 'SVC-0001' },
    };
    expect(entries(project(auditTrailProjection, [broken]))[0]?.summary).toBe(
      'ApplicationSubmitted on application-APP-0001',
    );
  });

  it('keeps a ruling whose subject is missing, placed under no service', () => {
    const log = new EventLog();
    const recorded = log.record(rulingRecorded());
    const { subject: _subject, ...data } = recorded.data;
    const [entry] = entries(project(auditTrailProjection, [{ ...recorded, data }]));
    expect(entry).toMatchObject({
      subject: { kind: 'meeting', id: 'M1' },
      serviceId: null,
      summary: 'RulingRecorded on meeting-M1',
    });
  });

  it('builds the same model when the log is replayed', () => {
    const log = new EventLog();
    log.recordAll(EVERY_TYPE);
    expect(snapshot(trailOf(log))).toEqual(snapshot(trailOf(log)));
  });
});

describe('summarise', () => {
  const log = new EventLog();
  const recorded = log.recordAll(EVERY_TYPE);
  const byType = new Map(recorded.map((e) => [e.type, summarise(e)]));

  it('has a specific one-line summary for every event type', () => {
    for (const event of recorded) {
      const summary = summarise(event);
      expect(summary).not.toBe(`${event.type} on ${event.streamName}`);
      expect(summary).not.toMatch(/undefined|null|\[object|\n/);
    }
  });

  it.each([
    ['ProviderRegistered', 'Provider "株式会社テストクラウド" registered (corporate number 7000012050002)'],
    [
      'AuditBodyRegistered',
      `Audit body ${AUDIT_BODY_ID} registered as A20-0001 on 2020-10-01 by ruling R-0000`,
    ],
    [
      'ApplicationSubmitted',
      'NEW application APP-0001 submitted on 2021-02-01 for "テストクラウド IaaS" (ISMAP, IaaS), audited by AB2120001000002 over 2020-01-01..2020-12-31',
    ],
    ['ApplicationResubmitted', 'Application APP-0001 resubmitted on 2021-02-03 changing scope, serviceName'],
    ['ReviewFindingRaised', 'Review finding APP-0001.F2 raised on 2021-02-07'],
    [
      'ApplicationReferred',
      'Application APP-0001 referred on 2021-02-20 to committee meeting 1 (2021-03-12)',
    ],
    [
      'ApplicationDecided',
      'Application APP-0001 decided REGISTER on 2021-03-12 by ruling R-0001; registration number C21-0001-1',
    ],
    [
      'ServiceRegistered',
      'Service SVC-0001 "テストクラウド IaaS" registered on the ISMAP list as C21-0001-1 on 2021-03-12, valid until 2022-04-30',
    ],
    [
      'ServiceChangeApproved',
      'Change to service SVC-0001 approved on 2021-09-13: now "テストクラウド" (IaaS), 3 regions',
    ],
    [
      'IncidentReported',
      'FINAL incident report INC-2 for service SVC-0001 filed on 2021-10-20 (follows INC-1)',
    ],
    [
      'RegistrationExpired',
      'Registration of service SVC-0002 expired on 2022-05-01 (valid until 2022-04-30)',
    ],
    [
      'RenewalReminderIssued',
      'Provider PRV-0001 reminded on 2023-03-31 that registration C21-0001-2 of service SVC-0001 ends on 2023-04-30 (30 days ahead) with no renewal applied for',
    ],
    ['NumberReserved', 'Number C21-0001-1 reserved on the ISMAP register for APP-0001'],
    [
      'RulingConfirmed',
      'REVOKE ruling R-0010 of committee meeting 7 on service SVC-0004 confirmed by a second secretariat member',
    ],
  ])('%s', (type, summary) => {
    expect(byType.get(type)).toBe(summary);
  });

  it('names the subject of a ruling on a service or an audit body, and omits a missing number', () => {
    const [onService, onAuditBody] = new EventLog().recordAll([
      rulingRecorded({
        subject: { kind: 'service', serviceId: 'SVC-0004' },
        decision: 'REVOKE',
        registrationNumber: null,
        meetingNumber: 7,
      }),
      rulingRecorded({
        subject: { kind: 'auditBody', auditBodyId: AUDIT_BODY_ID },
        decision: 'AUDIT_BODY_DELIST',
        registrationNumber: null,
        meetingNumber: 8,
      }),
    ]);
    expect(summarise(onService!)).toBe('Committee meeting 7 ruled REVOKE on service SVC-0004');
    expect(summarise(new EventLog().record(REVOKE_RECORDED))).toBe(
      'Committee meeting 7 ruled REVOKE on service SVC-0004; awaiting confirmation',
    );
    expect(summarise(onAuditBody!)).toBe(
      `Committee meeting 8 ruled AUDIT_BODY_DELIST on audit body ${AUDIT_BODY_ID}`,
    );
  });
});

describe('audit trail: queryAuditTrail', () => {
  function viewOf(events: readonly AnyEvent[]) {
    const log = new EventLog();
    log.recordAll(events);
    const model = trailOf(log);
    return { log, model, view: memoryView(model) };
  }
  const seqs = (page: { entries: readonly TrailEntry[] }): number[] => page.entries.map((e) => e.seq);

  it('answers the first 100 entries oldest first, with a cursor to go on', async () => {
    const many = Array.from({ length: 130 }, (_, i) => applicationSubmitted({ applicationId: `APP-${i}` }));
    const { view } = viewOf(many);
    const first = await queryAuditTrail(view);
    expect(seqs(first)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(first.hasMore).toBe(true);
    const second = await queryAuditTrail(view, { cursor: first.nextCursor });
    expect(seqs(second)).toEqual(Array.from({ length: 30 }, (_, i) => i + 101));
    expect(second.hasMore).toBe(false);
  });

  it('neither skips nor repeats an entry when events arrive between pages', async () => {
    const { log, model, view } = viewOf(EVERY_TYPE.slice(0, 10));
    const first = await queryAuditTrail(view, { limit: 4 });
    for (const event of log.recordAll(EVERY_TYPE.slice(10)))
      applyStrictly(model, auditTrailProjection, event);
    const seen = [...seqs(first)];
    let cursor = first.nextCursor;
    for (;;) {
      const page = await queryAuditTrail(view, { limit: 4, cursor });
      seen.push(...seqs(page));
      cursor = page.nextCursor;
      if (!page.hasMore) break;
    }
    expect(seen).toEqual(EVERY_TYPE.map((_, i) => i + 1));
    // A follower at the end keeps its cursor and sees later events on its next call.
    const after = log.record({
      type: 'MeetingScheduled',
      data: { meetingId: 'M9', number: 9, heldOn: '2023-03-01' },
    });
    applyStrictly(model, auditTrailProjection, after);
    expect(seqs(await queryAuditTrail(view, { cursor }))).toEqual([EVERY_TYPE.length + 1]);
  });

  it('says there is no more when the last page ends exactly on the last entry', async () => {
    const { view } = viewOf(EVERY_TYPE.slice(0, 4));
    expect(await queryAuditTrail(view, { limit: 4 })).toMatchObject({ hasMore: false });
    expect((await queryAuditTrail(view, { limit: 3 })).hasMore).toBe(true);
  });

  it('filters by subject (kind:id or stream name), actor, type and service', async () => {
    const { view } = viewOf(EVERY_TYPE);
    expect(seqs(await queryAuditTrail(view, { subject: 'meeting:M1' }))).toEqual([14, 17]);
    expect(seqs(await queryAuditTrail(view, { subject: 'meeting-M1' }))).toEqual([14, 17]);
    expect(seqs(await queryAuditTrail(view, { actor: ACTORS.reviewer.sub }))).toEqual([
      1, 2, 7, 9, 11, 13, 15,
    ]);
    expect(seqs(await queryAuditTrail(view, { type: 'IncidentReported' }))).toEqual([22, 23]);
    expect(seqs(await queryAuditTrail(view, { serviceId: 'SVC-0002' }))).toEqual([28]);
    expect(
      seqs(await queryAuditTrail(view, { subject: `application:${APP}`, actor: ACTORS.reviewer.sub })),
    ).toEqual([7, 9, 11, 13, 15]);
    expect(
      seqs(await queryAuditTrail(view, { type: 'IncidentReported', subject: 'service:SVC-0001' })),
    ).toEqual([22, 23]);
  });

  it('reads dates as business dates (occurredOn) and instants as recording times (recordedAt), both inclusive', async () => {
    const { log, view } = viewOf(EVERY_TYPE);
    expect(seqs(await queryAuditTrail(view, { from: '2022-03-10', to: '2022-05-01' }))).toEqual([
      25, 26, 27, 28,
    ]);
    const third = log.events[2]!.metadata.recordedAt;
    const fifth = log.events[4]!.metadata.recordedAt;
    expect(seqs(await queryAuditTrail(view, { from: third, to: fifth }))).toEqual([3, 4, 5]);
    // Offsets are instants too: 09:00 in Tokyo is midnight UTC.
    const fifthInTokyo = new Date(Date.parse(fifth) + 9 * 3600_000).toISOString().replace('Z', '+09:00');
    expect(seqs(await queryAuditTrail(view, { to: fifthInTokyo }))).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses malformed input with the field at fault', async () => {
    const { view } = viewOf(EVERY_TYPE.slice(0, 2));
    const fieldOf = async (query: Parameters<typeof queryAuditTrail>[1]): Promise<string> => {
      try {
        await queryAuditTrail(view, query);
      } catch (error) {
        if (error instanceof InvalidTrailQueryError) return error.field;
        throw error;
      }
      return 'accepted';
    };
    expect(await fieldOf({ limit: 0 })).toBe('limit');
    expect(await fieldOf({ limit: 501 })).toBe('limit');
    expect(await fieldOf({ limit: 2.5 })).toBe('limit');
    expect(await fieldOf({ limit: 500 })).toBe('accepted');
    expect(await fieldOf({ cursor: 'not a cursor' })).toBe('cursor');
    expect(await fieldOf({ cursor: Buffer.from('{"seq":-1}').toString('base64url') })).toBe('cursor');
    expect(await fieldOf({ cursor: Buffer.from('[]').toString('base64url') })).toBe('cursor');
    expect(await fieldOf({ subject: 'planet:Earth' })).toBe('subject');
    expect(await fieldOf({ subject: 'service:' })).toBe('subject');
    expect(await fieldOf({ from: 'yesterday' })).toBe('from');
    expect(await fieldOf({ to: '2021-13-45' })).toBe('to');
  });

  it('round-trips its cursor as an opaque base64url string', () => {
    const cursor = encodeTrailCursor(4711);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeTrailCursor(cursor)).toBe(4711);
  });

  it('bounds the work of one request: a rare match is reached over several calls', async () => {
    const filler = Array.from({ length: TRAIL_MAX_SCAN + 50 }, (_, i) =>
      applicationSubmitted({ applicationId: `APP-${i}` }),
    );
    const { view } = viewOf([
      ...filler,
      { type: 'MeetingScheduled', data: { meetingId: 'M1', number: 1, heldOn: '2021-03-12' } },
    ]);
    const first = await queryAuditTrail(view, { from: '2021-03-12' });
    expect(first).toMatchObject({ entries: [], hasMore: true });
    expect(decodeTrailCursor(first.nextCursor)).toBe(TRAIL_MAX_SCAN);
    const second = await queryAuditTrail(view, { from: '2021-03-12', cursor: first.nextCursor });
    expect(seqs(second)).toEqual([TRAIL_MAX_SCAN + 51]);
  });
});

describe('the spec harness', () => {
  const log = new EventLog();
  const event = log.record(applicationSubmitted());
  const reader = (overrides: Partial<Projection>): Projection => ({
    name: 'reader',
    version: 1,
    onError: 'stop',
    prefetch: () => [],
    evolve: (tx) => void tx.get('docs', 'x'),
    ...overrides,
  });

  it('refuses a read that prefetch did not name', () => {
    expect(() => applyStrictly(new MemoryReadModel(), reader({}), event)).toThrow(
      /without naming it in prefetch/,
    );
  });

  it('refuses a counter that counters did not name', () => {
    const counting = reader({ evolve: (tx) => void tx.increment('n') });
    expect(() => applyStrictly(new MemoryReadModel(), counting, event)).toThrow(
      /without naming it in counters/,
    );
  });

  it('refuses a document that is not plain JSON', () => {
    const writer = reader({ evolve: (tx) => tx.put('docs', 'x', { at: new Date(0) }) });
    expect(() => applyStrictly(new MemoryReadModel(), writer, event)).toThrow(/not plain JSON/);
    const undefinedField = reader({ evolve: (tx) => tx.put('docs', 'x', { a: undefined }) });
    expect(() => applyStrictly(new MemoryReadModel(), undefinedField, event)).toThrow(/not plain JSON/);
  });
});
