/**
 * A synthetic ISMAP history for the projection tests and the rebuild benchmark: providers, audit bodies, meetings,
 * applications with audit and review findings, returns, rulings, registrations, renewals, changes, incidents,
 * withdrawals and expiries, in causal order and with the real event shapes and metadata, so every projection of
 * PROJECTIONS has real work to do. Deterministic for a seed. Not used by the product.
 */
import type { EventStore, EventToAppend } from '@ismap/event-store';
import { deriveEventId } from '@ismap/event-store';

export interface LogEntry {
  readonly streamName: string;
  readonly event: EventToAppend;
}

type Data = Record<string, unknown>;

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
const dateOf = (day: number): string => new Date(Date.UTC(2021, 0, 4) + day * DAY).toISOString().slice(0, 10);
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

const SERVICE_WORDS = [
  'クラウド',
  'プラットフォーム',
  'ストレージ',
  '基盤',
  'データ分析',
  'コラボレーション',
];
const CONTROL_IDS = ['5.1.1.1', '6.1.2.3.PB', '8.1.1.2', '9.2.3.11.PB', '10.1.1.4', '12.4.1.1', '13.1.2.2.B'];
const REGIONS = ['東京', '大阪', '北海道', '九州'];
const FINDING_TEXT =
  '監査手続の結果、アクセス権限の定期的な見直しが文書化された手順に従って実施されていない事例が識別された。' +
  '是正措置として見直し手順の改訂と実施記録の保存を求める。';

/** Generates `count` events (the last lifecycle is cut where the count ends, which is still a valid prefix). */
export function* realisticLog(count: number, seed = 1): Generator<LogEntry> {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  let emitted = 0;
  let day = 0;
  let commandSeq = 0;

  function entry(streamName: string, type: string, data: Data, occurredOn: string, actor: string): LogEntry {
    const commandId = `${seed}-${commandSeq++}`;
    const recordedAt = new Date(
      Date.parse(`${occurredOn}T01:00:00.000Z`) + (commandSeq % 3_600_000),
    ).toISOString();
    return {
      streamName,
      event: {
        id: deriveEventId(commandId, 0),
        type,
        data: data as EventToAppend['data'],
        metadata: {
          actor: {
            sub: actor,
            roles: [
              actor.startsWith('csp') ? 'csp' : actor.startsWith('audit') ? 'audit-body' : 'secretariat',
            ],
          },
          correlationId: commandId,
          causationId: commandId,
          commandId,
          occurredOn,
          recordedAt,
          schemaVersion: 1,
          rulesetVersion: '2023.1',
        },
      },
    };
  }

  const auditBodies: string[] = [];
  const providers: string[] = [];
  const registry = { ISMAP: 0, ISMAP_LIU: 0, AUDIT_BODY: 0 };
  let meetingNumber = 0;
  let meetingId = '';
  let meetingDay = 0;
  let applicationsThisMeeting = 0;
  let serviceSeq = 0;

  function* meeting(): Generator<LogEntry> {
    meetingNumber += 1;
    meetingId = `M${meetingNumber}`;
    meetingDay = day + 20;
    applicationsThisMeeting = 0;
    yield entry(
      `meeting-${meetingId}`,
      'MeetingScheduled',
      { meetingId, number: meetingNumber, heldOn: dateOf(meetingDay) },
      dateOf(day),
      'secretariat-1',
    );
  }

  function* reserve(list: keyof typeof registry, subjectId: string): Generator<LogEntry, string> {
    registry[list] += 1;
    const number = `${list === 'AUDIT_BODY' ? 'A' : list === 'ISMAP' ? 'C' : 'L'}${dateOf(meetingDay).slice(2, 4)}-${pad(registry[list], 4)}`;
    yield entry(
      `registry-${list}`,
      'NumberReserved',
      { list, serial: registry[list], subjectId, reservedOn: dateOf(meetingDay), number },
      dateOf(meetingDay),
      'secretariat-1',
    );
    return number;
  }

  function* ruling(subject: Data, decision: string, registrationNumber: string | null, effect: Data) {
    const rulingId = `R${meetingNumber}-${pad(applicationsThisMeeting++, 3)}`;
    yield entry(
      `meeting-${meetingId}`,
      'RulingRecorded',
      {
        rulingId,
        meetingId,
        meetingNumber,
        decidedOn: dateOf(meetingDay),
        subject,
        decision,
        rationale: '審査の結果、管理基準を満たしていることを確認した。',
        registrationNumber,
        effect,
      },
      dateOf(meetingDay),
      'secretariat-1',
    );
    return rulingId;
  }

  function* auditBody(): Generator<LogEntry> {
    const auditBodyId = `ab-${pad(auditBodies.length + 1, 3)}`;
    auditBodies.push(auditBodyId);
    yield entry(
      `auditbody-${auditBodyId}`,
      'AuditBodyApplied',
      {
        auditBodyId,
        name: `監査法人${auditBodyId}`,
        corporateNumber: pad(1_000_000_000_000 + auditBodies.length, 13),
        organisationType: 'AUDIT_CORPORATION',
        appliedOn: dateOf(day),
      },
      dateOf(day),
      `audit-${auditBodyId}`,
    );
    const number = yield* reserve('AUDIT_BODY', auditBodyId);
    const rulingId = yield* ruling({ kind: 'auditBody', auditBodyId }, 'AUDIT_BODY_REGISTER', number, {
      kind: 'REGISTER_AUDIT_BODY',
      auditBodyId,
      registrationNumber: number,
    });
    yield entry(
      `auditbody-${auditBodyId}`,
      'AuditBodyRegistered',
      { auditBodyId, registrationNumber: number, registeredOn: dateOf(meetingDay), rulingId, meetingId },
      dateOf(meetingDay),
      'system:reactions',
    );
  }

  function* service(): Generator<LogEntry> {
    if (providers.length === 0 || random() < 0.35) {
      const providerId = `p-${pad(providers.length + 1, 5)}`;
      providers.push(providerId);
      yield entry(
        `provider-${providerId}`,
        'ProviderRegistered',
        {
          providerId,
          name: `クラウド事業者${providerId}株式会社`,
          corporateNumber: pad(2_000_000_000_000 + providers.length, 13),
          registeredOn: dateOf(day),
        },
        dateOf(day),
        'secretariat-1',
      );
    }
    const providerId = pick(providers);
    const csp = `csp-${providerId}`;
    serviceSeq += 1;
    const serviceId = `s-${pad(serviceSeq, 6)}`;
    const applicationId = `a-${pad(serviceSeq, 6)}-1`;
    const stream = `application-${applicationId}`;
    const auditBodyId = pick(auditBodies);
    const track = random() < 0.8 ? 'ISMAP' : 'ISMAP_LIU';
    const serviceName = `${pick(SERVICE_WORDS)}サービス ${serviceId}`;
    const serviceModel = pick(['IaaS', 'PaaS', 'SaaS']);
    const scope = { description: `${serviceName} の提供に係る全ての業務及び基盤`, regions: [pick(REGIONS)] };
    const auditPeriod = { start: dateOf(day - 200), end: dateOf(day - 20) };
    const submittedOn = dateOf(day);
    yield entry(
      stream,
      'ApplicationSubmitted',
      {
        applicationId,
        serviceId,
        providerId,
        kind: 'NEW',
        track,
        submittedOn,
        serviceName,
        serviceModel,
        scope,
        auditBodyId,
        auditPeriod,
        auditReportDate: dateOf(day - 5),
        excludedObjectives: [{ controlId: '14.1.1.1', reason: '該当する業務を行っていないため' }],
      },
      submittedOn,
      csp,
    );
    yield entry(
      stream,
      'ApplicationAccepted',
      { applicationId, acceptedOn: dateOf(day + 2) },
      dateOf(day + 2),
      'ipa-1',
    );
    const findings: string[] = [];
    const audits = 3 + Math.floor(random() * 10);
    for (let i = 0; i < audits; i++) {
      const findingId = `${applicationId}-f${i}`;
      findings.push(findingId);
      yield entry(
        stream,
        'AuditFindingRecorded',
        {
          applicationId,
          serviceId,
          findingId,
          auditBodyId,
          controlId: pick(CONTROL_IDS),
          assessment: pick(['DESIGN', 'OPERATING']),
          kind: pick(['EXCEPTION', 'DEFICIENCY', 'OBSERVATION']),
          description: FINDING_TEXT,
          evidenceRefs: [`evidence/${findingId}/report.pdf`, `evidence/${findingId}/sample.xlsx`],
          recordedOn: dateOf(day + 3),
        },
        dateOf(day + 3),
        `audit-${auditBodyId}`,
      );
    }
    if (random() < 0.5) {
      const findingId = `${applicationId}-r0`;
      findings.push(findingId);
      yield entry(
        stream,
        'ReviewFindingRaised',
        {
          applicationId,
          serviceId,
          findingId,
          controlId: random() < 0.5 ? null : pick(CONTROL_IDS),
          description: FINDING_TEXT,
          raisedOn: dateOf(day + 5),
        },
        dateOf(day + 5),
        'ipa-1',
      );
    }
    for (const findingId of findings) {
      if (random() < 0.6) {
        yield entry(
          stream,
          'FindingResponded',
          {
            applicationId,
            findingId,
            correctiveAction: '手順書を改訂し運用を開始した。',
            respondedOn: dateOf(day + 8),
          },
          dateOf(day + 8),
          csp,
        );
        yield entry(
          stream,
          'FindingResolved',
          {
            applicationId,
            findingId,
            resolution: random() < 0.8 ? 'RESOLVED' : 'RISK_ACCEPTED',
            note: '是正を確認した。',
            resolvedOn: dateOf(day + 10),
          },
          dateOf(day + 10),
          'ipa-1',
        );
      }
    }
    if (random() < 0.1) {
      yield entry(
        stream,
        'ApplicationReturned',
        { applicationId, reason: '監査報告書の添付漏れ', returnedOn: dateOf(day + 11) },
        dateOf(day + 11),
        'ipa-1',
      );
      yield entry(
        stream,
        'ApplicationResubmitted',
        { applicationId, changes: { serviceName: `${serviceName}（改）` }, resubmittedOn: dateOf(day + 12) },
        dateOf(day + 12),
        csp,
      );
    }
    if (random() < 0.05) {
      yield entry(
        stream,
        'ApplicationWithdrawn',
        { applicationId, serviceId, kind: 'NEW', reason: '事業方針の変更', withdrawnOn: dateOf(day + 13) },
        dateOf(day + 13),
        csp,
      );
      return;
    }
    if (applicationsThisMeeting >= 40 || meetingDay <= day + 14) yield* meeting();
    yield entry(
      stream,
      'ApplicationReferred',
      {
        applicationId,
        meetingId,
        meetingNumber,
        meetingHeldOn: dateOf(meetingDay),
        referredOn: dateOf(day + 14),
      },
      dateOf(day + 14),
      'ipa-1',
    );
    if (random() < 0.08) {
      const rulingId = yield* ruling({ kind: 'application', applicationId }, 'REJECT', null, {
        kind: 'REJECT_APPLICATION',
        applicationId,
        serviceId,
        applicationKind: 'NEW',
      });
      yield entry(
        stream,
        'ApplicationDecided',
        {
          applicationId,
          rulingId,
          meetingId,
          decision: 'REJECT',
          decidedOn: dateOf(meetingDay),
          registrationNumber: null,
        },
        dateOf(meetingDay),
        'system:reactions',
      );
      return;
    }
    const registrationNumber = yield* reserve(track, applicationId);
    const validUntil = dateOf(meetingDay + 730);
    const registration = {
      serviceId,
      applicationId,
      providerId,
      track,
      serviceName,
      serviceModel,
      scope,
      auditBodyId,
      auditPeriod,
      registrationNumber,
      registeredOn: dateOf(meetingDay),
      validUntil,
    };
    const rulingId = yield* ruling({ kind: 'application', applicationId }, 'REGISTER', registrationNumber, {
      kind: 'REGISTER_SERVICE',
      registration,
    });
    yield entry(
      stream,
      'ApplicationDecided',
      {
        applicationId,
        rulingId,
        meetingId,
        decision: 'REGISTER',
        decidedOn: dateOf(meetingDay),
        registrationNumber,
      },
      dateOf(meetingDay),
      'system:reactions',
    );
    const serviceStream = `service-${serviceId}`;
    yield entry(
      serviceStream,
      'ServiceRegistered',
      { ...registration, rulingId, meetingId },
      dateOf(meetingDay),
      'system:reactions',
    );
    if (random() < 0.3) {
      yield entry(
        serviceStream,
        'IncidentReported',
        {
          serviceId,
          incidentId: `${serviceId}-i1`,
          stage: 'FLASH',
          flashIncidentId: null,
          occurredAt: `${dateOf(meetingDay + 30)}T03:00:00.000Z`,
          summary: '一部リージョンにおける認証基盤の障害',
          reportedOn: dateOf(meetingDay + 30),
        },
        dateOf(meetingDay + 30),
        csp,
      );
    }
    if (random() < 0.2) {
      yield entry(
        serviceStream,
        'ServiceChangeApproved',
        {
          serviceId,
          applicationId: `a-${pad(serviceSeq, 6)}-c`,
          serviceName: `${serviceName} v2`,
          serviceModel,
          scope,
          approvedOn: dateOf(meetingDay + 60),
          rulingId: `${rulingId}-c`,
          meetingId,
        },
        dateOf(meetingDay + 60),
        'system:reactions',
      );
    }
    const end = random();
    if (end < 0.3) {
      yield entry(
        serviceStream,
        'RenewalApplied',
        { serviceId, applicationId: `a-${pad(serviceSeq, 6)}-2`, appliedOn: dateOf(meetingDay + 700) },
        dateOf(meetingDay + 700),
        'system:reactions',
      );
      yield entry(
        serviceStream,
        'RegistrationRenewed',
        {
          serviceId,
          applicationId: `a-${pad(serviceSeq, 6)}-2`,
          registrationNumber,
          auditBodyId,
          auditPeriod,
          renewedOn: dateOf(meetingDay + 720),
          validUntil: dateOf(meetingDay + 1460),
          rulingId: `${rulingId}-r`,
          meetingId,
          statement: { serviceName, serviceModel, scope },
        },
        dateOf(meetingDay + 720),
        'system:reactions',
      );
    } else if (end < 0.4) {
      yield entry(
        serviceStream,
        'ServiceWithdrawn',
        {
          serviceId,
          effectiveOn: dateOf(meetingDay + 400),
          reason: '提供終了',
          withdrawnOn: dateOf(meetingDay + 380),
        },
        dateOf(meetingDay + 380),
        csp,
      );
    } else if (end < 0.5) {
      yield entry(
        serviceStream,
        'RegistrationExpired',
        { serviceId, expiredOn: dateOf(meetingDay + 731), validUntil },
        dateOf(meetingDay + 731),
        'system:expiry',
      );
    }
  }

  function* history(): Generator<LogEntry> {
    yield* meeting();
    for (let i = 0; i < 8; i++) yield* auditBody();
    for (;;) {
      day += 1;
      yield* service();
      if (random() < 0.002) yield* auditBody();
    }
  }

  for (const item of history()) {
    if (emitted >= count) return;
    emitted += 1;
    yield item;
  }
}

/**
 * Appends `count` generated events in log order. Consecutive events of one stream go in one append, and many
 * appends are issued before any is awaited: the embedded store commits them together, in call order.
 */
export async function appendRealisticLog(
  store: EventStore,
  count: number,
  options: { readonly seed?: number; readonly chunk?: number } = {},
): Promise<void> {
  const chunk = options.chunk ?? 5000;
  let pending: Promise<unknown>[] = [];
  let run: LogEntry[] = [];
  let inChunk = 0;
  const flushRun = () => {
    const first = run[0];
    if (first === undefined) return;
    pending.push(
      store.appendToStream(
        first.streamName,
        run.map((e) => e.event),
        { expectedRevision: 'any' },
      ),
    );
    run = [];
  };
  for (const entry of realisticLog(count, options.seed ?? 1)) {
    if (run.length > 0 && run[0]!.streamName !== entry.streamName) flushRun();
    run.push(entry);
    inChunk += 1;
    if (inChunk >= chunk) {
      flushRun();
      await Promise.all(pending);
      pending = [];
      inChunk = 0;
    }
  }
  flushRun();
  await Promise.all(pending);
}
