import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiscoveryService, ModulesContainer, Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import pino from 'pino';
import { controllersOf, issueDevToken, routeAccessTable } from '@ismap/auth';
import { loadConfig, type AppConfig } from '@ismap/config';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import { createApiApplication } from '../../apps/api/src/bootstrap';
import { randomCorporateNumber } from '../support/corporate-number';
import { answerDefect, fuzzSeed, nastyString, percentEncode } from '../support/fuzz';

/**
 * Property-based fuzzing of every read route (GET), the read side's counterpart of fuzz.e2e.spec.ts. The routes come
 * from the running Nest router. Each case is a caller the route admits, asking with a query string of parameters the
 * route knows and parameters it does not, with any values, repeated or malformed, odd path ids, and a malformed
 * `X-Min-Log-Position` now and then. The answer may be a success or a 4xx; a 4xx is problem+json with a stable code;
 * never a 5xx, never a stack trace; and no read appends anything to the log.
 */

const RUNS_PER_ROUTE = 300;

/** Parameter names of the read routes (API.md), and names no route has, some of them JavaScript's own. */
const NAMES = [
  'asOf',
  'atPosition',
  'format',
  'table',
  'limit',
  'cursor',
  'from',
  'to',
  'subject',
  'actor',
  'type',
  'serviceId',
  'controlId',
  'auditBodyId',
  'status',
  'kind',
  'providerId',
  'sub',
  'outcome',
  'stream',
  'position',
  'x',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'length',
  'a[b]',
  'a[]',
  '',
] as const;

/** Values with the shape of what the parameters take, and just off it. */
const PLAUSIBLE = [
  '2021-03-12',
  '2021-02-30',
  '2021-3-12',
  '99999-01-01',
  '0',
  '1',
  '-1',
  '1.5',
  '100',
  '1000000',
  '18446744073709551616',
  'json',
  'csv',
  'md',
  'html',
  'xml',
  'OPEN',
  'CLOSED',
  'ISMAP',
  '9.2',
  '9.2.3.11.PB',
  'service:x',
  'application:',
  'lists',
] as const;

interface ReadRoute {
  readonly path: string;
  readonly params: readonly string[];
  /** undefined: public. */
  readonly roles: readonly string[] | undefined;
}

interface QueryCase {
  readonly role: string | undefined;
  readonly path: Record<string, string>;
  readonly query: string;
  readonly minLogPosition: string | undefined;
}

describe('fuzzing every read route (fast-check, in-process inject)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-query-fuzz-'));
  const prefix = `test-query-fuzz-${randomBytes(6).toString('hex')}:`;
  let config: AppConfig;
  let app: NestFastifyApplication;
  let store: EventStore;
  let routes: ReadRoute[];
  let headBefore: string | undefined;
  const tokens = new Map<string, string>();
  const ids: Record<string, string[]> = {};
  const tally = new Map<string, Map<number, number>>();

  const issue = (role: string, sub: string, org?: string) =>
    issueDevToken(
      { role, sub, ...(org === undefined ? {} : { org }) },
      { dataDir, issuer: config.auth.issuer, audience: config.auth.audience },
    );

  async function post(path: string, role: string, body: unknown): Promise<Record<string, unknown>> {
    const response = await app.inject({
      method: 'POST',
      url: path,
      headers: { authorization: `Bearer ${tokens.get(role) ?? ''}`, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    if (response.statusCode >= 300)
      throw new Error(`seeding ${path}: ${response.statusCode} ${response.body}`);
    return JSON.parse(response.body) as Record<string, unknown>;
  }

  beforeAll(async () => {
    config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_PER_TOKEN: '0',
      RATE_LIMIT_PER_IP: '0',
    });
    app = await createApiApplication(config, [], pino({ level: 'silent' }));
    await app.getHttpAdapter().getInstance().ready();
    store = app.get<EventStore>(EVENT_STORE);
    for (const role of ['secretariat', 'ipa-reviewer', 'committee-member', 'agency']) {
      tokens.set(role, await issue(role, `query-fuzz@${role}`));
    }
    const provider = await post('/providers', 'secretariat', {
      name: 'Query Fuzz KK',
      corporateNumber: randomCorporateNumber(),
    });
    const auditBody = await post('/audit-bodies', 'secretariat', {
      name: '監査法人クエリ',
      corporateNumber: randomCorporateNumber(),
      organisationType: 'AUDIT_CORPORATION',
      occurredOn: '2023-01-10',
    });
    tokens.set('csp', await issue('csp', 'query-fuzz@provider', String(provider['providerId'])));
    tokens.set(
      'audit-body',
      await issue('audit-body', 'query-fuzz@auditor', String(auditBody['auditBodyId'])),
    );
    await post('/committee/meetings', 'secretariat', { number: 1, heldOn: '2023-02-01' });
    await post('/committee/meetings/M1/rulings', 'secretariat', {
      subject: { auditBodyId: auditBody['auditBodyId'] },
      decision: 'AUDIT_BODY_REGISTER',
      rationale: 'Seeded for the fuzzer',
    });
    const application = await post('/applications', 'csp', {
      kind: 'NEW',
      track: 'ISMAP',
      serviceName: 'Query Fuzz SaaS',
      serviceModel: 'SaaS',
      scope: { description: 'Fuzzed', regions: ['Tokyo'] },
      auditBodyId: auditBody['auditBodyId'],
      auditPeriod: { start: '2023-04-01', end: '2024-03-31' },
      auditReportDate: '2024-05-15',
      submittedOn: '2024-06-01',
      excludedObjectives: [],
    });
    Object.assign(ids, {
      id: [String(application['applicationId']), String(application['serviceId']), 'M1'],
      webhookId: [],
      reportId: [],
    });

    const discovery = new DiscoveryService(app.get(ModulesContainer));
    const fastify = app.getHttpAdapter().getInstance();
    routes = routeAccessTable(controllersOf(discovery), app.get(Reflector))
      .filter((route) => route.method === 'GET')
      .flatMap((route) =>
        route.paths.map((path): ReadRoute => {
          if (!fastify.hasRoute({ method: 'GET', url: path })) throw new Error(`GET ${path} is not routed`);
          return {
            path,
            params: [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1] ?? ''),
            roles: route.access?.kind === 'roles' ? route.access.roles : undefined,
          };
        }),
      );
    headBefore = (await store.readAll({ direction: 'backwards', maxCount: 1 }))[0]?.position;
  });

  afterAll(async () => {
    await app.close();
    const redis = new Redis();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
    process.stdout.write(
      `query fuzz summary (${RUNS_PER_ROUTE} runs per route)\n${[...tally.entries()]
        .map(
          ([route, statuses]) =>
            `${route}: ${[...statuses.entries()]
              .sort(([a], [b]) => a - b)
              .map(([status, n]) => `${status}×${n}`)
              .join(' ')}`,
        )
        .join('\n')}\n`,
    );
  });

  // ---- generators -------------------------------------------------------------------------------------------

  const value = fc.oneof(fc.constantFrom(...PLAUSIBLE), nastyString, fc.uuid({ version: 4 }));

  /** One `name=value` pair as a client might send it: encoded, raw where it can be, or without `=`. */
  const pair = (names: readonly string[]): fc.Arbitrary<string> =>
    fc
      .tuple(fc.constantFrom(...names), value, fc.constantFrom('encoded', 'raw', 'bare'))
      .map(([name, text, form]) => {
        if (form === 'bare') return percentEncode(name);
        if (form === 'raw' && /^[\w.:-]*$/.test(text)) return `${name}=${text}`;
        return `${percentEncode(name)}=${percentEncode(text)}`;
      });

  const queries = (route: ReadRoute): fc.Arbitrary<string> => {
    const names = [...new Set([...NAMES, ...route.params])];
    return fc
      .array(pair(names), { maxLength: 6 })
      .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.join('&')}`));
  };

  const pathIds = (route: ReadRoute): fc.Arbitrary<Record<string, string>> =>
    route.params.length === 0
      ? fc.constant({})
      : fc
          .tuple(
            ...route.params.map((name) =>
              fc.oneof(
                ...(ids[name]?.length ? [fc.constantFrom(...ids[name])] : []),
                fc.uuid({ version: 4 }),
                nastyString.filter((text) => text !== '').map(percentEncode),
                fc.constantFrom('M1', 'M0', '%2F', '..', 'FY2024', 'x'.repeat(600)),
              ),
            ),
          )
          .map((values) => Object.fromEntries(route.params.map((name, i) => [name, values[i] ?? 'x'])));

  const cases = (route: ReadRoute): fc.Arbitrary<QueryCase> =>
    fc.record({
      role:
        route.roles === undefined
          ? fc.constantFrom(undefined, 'secretariat')
          : fc.constantFrom(...route.roles),
      path: pathIds(route),
      query: queries(route),
      // Malformed only: a well-formed position the read model has not reached is waited for (≤ 5 s, then 503).
      minLogPosition: fc.option(
        fc.oneof(
          nastyString
            .map((text) => text.replace(/[^\t\x20-\x7e]/g, ''))
            .filter((text) => !/^\s*\d+\s*$/.test(text)),
          fc.constantFrom('-1', '1.0', '0x10', 'abc', '1 2'),
        ),
        { nil: undefined },
      ),
    });

  // ---- the property -----------------------------------------------------------------------------------------

  it('enumerates the read routes from the running router', () => {
    const paths = routes.map((route) => route.path);
    expect(paths.length).toBeGreaterThanOrEqual(15);
    expect(paths).toEqual(
      expect.arrayContaining(['/lists/ismap', '/audit-trail', '/findings', '/services/:id']),
    );
  });

  it(`answers ${RUNS_PER_ROUTE} odd queries per read route with a success or a 4xx problem+json, never a 5xx`, async () => {
    for (const route of routes) {
      const statuses = new Map<number, number>();
      tally.set(`GET ${route.path}`, statuses);
      await fc.assert(
        fc.asyncProperty(cases(route), async (c) => {
          const url =
            route.path.replace(/:([A-Za-z0-9_]+)/g, (_match, name: string) => c.path[name] ?? '') + c.query;
          const headers: Record<string, string> = {};
          if (c.role !== undefined) headers['authorization'] = `Bearer ${tokens.get(c.role) ?? ''}`;
          if (c.minLogPosition !== undefined) headers['x-min-log-position'] = c.minLogPosition;
          const response = await app.inject({ method: 'GET', url, headers });
          statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
          const what = `GET ${url} ${JSON.stringify(headers['x-min-log-position'] ?? null)} as ${c.role ?? 'nobody'} → ${response.statusCode} ${response.body.slice(0, 300)}`;
          const defect = answerDefect(response);
          if (defect !== undefined) throw new Error(`${defect}: ${what}`);
        }),
        { numRuns: RUNS_PER_ROUTE, seed: fuzzSeed() },
      );
    }
  }, 300_000);

  it('refuses a query string on a route that takes none, naming each parameter, and appends nothing', async () => {
    const secretariat = { authorization: `Bearer ${tokens.get('secretariat') ?? ''}` };
    const csp = { authorization: `Bearer ${tokens.get('csp') ?? ''}` };
    expect((await app.inject({ method: 'GET', url: '/webhooks', headers: csp })).statusCode).toBe(200);
    // Not the whole list answered as if a page had been asked for and heard.
    const paged = await app.inject({ method: 'GET', url: '/webhooks?limit=5&x', headers: csp });
    expect(paged.statusCode).toBe(400);
    expect(paged.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(paged.body)).toMatchObject({
      code: 'REQUEST.INVALID',
      detail: 'The query is not valid',
      errors: [
        { field: 'limit', messages: ['limit is not a parameter of this route'] },
        { field: 'x', messages: ['x is not a parameter of this route'] },
      ],
    });
    const before = await store.readAll({ direction: 'backwards', maxCount: 1 });
    const command = await app.inject({
      method: 'POST',
      url: '/providers?dryRun=true',
      headers: { ...secretariat, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'Dry Run KK', corporateNumber: randomCorporateNumber() }),
    });
    expect(command.statusCode).toBe(400);
    expect(JSON.parse(command.body)).toMatchObject({ errors: [{ field: 'dryRun' }] });
    expect(await store.readAll({ direction: 'backwards', maxCount: 1 })).toEqual(before);
    // Who may not see the route still hears 401/403 first; routes with query parameters still take theirs.
    expect((await app.inject({ method: 'GET', url: '/webhooks?limit=5' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/lists/ismap?asOf=2021-03-12' })).statusCode).toBe(200);
    // The health probes take whatever a load balancer adds.
    expect((await app.inject({ method: 'GET', url: '/health/live?probe=lb-7' })).statusCode).toBe(200);
  });

  it('appended nothing: reads do not write the log', async () => {
    expect((await store.readAll({ direction: 'backwards', maxCount: 1 }))[0]?.position).toBe(headBefore);
  });

  it('asked every read route, and got some refusals and some answers overall', () => {
    expect([...tally.keys()]).toHaveLength(routes.length);
    const all = [...tally.values()].flatMap((statuses) => [...statuses.entries()]);
    expect(all.some(([status]) => status === 400)).toBe(true);
    expect(all.some(([status]) => status === 200)).toBe(true);
  });
});
