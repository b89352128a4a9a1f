import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pino from 'pino';
import { issueDevToken, ROUTE_POLICIES } from '@ismap/auth';
import { loadConfig, type AppConfig } from '@ismap/config';
import { applicationStreamName, serviceStreamName } from '@ismap/domain';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import { createApiApplication } from '../../apps/api/src/bootstrap';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { waitForCondition } from '../support/http';
import type { MatrixActor, MatrixFixtures, MatrixRow } from './authorization-matrix.table';
import { AUTHORIZATION_MATRIX, MATRIX_ACTORS } from './authorization-matrix.table';
import { randomCorporateNumber } from '../support/corporate-number';

/**
 * Issue 5, "Must show": every route the running router registers has a row in the matrix and a policy, and each
 * actor gets exactly the row's outcome; cross-organisation reads and writes by csp and audit-body tokens fail,
 * reads with 404. See authorization-matrix.table.ts for what "allowed" means and how it is observed.
 */

/** Every route Fastify registers, from its onRoute hook, added before Nest (or Swagger) registers any. */
const registered: { method: string; url: string }[] = [];

@Module({
  providers: [
    {
      provide: 'MATRIX_ROUTE_COLLECTOR',
      inject: [HttpAdapterHost],
      useFactory: (host: HttpAdapterHost) => {
        host.httpAdapter.getInstance<FastifyInstance>().addHook('onRoute', (route) => {
          for (const method of [route.method].flat()) registered.push({ method, url: route.url });
        });
        return registered;
      },
    },
  ],
})
class RouteCollectorModule {}

type Outcome = 'allowed' | 'hidden' | 'unauthenticated' | 'forbidden' | `other ${number} ${string}`;
interface Answer {
  readonly status: number;
  readonly json: Record<string, unknown>;
  readonly headers: Record<string, unknown>;
}

/** The probe no command route accepts: only an actor who passed the guard reaches validation (400). */
const PROBE = { matrixProbe: true };

function expectedOutcome(row: Extract<MatrixRow, { allowed: unknown }>, actor: MatrixActor): Outcome {
  if (row.allowed.includes(actor)) return 'allowed';
  if (row.hidden?.includes(actor)) return 'hidden';
  return actor === 'anonymous' ? 'unauthenticated' : 'forbidden';
}

function outcomeOf(method: string, answer: Answer): Outcome {
  const code = typeof answer.json['code'] === 'string' ? answer.json['code'] : '';
  if (answer.status === 401 && code === 'AUTH.AUTHENTICATION_REQUIRED') return 'unauthenticated';
  if (answer.status === 403 && code === 'AUTH.FORBIDDEN') return 'forbidden';
  if (answer.status === 404 && code.endsWith('.NOT_FOUND')) return 'hidden';
  if (method === 'GET' && (answer.status === 200 || answer.status === 202)) return 'allowed';
  // Only the validation pipe (and handlers) answer REQUEST.INVALID, and Nest runs them after every guard.
  if (answer.status === 400 && code === 'REQUEST.INVALID') return 'allowed';
  return `other ${answer.status} ${code}`;
}

describe('authorization matrix: every route × every actor (HTTP, embedded store, real Redis, worker running)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-matrix-'));
  const prefix = `test-authz-matrix-${process.pid}-${randomBytes(4).toString('hex')}:`;
  let config: AppConfig;
  let app: NestFastifyApplication;
  let store: EventStore;
  let fixtures: MatrixFixtures;
  let minPosition: string;
  const tokens = new Map<MatrixActor | 'secretariat-2', string>();

  const token = (role: string, sub: string, org?: string) =>
    issueDevToken(
      { role, sub, ...(org === undefined ? {} : { org }) },
      { dataDir, issuer: config.auth.issuer, audience: config.auth.audience },
    );
  const bearerOf = (actor: MatrixActor | 'secretariat-2'): string | undefined => tokens.get(actor);

  async function call(
    method: string,
    url: string,
    actor: MatrixActor | 'secretariat-2',
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const bearer = bearerOf(actor);
    const response = await app.inject({
      method: method as 'GET' | 'POST',
      url,
      headers: {
        ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(method === 'GET' && minPosition !== undefined ? { 'x-min-log-position': minPosition } : {}),
        ...headers,
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    let json: Record<string, unknown> = {};
    try {
      json = response.body === '' ? {} : (JSON.parse(response.body) as Record<string, unknown>);
    } catch {
      json = {};
    }
    return { status: response.statusCode, json, headers: response.headers };
  }

  async function command(url: string, actor: MatrixActor | 'secretariat-2', body: unknown, status: number) {
    const answer = await call('POST', url, actor, body);
    if (answer.status !== status) {
      throw new Error(
        `POST ${url} as ${actor}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.json)}`,
      );
    }
    return answer.json;
  }
  const idOf = (json: Record<string, unknown>, name: string): string => {
    const value = json[name];
    if (typeof value !== 'string') throw new Error(`no ${name} in ${JSON.stringify(json)}`);
    return value;
  };
  const head = async (): Promise<string> => {
    const [last] = await store.readAll({ direction: 'backwards', maxCount: 1 });
    if (last === undefined) throw new Error('empty log');
    return last.position;
  };
  const revisionOf = async (streamName: string): Promise<number> =>
    (await store.readStream(streamName)).length;

  const application = (auditBodyId: string, extra: Record<string, unknown> = {}) => ({
    kind: 'NEW',
    track: 'ISMAP',
    serviceName: `Matrix SaaS ${randomUUID().slice(0, 6)}`,
    serviceModel: 'SaaS',
    scope: { description: 'A SaaS and its operations', regions: ['Tokyo'] },
    auditBodyId,
    auditPeriod: { start: '2023-04-01', end: '2024-03-31' },
    auditReportDate: '2024-05-15',
    submittedOn: '2024-06-01',
    excludedObjectives: [],
    ...extra,
  });

  beforeAll(async () => {
    config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_PER_TOKEN: '0',
      RATE_LIMIT_PER_IP: '0',
    });
    app = await createApiApplication(config, [RouteCollectorModule, WorkerModule], pino({ level: 'silent' }));
    await app.getHttpAdapter().getInstance().ready();
    store = app.get<EventStore>(EVENT_STORE);

    tokens.set('secretariat', await token('secretariat', 'tanaka@nisc'));
    tokens.set('secretariat-2', await token('secretariat', 'yamada@nisc'));
    tokens.set('ipa-reviewer', await token('ipa-reviewer', 'suzuki@ipa'));
    tokens.set('committee-member', await token('committee-member', 'ito@committee'));
    tokens.set('agency', await token('agency', 'kato@digital-agency'));

    const providerA = idOf(
      await command(
        '/providers',
        'secretariat',
        { name: 'Provider A KK', corporateNumber: randomCorporateNumber() },
        201,
      ),
      'providerId',
    );
    const providerB = idOf(
      await command(
        '/providers',
        'secretariat',
        { name: 'Provider B KK', corporateNumber: randomCorporateNumber() },
        201,
      ),
      'providerId',
    );
    const auditBody = async (name: string) =>
      idOf(
        await command(
          '/audit-bodies',
          'secretariat',
          {
            name,
            corporateNumber: randomCorporateNumber(),
            organisationType: 'AUDIT_CORPORATION',
            occurredOn: '2023-01-10',
          },
          201,
        ),
        'auditBodyId',
      );
    const auditBodyX = await auditBody('監査法人 X');
    const auditBodyY = await auditBody('監査法人 Y');
    tokens.set('csp-owner', await token('csp', 'sato@provider-a', providerA));
    tokens.set('csp-other', await token('csp', 'kimura@provider-b', providerB));
    tokens.set('audit-body-named', await token('audit-body', 'mori@audit-x', auditBodyX));
    tokens.set('audit-body-other', await token('audit-body', 'abe@audit-y', auditBodyY));

    for (const [number, heldOn] of [
      [1, '2023-02-01'],
      [2, '2024-07-15'],
      [3, '2025-03-10'],
    ] as const) {
      await command('/committee/meetings', 'secretariat', { number, heldOn }, 201);
    }
    for (const auditBodyId of [auditBodyX, auditBodyY]) {
      await command(
        '/committee/meetings/M1/rulings',
        'secretariat',
        { subject: { auditBodyId }, decision: 'AUDIT_BODY_REGISTER', rationale: 'Meets the criteria' },
        201,
      );
    }

    // Provider A's application naming X, with X's finding, registered at M2.
    const submitted = await command('/applications', 'csp-owner', application(auditBodyX), 201);
    const applicationId = idOf(submitted, 'applicationId');
    const serviceId = idOf(submitted, 'serviceId');
    const findingId = idOf(
      await command(
        `/applications/${applicationId}/audit-findings`,
        'audit-body-named',
        {
          controlId: '9.2.3.11.PB',
          assessment: 'OPERATING',
          kind: 'OBSERVATION',
          description: 'Access reviews are quarterly, the policy says monthly',
          occurredOn: '2024-06-05',
        },
        201,
      ),
      'findingId',
    );
    await command(
      `/findings/${findingId}/responses`,
      'csp-owner',
      { correctiveAction: 'Monthly reviews from July', occurredOn: '2024-06-06' },
      200,
    );
    await command(
      `/findings/${findingId}/resolve`,
      'ipa-reviewer',
      { resolution: 'RESOLVED', note: 'Evidence of the July review seen', occurredOn: '2024-06-08' },
      200,
    );
    await command(`/applications/${applicationId}/accept`, 'ipa-reviewer', { acceptedOn: '2024-06-10' }, 200);
    await command(
      `/applications/${applicationId}/refer`,
      'ipa-reviewer',
      { meetingId: 'M2', occurredOn: '2024-07-01' },
      200,
    );
    await command(
      '/committee/meetings/M2/rulings',
      'secretariat',
      { subject: { applicationId }, decision: 'REGISTER', rationale: 'Meets the standard' },
      201,
    );
    // Provider B's application naming Y: Y audits something, just not A's application.
    await command('/applications', 'csp-other', application(auditBodyY), 201);
    const rulingId = idOf(
      await command(
        '/committee/meetings/M3/rulings',
        'secretariat',
        { subject: { serviceId }, decision: 'REVOKE', rationale: 'Pending second secretariat' },
        201,
      ),
      'rulingId',
    );
    const webhookId = idOf(
      await command(
        '/webhooks',
        'csp-owner',
        // A type no step of this test records: the worker never has anything to deliver.
        { url: 'https://hooks.provider-a.example/ismap', eventTypes: ['RegistrationRevoked'] },
        201,
      ),
      'webhookId',
    );
    const reportId = idOf(await command('/reports', 'secretariat', { fiscalYear: 2024 }, 202), 'reportId');
    fixtures = {
      webhookId,
      reportId,
      providerA,
      providerB,
      auditBodyX,
      auditBodyY,
      applicationId,
      serviceId,
      findingId,
      meetingId: 'M3',
      rulingId,
    };
    // Reads below name the log head, so every projection they use has caught up (X-Min-Log-Position).
    await waitForCondition(
      async () => (await call('GET', `/services/${serviceId}`, 'secretariat')).status === 200,
      { timeoutMs: 10_000, what: 'the registered service on the read side' },
    );
    minPosition = await head();
  });

  afterAll(async () => {
    await app.close();
    const redis = new Redis();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('coverage', () => {
    /** HEAD mirrors of GET routes are Fastify's own (exposeHeadRoutes) and pass through the same handler. */
    const routesOfRouter = (): string[] => {
      const gets = new Set(registered.filter((r) => r.method === 'GET').map((r) => r.url));
      return [
        ...new Set(
          registered
            .filter((r) => !(r.method === 'HEAD' && gets.has(r.url)))
            .map((r) => `${r.method} ${r.url}`),
        ),
      ].sort();
    };

    it('collects the routes from the running router', () => {
      expect(routesOfRouter()).toEqual(
        expect.arrayContaining(['GET /applications/:id', 'POST /applications']),
      );
    });

    /** A row's route, or every route a `…*` row prefixes. */
    const covers = (row: MatrixRow, route: string): boolean =>
      row.route.endsWith('*') ? route.startsWith(row.route.slice(0, -1)) : route === row.route;

    it('has a matrix row for every registered route, and no row for a route that does not exist', () => {
      const routes = routesOfRouter();
      expect(routes.filter((route) => !AUTHORIZATION_MATRIX.some((row) => covers(row, route)))).toEqual([]);
      expect(
        AUTHORIZATION_MATRIX.filter((row) => !routes.some((route) => covers(row, route))).map(
          (row) => row.route,
        ),
      ).toEqual([]);
      expect(new Set(AUTHORIZATION_MATRIX.map((row) => row.route)).size).toBe(AUTHORIZATION_MATRIX.length);
    });

    it('has a policy (libs/auth ROUTE_POLICIES) for every route that is not excluded infrastructure', () => {
      const missing = AUTHORIZATION_MATRIX.filter(
        (row) => !('excluded' in row) && ROUTE_POLICIES[row.route] === undefined,
      );
      expect(missing.map((row) => row.route)).toEqual([]);
    });
  });

  describe.each(
    AUTHORIZATION_MATRIX.filter((row) => !('excluded' in row)).map((row) => [row.route, row] as const),
  )('%s', (route, row) => {
    it('gives every actor exactly its outcome', async () => {
      if ('excluded' in row) throw new Error('excluded rows are not called');
      const method = route.split(' ')[0] ?? 'GET';
      const url = row.path(fixtures);
      const expected: Record<string, Outcome> = {};
      const actual: Record<string, Outcome> = {};
      for (const actor of MATRIX_ACTORS) {
        expected[actor] = expectedOutcome(row, actor);
        actual[actor] = outcomeOf(
          method,
          await call(method, url, actor, method === 'POST' ? PROBE : undefined),
        );
      }
      expect(actual).toEqual(expected);
    });
  });

  describe('X-Min-Log-Position on every read route', () => {
    const MALFORMED = { 'x-min-log-position': 'yesterday' };
    const reads = AUTHORIZATION_MATRIX.filter(
      (row): row is Extract<MatrixRow, { allowed: unknown }> =>
        !('excluded' in row) && row.route.startsWith('GET '),
    );

    it('every GET route refuses a malformed one with the same 400 problem+json, whatever it reads', async () => {
      expect(reads.length).toBeGreaterThanOrEqual(19);
      const answers: unknown[] = [];
      for (const row of reads) {
        const answer = await call(
          'GET',
          row.path(fixtures),
          row.allowed[0] ?? 'anonymous',
          undefined,
          MALFORMED,
        );
        answers.push([row.route, answer.status, answer.json['code'], answer.headers['content-type']]);
      }
      expect(answers).toEqual(
        reads.map((row) => [
          row.route,
          400,
          'REQUEST.INVALID_MIN_LOG_POSITION',
          expect.stringContaining('application/problem+json'),
        ]),
      );
    });

    it('who may not call the route hears 401/403 first; the health probes ignore the header', async () => {
      expect((await call('GET', '/access-log', 'anonymous', undefined, MALFORMED)).status).toBe(401);
      expect(
        (await call('GET', `/reports/${fixtures.reportId}`, 'agency', undefined, MALFORMED)).status,
      ).toBe(403);
      for (const probe of ['/health/live', '/health/ready']) {
        expect((await call('GET', probe, 'anonymous', undefined, MALFORMED)).status).toBe(200);
      }
    });
  });

  describe('field level: GET /services/:id, one serializer per audience', () => {
    const PUBLIC_KEYS = ['serviceId', 'track', 'status'];

    it('gives the owner and the review process the whole registration, anyone else the public fields', async () => {
      const keys = async (actor: MatrixActor) =>
        Object.keys((await call('GET', `/services/${fixtures.serviceId}`, actor)).json).sort();
      const privileged = await keys('secretariat');
      const publicView = await keys('anonymous');
      expect(privileged).toEqual(expect.arrayContaining(['provider', 'auditBody', 'revokedOn']));
      expect(publicView).toEqual(expect.arrayContaining(PUBLIC_KEYS));
      expect(publicView).not.toContain('provider');
      expect(publicView).not.toContain('revokedOn');
      for (const actor of ['ipa-reviewer', 'committee-member', 'csp-owner'] as const) {
        expect(await keys(actor)).toEqual(privileged);
      }
      for (const actor of ['agency', 'csp-other', 'audit-body-named', 'audit-body-other'] as const) {
        expect(await keys(actor)).toEqual(publicView);
      }
    });
  });

  describe('across organisations (csp and audit-body tokens)', () => {
    const ids = (json: Record<string, unknown>, list: string, id: string): unknown[] =>
      (json[list] as Record<string, unknown>[]).map((item) => item[id]);

    it('reads of another organisation’s objects answer 404, like objects that do not exist', async () => {
      for (const [actor, url] of [
        ['csp-other', `/applications/${fixtures.applicationId}`],
        ['csp-other', `/services/${fixtures.serviceId}/history`],
        ['audit-body-other', `/applications/${fixtures.applicationId}`],
      ] as const) {
        const hidden = await call('GET', url, actor);
        const missing = await call('GET', url.replace(/[0-9a-f-]{36}/, randomUUID()), actor);
        expect([hidden.status, hidden.json['code']]).toEqual([404, missing.json['code']]);
        expect(hidden.json['detail']).toBe(missing.json['detail']);
      }
    });

    it('lists hold only what the caller may see', async () => {
      const apps = async (actor: MatrixActor) =>
        ids((await call('GET', '/applications', actor)).json, 'applications', 'applicationId');
      const findings = async (actor: MatrixActor) =>
        ids((await call('GET', '/findings', actor)).json, 'findings', 'findingId');
      expect(await apps('csp-owner')).toContain(fixtures.applicationId);
      expect(await apps('audit-body-named')).toContain(fixtures.applicationId);
      expect(await apps('csp-other')).not.toContain(fixtures.applicationId);
      expect(await apps('audit-body-other')).not.toContain(fixtures.applicationId);
      expect((await apps('csp-other')).length).toBe(1);
      expect(await findings('csp-owner')).toEqual([fixtures.findingId]);
      expect(await findings('audit-body-named')).toEqual([fixtures.findingId]);
      expect(await findings('csp-other')).toEqual([]);
      expect(await findings('audit-body-other')).toEqual([]);
      // Query parameters cannot widen the view.
      const widened = await call('GET', `/applications?providerId=${fixtures.providerA}`, 'csp-other');
      expect(widened.json['applications']).toEqual([]);
    });

    it('writes on another organisation’s objects, with valid bodies, answer 404 and record nothing', async () => {
      const attempts = [
        ['csp-other', `/applications/${fixtures.applicationId}/withdraw`, { reason: 'Not ours to withdraw' }],
        ['csp-other', `/applications/${fixtures.applicationId}/resubmit`, { serviceName: 'Taken over' }],
        ['csp-other', `/findings/${fixtures.findingId}/responses`, { correctiveAction: 'Nothing' }],
        [
          'audit-body-other',
          `/applications/${fixtures.applicationId}/audit-findings`,
          { controlId: '5.1.1', assessment: 'DESIGN', kind: 'DEFICIENCY', description: 'Planted' },
        ],
        [
          'csp-other',
          `/services/${fixtures.serviceId}/withdrawal`,
          { effectiveOn: '2025-12-31', reason: 'x' },
        ],
        [
          'csp-other',
          `/services/${fixtures.serviceId}/incidents`,
          { stage: 'FLASH', occurredAt: '2025-01-01T00:00:00Z', summary: 'Planted incident' },
        ],
      ] as const;
      const before = [
        await revisionOf(applicationStreamName(fixtures.applicationId)),
        await revisionOf(serviceStreamName(fixtures.serviceId)),
      ];
      const headBefore = await head();
      for (const [actor, url, body] of attempts) {
        const answer = await call('POST', url, actor, body);
        expect([url, answer.status, String(answer.json['code']).endsWith('.NOT_FOUND')]).toEqual([
          url,
          404,
          true,
        ]);
      }
      expect([
        await revisionOf(applicationStreamName(fixtures.applicationId)),
        await revisionOf(serviceStreamName(fixtures.serviceId)),
      ]).toEqual(before);
      expect(await head()).toBe(headBefore);
    });

    it('a body claiming an identity is refused (400) before any object is looked up: hidden or missing alike', async () => {
      for (const url of [
        `/applications/${fixtures.applicationId}/withdraw`,
        `/applications/${randomUUID()}/withdraw`,
      ]) {
        const answer = await call('POST', url, 'csp-other', { reason: 'x', org: fixtures.providerA });
        expect([answer.status, answer.json['code'], answer.json['errors']]).toEqual([
          400,
          'REQUEST.INVALID',
          [expect.objectContaining({ field: 'org' })],
        ]);
      }
    });

    it('an audit body sees a service’s prior findings only while it is named in an open application of it', async () => {
      const findings = async () =>
        ids((await call('GET', '/findings', 'audit-body-other')).json, 'findings', 'findingId');
      expect(await findings()).toEqual([]);
      const change = await command(
        '/applications',
        'csp-owner',
        application(fixtures.auditBodyY, {
          kind: 'CHANGE',
          serviceId: fixtures.serviceId,
          submittedOn: '2024-09-01',
        }),
        201,
      );
      minPosition = await head();
      expect(await findings()).toEqual([fixtures.findingId]);
      // Named in the new application, not in the old one: that one stays hidden.
      expect((await call('GET', `/applications/${fixtures.applicationId}`, 'audit-body-other')).status).toBe(
        404,
      );
      expect(
        (await call('GET', `/applications/${idOf(change, 'applicationId')}`, 'audit-body-other')).status,
      ).toBe(200);
      await command(
        `/applications/${idOf(change, 'applicationId')}/withdraw`,
        'csp-owner',
        { reason: 'Changed our mind', occurredOn: '2024-09-02' },
        200,
      );
      minPosition = await head();
      expect(await findings()).toEqual([]);
    });
  });
});
