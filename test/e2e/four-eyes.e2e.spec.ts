import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import pino from 'pino';
import { ReactionRunner } from '@ismap/application';
import { issueDevToken } from '@ismap/auth';
import { loadConfig, type AppConfig } from '@ismap/config';
import {
  comparePositions,
  EVENT_STORE,
  StreamNotFoundError,
  type EventStore,
  type RecordedEvent,
} from '@ismap/event-store';
import { createApiApplication } from '../../apps/api/src/bootstrap';
import { ReactionsService } from '../../apps/worker/src/reactions.service';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { waitForCondition } from '../support/http';
import { randomCorporateNumber } from '../support/corporate-number';

/**
 * Four eyes on heavy rulings over HTTP: a REVOKE or AUDIT_BODY_DELIST recorded by one secretariat user changes
 * nothing until a different one confirms it; the confirmation is a fact in the log, with its actor, and in the
 * audit trail. The worker (process manager, projections) runs too, so "nothing happens" covers it as well.
 */

type Body = Record<string, unknown>;
interface Answer {
  readonly status: number;
  readonly json: Record<string, unknown>;
  readonly headers: Record<string, unknown>;
}

describe('four eyes on REVOKE and AUDIT_BODY_DELIST (HTTP, embedded store, real Redis, worker running)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-four-eyes-'));
  const prefix = `test-four-eyes-${randomBytes(6).toString('hex')}:`;
  let config: AppConfig;
  let app: NestFastifyApplication;
  let store: EventStore;

  let tanaka: string; // secretariat who records
  let yamada: string; // a second secretariat user
  let ipa: string;
  let csp: string;
  let auditBodyA: string;
  let auditBodyB: string;

  const token = (role: string, sub: string, org?: string) =>
    issueDevToken(
      { role, sub, ...(org === undefined ? {} : { org }) },
      { dataDir, issuer: config.auth.issuer, audience: config.auth.audience },
    );

  async function call(method: 'GET' | 'POST', url: string, bearer?: string, body?: Body, headers: Body = {}) {
    const response = await app.inject({
      method,
      url,
      headers: {
        ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(headers as Record<string, string>),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    const answer: Answer = {
      status: response.statusCode,
      json: response.body === '' ? {} : (JSON.parse(response.body) as Record<string, unknown>),
      headers: response.headers,
    };
    return answer;
  }

  function expectStatus(answer: Answer, status: number): Answer {
    if (answer.status !== status) {
      throw new Error(`expected HTTP ${status}, got ${answer.status}: ${JSON.stringify(answer.json)}`);
    }
    return answer;
  }

  function expectProblem(answer: Answer, status: number, code: string): void {
    expectStatus(answer, status);
    expect(String(answer.headers['content-type'])).toMatch(/^application\/problem\+json/);
    expect(answer.json).toMatchObject({ status, code });
  }

  const idOf = (answer: Answer, name: string): string => {
    const value = answer.json[name];
    if (typeof value !== 'string') throw new Error(`no ${name} in ${JSON.stringify(answer.json)}`);
    return value;
  };

  async function events(streamName: string): Promise<RecordedEvent[]> {
    try {
      return await store.readStream(streamName);
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }
  const types = async (streamName: string) => (await events(streamName)).map((e) => e.type);
  const head = async () => (await store.readAll({ direction: 'backwards', maxCount: 1 }))[0]?.position;

  const rule = (meetingId: string, subject: Body, decision: string, bearer = tanaka) =>
    call('POST', `/committee/meetings/${meetingId}/rulings`, bearer, {
      subject,
      decision,
      rationale: `${decision} as minuted`,
    });
  const confirm = (meetingId: string, rulingId: string, bearer: string, body: Body = {}) =>
    call('POST', `/committee/meetings/${meetingId}/rulings/${rulingId}/confirm`, bearer, body);

  async function applyAsAuditBody(): Promise<string> {
    const answer = await call('POST', '/audit-bodies', tanaka, {
      name: `監査法人 ${randomUUID().slice(0, 8)}`,
      corporateNumber: randomCorporateNumber(),
      organisationType: 'AUDIT_CORPORATION',
      occurredOn: '2023-01-10',
    });
    return idOf(expectStatus(answer, 201), 'auditBodyId');
  }

  /** A NEW application registered by a REGISTER ruling at M2 (2024-07-15): a service on the list. */
  async function registeredService(): Promise<{ serviceId: string; registerRulingId: string }> {
    const submitted = expectStatus(
      await call('POST', '/applications', csp, {
        kind: 'NEW',
        track: 'ISMAP',
        serviceName: `Four Eyes SaaS ${randomUUID().slice(0, 6)}`,
        serviceModel: 'SaaS',
        scope: { description: 'A SaaS and its operations', regions: ['Tokyo'] },
        auditBodyId: auditBodyA,
        auditPeriod: { start: '2023-04-01', end: '2024-03-31' },
        auditReportDate: '2024-05-15',
        submittedOn: '2024-06-01',
        excludedObjectives: [{ controlId: '11.1.1', reason: 'No premises in scope' }],
      }),
      201,
    );
    const applicationId = idOf(submitted, 'applicationId');
    expectStatus(
      await call('POST', `/applications/${applicationId}/accept`, ipa, { acceptedOn: '2024-06-10' }),
      200,
    );
    expectStatus(
      await call('POST', `/applications/${applicationId}/refer`, ipa, {
        meetingId: 'M2',
        occurredOn: '2024-07-01',
      }),
      200,
    );
    const registered = expectStatus(await rule('M2', { applicationId }, 'REGISTER'), 201);
    return { serviceId: idOf(submitted, 'serviceId'), registerRulingId: idOf(registered, 'rulingId') };
  }

  beforeAll(async () => {
    config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', REDIS_KEY_PREFIX: prefix });
    app = await createApiApplication(config, [WorkerModule], pino({ level: 'silent' }));
    await app.getHttpAdapter().getInstance().ready();
    store = app.get<EventStore>(EVENT_STORE);

    tanaka = await token('secretariat', 'tanaka@nisc');
    yamada = await token('secretariat', 'yamada@nisc');
    ipa = await token('ipa-reviewer', 'suzuki@ipa');
    const provider = expectStatus(
      await call('POST', '/providers', tanaka, {
        name: 'Four Eyes KK',
        corporateNumber: randomCorporateNumber(),
      }),
      201,
    );
    csp = await token('csp', 'sato@provider', idOf(provider, 'providerId'));
    auditBodyA = await applyAsAuditBody();
    auditBodyB = await applyAsAuditBody();
    for (const [number, heldOn] of [
      [1, '2023-02-01'],
      [2, '2024-07-15'],
      [3, '2025-03-10'],
    ] as const) {
      expectStatus(await call('POST', '/committee/meetings', tanaka, { number, heldOn }), 201);
    }
    for (const auditBodyId of [auditBodyA, auditBodyB]) {
      expectStatus(await rule('M1', { auditBodyId }, 'AUDIT_BODY_REGISTER'), 201);
    }
  });

  afterAll(async () => {
    await app.close();
    const redis = new Redis();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a REVOKE is recorded PENDING_CONFIRMATION and leaves the service on the list, even for the process manager', async () => {
    const { serviceId } = await registeredService();
    const revoked = expectStatus(await rule('M3', { serviceId }, 'REVOKE'), 201);
    expect(revoked.json).toMatchObject({ status: 'PENDING_CONFIRMATION', meetingId: 'M3' });

    const ruling = (await events('meeting-M3')).find((e) => e.data['rulingId'] === revoked.json['rulingId']);
    expect(ruling).toMatchObject({
      type: 'RulingRecorded',
      data: { decision: 'REVOKE', confirmation: 'REQUIRED', proposedBy: 'tanaka@nisc' },
      metadata: { actor: { sub: 'tanaka@nisc', roles: ['secretariat'] } },
    });
    // Whoever runs the reactions of the recorded ruling (inline, the process manager, a replay) does nothing.
    const manager = app.get(ReactionsService).manager;
    await waitForCondition(
      () => Promise.resolve(comparePositions(manager.checkpoint() ?? '0', ruling?.position ?? '0') >= 0),
      { timeoutMs: 10_000, what: 'the process manager to handle the ruling' },
    );
    await app.get(ReactionRunner).react(ruling as RecordedEvent);
    expect(await types(`service-${serviceId}`)).toEqual(['ServiceRegistered']);
  });

  it('the user who recorded it cannot confirm it (422 RULING.SELF_CONFIRMATION); nothing is appended', async () => {
    const { serviceId } = await registeredService();
    const rulingId = idOf(expectStatus(await rule('M3', { serviceId }, 'REVOKE'), 201), 'rulingId');
    const before = await head();
    expectProblem(await confirm('M3', rulingId, tanaka), 422, 'RULING.SELF_CONFIRMATION');
    expect(await head()).toBe(before);
    expect(await types(`service-${serviceId}`)).toEqual(['ServiceRegistered']);
  });

  it('a different secretariat user confirms: RulingConfirmed (who, when) is in the log and the trail, then the service is revoked', async () => {
    const { serviceId } = await registeredService();
    const rulingId = idOf(expectStatus(await rule('M3', { serviceId }, 'REVOKE'), 201), 'rulingId');

    const confirmed = expectStatus(await confirm('M3', rulingId, yamada, {}), 200);
    expect(confirmed.json).toMatchObject({ rulingId, meetingId: 'M3', status: 'EFFECTIVE' });
    expect(confirmed.headers['x-log-position']).toBe(confirmed.json['position']);

    const confirmation = (await events('meeting-M3')).find(
      (e) => e.type === 'RulingConfirmed' && e.data['rulingId'] === rulingId,
    );
    expect(confirmation).toMatchObject({
      data: {
        rulingId,
        decision: 'REVOKE',
        proposedBy: 'tanaka@nisc',
        confirmedBy: 'yamada@nisc',
        confirmedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        effect: { kind: 'REVOKE_REGISTRATION', serviceId },
      },
      metadata: { actor: { sub: 'yamada@nisc', roles: ['secretariat'] } },
    });
    const [, revocation] = await events(`service-${serviceId}`);
    expect(revocation).toMatchObject({
      type: 'RegistrationRevoked',
      // The business date stays the meeting's: the committee decided then; the confirmation is a control.
      data: { serviceId, revokedOn: '2025-03-10', rulingId, meetingId: 'M3' },
      metadata: { causationId: confirmation?.id, actor: { sub: 'system:reactions' } },
    });

    const trail = await call(
      'GET',
      `/audit-trail?type=RulingConfirmed&actor=yamada%40nisc`,
      tanaka,
      undefined,
      { 'x-min-log-position': String(confirmed.json['position']) },
    );
    expectStatus(trail, 200);
    expect(JSON.stringify(trail.json)).toContain(confirmation?.id);
    expect(JSON.stringify(trail.json)).toContain('yamada@nisc');
  });

  it('confirming twice is a 409 RULING.ALREADY_CONFIRMED, for the confirmer and anyone else', async () => {
    const { serviceId } = await registeredService();
    const rulingId = idOf(expectStatus(await rule('M3', { serviceId }, 'REVOKE'), 201), 'rulingId');
    expectStatus(await confirm('M3', rulingId, yamada), 200);
    const before = await head();
    expectProblem(await confirm('M3', rulingId, yamada), 409, 'RULING.ALREADY_CONFIRMED');
    expectProblem(
      await confirm('M3', rulingId, await token('secretariat', 'kato@nisc')),
      409,
      'RULING.ALREADY_CONFIRMED',
    );
    expect(await head()).toBe(before);
  });

  it('a light ruling cannot be confirmed (422 RULING.CONFIRMATION_NOT_REQUIRED)', async () => {
    const { registerRulingId } = await registeredService();
    expectProblem(await confirm('M2', registerRulingId, yamada), 422, 'RULING.CONFIRMATION_NOT_REQUIRED');
  });

  it('only the secretariat confirms; an unknown ruling is a 404', async () => {
    const { serviceId } = await registeredService();
    const rulingId = idOf(expectStatus(await rule('M3', { serviceId }, 'REVOKE'), 201), 'rulingId');
    expectProblem(await confirm('M3', rulingId, ipa), 403, 'AUTH.FORBIDDEN');
    expectProblem(
      await confirm('M3', rulingId, await token('committee-member', 'member@committee')),
      403,
      'AUTH.FORBIDDEN',
    );
    expectProblem(await confirm('M3', randomUUID(), yamada), 404, 'RULING.NOT_FOUND');
    expectProblem(await confirm('M3', 'not-a-ruling', yamada), 404, 'RULING.NOT_FOUND');
    expectProblem(await confirm('M404', rulingId, yamada), 404, 'MEETING.NOT_FOUND');
    expect(await types(`service-${serviceId}`)).toEqual(['ServiceRegistered']);
  });

  it('a body naming an actor is refused (400) before anything is decided', async () => {
    const { serviceId } = await registeredService();
    const rulingId = idOf(expectStatus(await rule('M3', { serviceId }, 'REVOKE'), 201), 'rulingId');
    expectProblem(
      await confirm('M3', rulingId, tanaka, { confirmedBy: 'yamada@nisc', actor: { sub: 'yamada@nisc' } }),
      400,
      'REQUEST.INVALID',
    );
    expect(await types(`service-${serviceId}`)).toEqual(['ServiceRegistered']);
  });

  it('a confirmation that can no longer apply (the service was withdrawn meanwhile) is a 409 and records nothing', async () => {
    const { serviceId } = await registeredService();
    const rulingId = idOf(expectStatus(await rule('M3', { serviceId }, 'REVOKE'), 201), 'rulingId');
    expectStatus(
      await call('POST', `/services/${serviceId}/withdrawal`, csp, {
        effectiveOn: '2025-04-01',
        reason: 'Service discontinued',
        occurredOn: '2025-03-20',
      }),
      200,
    );
    const before = await head();
    expectProblem(await confirm('M3', rulingId, yamada), 409, 'RULING.NO_LONGER_APPLICABLE');
    expect(await head()).toBe(before);
  });

  it('AUDIT_BODY_DELIST waits for its confirmation too, then delists', async () => {
    const pending = expectStatus(await rule('M3', { auditBodyId: auditBodyB }, 'AUDIT_BODY_DELIST'), 201);
    expect(pending.json['status']).toBe('PENDING_CONFIRMATION');
    expect(await types(`auditbody-${auditBodyB}`)).toEqual(['AuditBodyApplied', 'AuditBodyRegistered']);
    expectProblem(await confirm('M3', idOf(pending, 'rulingId'), tanaka), 422, 'RULING.SELF_CONFIRMATION');

    expectStatus(await confirm('M3', idOf(pending, 'rulingId'), yamada), 200);
    expect(await events(`auditbody-${auditBodyB}`)).toMatchObject([
      { type: 'AuditBodyApplied' },
      { type: 'AuditBodyRegistered' },
      { type: 'AuditBodyDelisted', data: { delistedOn: '2025-03-10', rulingId: pending.json['rulingId'] } },
    ]);
  });
});
