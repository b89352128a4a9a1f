import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiscoveryService, ModulesContainer, Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import pino from 'pino';
import type { RouteAccess } from '@ismap/auth';
import { controllersOf, issueDevToken, routeAccessTable } from '@ismap/auth';
import { loadConfig, type AppConfig } from '@ismap/config';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@ismap/event-store';
import { createApiApplication } from '../../apps/api/src/bootstrap';
import { randomCorporateNumber } from '../support/corporate-number';
import { answerDefect, fuzzSeed, nastyString, percentEncode } from '../support/fuzz';

/**
 * Property-based fuzzing of every command route (issue 5 item 7). The routes come from the running Nest router,
 * so a new command route is fuzzed without anyone listing it here. Each case is a request that is wrong in at
 * least one way (body, headers, credentials or path), sent in-process with Fastify's inject; the answer must be
 * a 4xx problem+json, never a 5xx and never a success, and the business log must not move.
 */

const RUNS_PER_ROUTE = Number(process.env['FUZZ_RUNS_PER_ROUTE'] ?? 1000);
const COMMAND_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const ACTOR_FIELDS = ['actor', 'createdBy', 'org'] as const;
const OVERSIZE = 300 * 1024;

type Json = unknown;
interface OpenApiSchema {
  readonly type?: string;
  readonly $ref?: string;
  readonly properties?: Record<string, OpenApiSchema>;
  readonly required?: readonly string[];
  readonly items?: OpenApiSchema;
  readonly enum?: readonly Json[];
  readonly example?: Json;
  readonly allOf?: readonly OpenApiSchema[];
}
interface OpenApiOperation {
  readonly requestBody?: { readonly content?: Record<string, { readonly schema?: OpenApiSchema }> };
  readonly parameters?: readonly { readonly in: string; readonly name: string }[];
}
interface OpenApiDocument {
  readonly paths: Record<string, Record<string, OpenApiOperation>>;
  readonly components?: { readonly schemas?: Record<string, OpenApiSchema> };
}

/** What the fuzzer knows of one command route, all of it read from the running app. */
interface FuzzedRoute {
  readonly method: string;
  readonly path: string;
  readonly params: readonly string[];
  readonly roles: readonly string[];
  readonly template: Record<string, Json>;
  readonly fields: readonly string[];
  readonly required: readonly string[];
  readonly takesIfMatch: boolean;
}

type Dimension = 'auth' | 'path' | 'headers' | 'body';

/** One generated request, described so that a failure shrinks to something readable. */
interface FuzzCase {
  readonly defects: readonly Dimension[];
  readonly auth: { readonly kind: string; readonly header?: string };
  readonly path: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly body: { readonly kind: string; readonly contentType?: string; readonly payload?: string };
}

describe('fuzzing every command route (fast-check, in-process inject)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-fuzz-'));
  const prefix = `test-fuzz-${randomBytes(6).toString('hex')}:`;
  let config: AppConfig;
  let app: NestFastifyApplication;
  let store: EventStore;
  let routes: FuzzedRoute[];
  const tokens = new Map<string, string>();
  /** Real ids of the seeded objects, so some cases name objects that exist. */
  const known: Record<string, string[]> = {};
  let businessHeadBefore: string | undefined;
  let positionBefore: string | undefined;
  const counts = new Map<string, { cases: number; statuses: Map<number, number> }>();
  let bookkeeping = 0;

  const issue = (role: string, sub: string, org?: string, ttlSeconds?: number) =>
    issueDevToken(
      {
        role,
        sub,
        ...(org === undefined ? {} : { org }),
        ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
      },
      { dataDir, issuer: config.auth.issuer, audience: config.auth.audience },
    );

  async function seed(path: string, role: string, body: Record<string, Json>): Promise<Record<string, Json>> {
    const response = await app.inject({
      method: 'POST',
      url: path,
      headers: { authorization: `Bearer ${tokens.get(role) ?? ''}`, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    if (response.statusCode >= 300)
      throw new Error(`seeding ${path}: ${response.statusCode} ${response.body}`);
    return JSON.parse(response.body) as Record<string, Json>;
  }

  const businessEvents = (events: readonly RecordedEvent[]) =>
    events.filter((event) => !event.streamName.startsWith('idempotency-'));

  beforeAll(async () => {
    config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      REDIS_KEY_PREFIX: prefix,
      // The limiter would answer most cases 429 and hide the code behind it; it has tests of its own.
      RATE_LIMIT_PER_TOKEN: '0',
      RATE_LIMIT_PER_IP: '0',
    });
    app = await createApiApplication(config, [], pino({ level: 'silent' }));
    await app.getHttpAdapter().getInstance().ready();
    store = app.get<EventStore>(EVENT_STORE);

    tokens.set('secretariat', await issue('secretariat', 'fuzz@nisc'));
    tokens.set('ipa-reviewer', await issue('ipa-reviewer', 'fuzz@ipa'));
    tokens.set('committee-member', await issue('committee-member', 'fuzz@committee'));
    tokens.set('agency', await issue('agency', 'fuzz@agency'));
    const provider = await seed('/providers', 'secretariat', {
      name: 'Fuzz KK',
      corporateNumber: randomCorporateNumber(),
    });
    const auditBody = await seed('/audit-bodies', 'secretariat', {
      name: '監査法人ファズ',
      corporateNumber: randomCorporateNumber(),
      organisationType: 'AUDIT_CORPORATION',
      occurredOn: '2023-01-10',
    });
    const providerId = String(provider['providerId']);
    const auditBodyId = String(auditBody['auditBodyId']);
    tokens.set('csp', await issue('csp', 'fuzz@provider', providerId));
    tokens.set('audit-body', await issue('audit-body', 'fuzz@auditor', auditBodyId));
    await seed('/committee/meetings', 'secretariat', { number: 1, heldOn: '2023-02-01' });
    const ruling = await seed('/committee/meetings/M1/rulings', 'secretariat', {
      subject: { auditBodyId },
      decision: 'AUDIT_BODY_REGISTER',
      rationale: 'Seeded for the fuzzer',
    });
    const application = await seed('/applications', 'csp', {
      kind: 'NEW',
      track: 'ISMAP',
      serviceName: 'Fuzz SaaS',
      serviceModel: 'SaaS',
      scope: { description: 'Fuzzed', regions: ['Tokyo'] },
      auditBodyId,
      auditPeriod: { start: '2023-04-01', end: '2024-03-31' },
      auditReportDate: '2024-05-15',
      submittedOn: '2024-06-01',
      excludedObjectives: [],
    });
    const applicationId = String(application['applicationId']);
    await seed(`/applications/${applicationId}/accept`, 'ipa-reviewer', { acceptedOn: '2024-06-10' });
    const finding = await seed(`/applications/${applicationId}/review-findings`, 'ipa-reviewer', {
      description: 'Seeded finding',
    });
    Object.assign(known, {
      applicationId: [applicationId],
      serviceId: [String(application['serviceId'])],
      findingId: [String(finding['findingId'])],
      meetingId: ['M1'],
      rulingId: [String(ruling['rulingId'])],
    });

    const document = JSON.parse(
      (await app.inject({ method: 'GET', url: '/docs-json' })).body,
    ) as OpenApiDocument;
    routes = commandRoutes(document);

    const all = await store.readAll();
    businessHeadBefore = businessEvents(all).at(-1)?.position;
    positionBefore = all.at(-1)?.position;
  });

  afterAll(async () => {
    await app.close();
    const redis = new Redis();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
    const summary = [...counts.entries()].map(
      ([route, { cases, statuses }]) =>
        `${route}: ${cases} cases, ${[...statuses.entries()]
          .sort(([a], [b]) => a - b)
          .map(([status, n]) => `${status}×${n}`)
          .join(' ')}`,
    );
    process.stdout.write(
      `fuzz summary (${RUNS_PER_ROUTE} runs per route; ${bookkeeping} idempotency bookkeeping events)\n` +
        `${summary.join('\n')}\n`,
    );
  });

  /** The command routes of the running router, each with its roles and its body schema from OpenAPI. */
  function commandRoutes(document: OpenApiDocument): FuzzedRoute[] {
    const discovery = new DiscoveryService(app.get(ModulesContainer));
    const table: RouteAccess[] = routeAccessTable(controllersOf(discovery), app.get(Reflector));
    const fastify = app.getHttpAdapter().getInstance();
    const schemas = document.components?.schemas ?? {};
    const resolve = (schema: OpenApiSchema | undefined): OpenApiSchema | undefined => {
      if (schema?.$ref !== undefined) return resolve(schemas[schema.$ref.split('/').pop() ?? '']);
      if (schema?.allOf?.[0] !== undefined) return resolve(schema.allOf[0]);
      return schema;
    };
    const exampleOf = (schema: OpenApiSchema | undefined, depth = 0): Json => {
      const resolved = resolve(schema);
      if (resolved === undefined || depth > 5) return 'x';
      if (resolved.example !== undefined) return resolved.example;
      if (resolved.enum?.[0] !== undefined) return resolved.enum[0];
      if (resolved.properties !== undefined) {
        return Object.fromEntries(
          Object.entries(resolved.properties).map(([name, property]) => [
            name,
            exampleOf(property, depth + 1),
          ]),
        );
      }
      switch (resolved.type ?? 'string') {
        case 'array':
          return [exampleOf(resolved.items, depth + 1)];
        case 'integer':
        case 'number':
          return 1;
        case 'boolean':
          return true;
        case 'object':
          return {};
        default:
          return 'x';
      }
    };
    return table
      .filter((route) => COMMAND_METHODS.has(route.method))
      .flatMap((route) =>
        route.paths.map((path): FuzzedRoute => {
          if (!fastify.hasRoute({ method: route.method, url: path })) {
            throw new Error(`${route.method} ${path} is declared but not routed by Fastify`);
          }
          if (route.access?.kind !== 'roles') throw new Error(`command route ${path} is not role-restricted`);
          const openApiPath = path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
          const operation = document.paths[openApiPath]?.[route.method.toLowerCase()];
          const schema = resolve(operation?.requestBody?.content?.['application/json']?.schema);
          const template = exampleOf(schema);
          return {
            method: route.method,
            path,
            params: [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1] ?? ''),
            roles: route.access.roles,
            template:
              typeof template === 'object' && template !== null ? (template as Record<string, Json>) : {},
            fields: Object.keys(schema?.properties ?? {}),
            required: schema?.required ?? [],
            takesIfMatch: (operation?.parameters ?? []).some(
              (parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'if-match',
            ),
          };
        }),
      );
  }

  // ---- generators -------------------------------------------------------------------------------------------

  const anyJson = fc.jsonValue({ maxDepth: 3 });
  const withoutPrototypeKeys = (value: Json): boolean =>
    !/"(__proto__|constructor|prototype)"/.test(json(value));

  /** Authorization that cannot pass for this route: none, malformed, forged, expired, or another role. */
  function badAuth(route: FuzzedRoute): fc.Arbitrary<FuzzCase['auth']> {
    const valid = tokens.get(route.roles[0] ?? '') ?? '';
    const otherRoles = [...tokens.keys()].filter((role) => !route.roles.includes(role));
    return fc.oneof(
      fc.constant({ kind: 'none' }),
      nastyString.map((text) => ({ kind: 'malformed', header: text })),
      fc
        .constantFrom(
          'Basic YWRtaW46YWRtaW4=',
          'Bearer',
          'Bearer ',
          `bearer  ${valid} extra`,
          `Token ${valid}`,
        )
        .map((header) => ({ kind: 'scheme', header })),
      fc
        .tuple(fc.nat({ max: valid.length - 1 }), fc.constantFrom('A', 'B', '-', '_'))
        // The last character of a base64url segment carries unused bits: changing only those leaves the bytes,
        // and so the signature, as they were. Every other character changes a signed or signature byte.
        .filter(
          ([index, char]) =>
            valid[index] !== char &&
            valid[index] !== '.' &&
            valid[index + 1] !== '.' &&
            index !== valid.length - 1,
        )
        .map(([index, char]) => ({
          kind: 'tampered',
          header: `Bearer ${valid.slice(0, index)}${char}${valid.slice(index + 1)}`,
        })),
      fc.constant({ kind: 'unsigned', header: `Bearer ${valid.split('.').slice(0, 2).join('.')}.` }),
      ...(otherRoles.length === 0
        ? []
        : [
            fc
              .constantFrom(...otherRoles)
              .map((role) => ({ kind: `role:${role}`, header: `Bearer ${tokens.get(role) ?? ''}` })),
          ]),
    );
  }

  function goodAuth(route: FuzzedRoute): fc.Arbitrary<FuzzCase['auth']> {
    return fc
      .constantFrom(...route.roles)
      .map((role) => ({ kind: `role:${role}`, header: `Bearer ${tokens.get(role) ?? ''}` }));
  }

  /** Ids of the right shape: real ones, or ones that could exist but do not. */
  const goodId = (param: string): fc.Arbitrary<string> => {
    const real = known[param] ?? [];
    const shaped =
      param === 'meetingId'
        ? fc.integer({ min: 1, max: 999_999_999 }).map((n) => `M${n}`)
        : param === 'findingId'
          ? fc
              .tuple(fc.uuid({ version: 4 }), fc.integer({ min: 1, max: 999_999 }))
              .map(([uuid, n]) => `${uuid}.F${n}`)
          : fc.uuid({ version: 4 });
    return real.length === 0 ? shaped : fc.oneof(fc.constantFrom(...real), shaped);
  };

  /** Path segments no id can have; most are URL-encoded so they stay one segment. */
  const badId: fc.Arbitrary<string> = fc.oneof(
    nastyString.filter((text) => text !== '').map(percentEncode),
    fc.uuid({ version: 4 }).map((uuid) => uuid.toUpperCase()),
    fc.uuid({ version: 4 }).map((uuid) => `${uuid}x`),
    fc.constantFrom('%', '%zz', '%2e%2e', '%2F', '%00', 'M0', 'M-1', 'F1', '..', '.', 'x'.repeat(2000)),
  );

  function paths(route: FuzzedRoute, defective: boolean): fc.Arbitrary<Record<string, string>> {
    const names = route.params;
    if (names.length === 0) return fc.constant({});
    const good = fc.tuple(...names.map(goodId));
    const tuple = defective
      ? fc
          .tuple(
            good,
            fc.subarray([...names.keys()], { minLength: 1 }),
            fc.array(badId, { minLength: names.length, maxLength: names.length }),
          )
          .map(([ids, broken, bad]) =>
            ids.map((id, index) => (broken.includes(index) ? (bad[index] ?? 'x') : id)),
          )
      : good;
    return tuple.map((ids) => Object.fromEntries(names.map((name, index) => [name, ids[index] ?? ''])));
  }

  /** Idempotency-Key and If-Match that the edge must refuse, plus harmless noise. */
  function headerSets(route: FuzzedRoute, defective: boolean): fc.Arbitrary<Record<string, string>> {
    const noise = fc.record(
      {
        'x-correlation-id': nastyString.map((text) => text.replace(/[^\t\x20-\x7e]/g, '')),
        accept: fc.constantFrom('application/xml', '*/*', 'text/html', 'application/json'),
        'idempotency-key': fc.uuid({ version: 4 }),
        ...(route.takesIfMatch ? { 'if-match': fc.nat({ max: 50 }).map((n) => `"${n}"`) } : {}),
      },
      { requiredKeys: [] },
    );
    if (!defective) return noise;
    const badKey = nastyString
      .map((text) => text.replace(/[^\t\x20-\x7e]/g, ''))
      .filter((text) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text.trim()));
    const badIfMatch = fc
      .oneof(
        nastyString,
        fc.constantFrom('3', '"-1"', '"01"', 'W/"3"', '*', '"3", "4"', `"${'9'.repeat(20)}"`),
      )
      .map((text) => text.replace(/[^\t\x20-\x7e]/g, ''))
      .filter((text) => !/^"(0|[1-9]\d{0,15})"$/.test(text.trim()));
    const defects: fc.Arbitrary<Record<string, string>>[] = [
      badKey.map((value) => ({ 'idempotency-key': value })),
    ];
    if (route.takesIfMatch) defects.push(badIfMatch.map((value) => ({ 'if-match': value })));
    return fc.tuple(noise, fc.oneof(...defects)).map(([base, defect]) => ({ ...base, ...defect }));
  }

  const json = (value: Json): string => JSON.stringify(value) ?? 'null';

  /** Bodies the validation must refuse: every variant breaks the DTO in a way that no example can repair. */
  function badBodies(route: FuzzedRoute): fc.Arbitrary<FuzzCase['body']> {
    const template = route.template;
    const fieldNames = route.fields.length > 0 ? route.fields : ['x'];
    const variants: fc.Arbitrary<FuzzCase['body']>[] = [
      fc
        .oneof(fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.array(anyJson, { maxLength: 4 }))
        .map((value) => ({ kind: 'not-an-object', contentType: 'application/json', payload: json(value) })),
      fc
        .tuple(
          fc
            .string({ minLength: 1, maxLength: 12 })
            .filter((key) => !route.fields.includes(key) && key !== '__proto__'),
          anyJson,
        )
        .map(([key, value]) => ({
          kind: 'unknown-field',
          contentType: 'application/json',
          payload: json({ ...template, [key]: value }),
        })),
      // Values without prototype keys: those make the whole body malformed (400 too), which would hide the point.
      fc
        .tuple(fc.constantFrom(...ACTOR_FIELDS), anyJson.filter(withoutPrototypeKeys))
        .map(([key, value]) => ({
          kind: `actor-field:${key}`,
          contentType: 'application/json',
          payload: json({ ...template, [key]: value ?? 'someone-else' }),
        })),
      fc
        .tuple(
          fc.constantFrom(...fieldNames),
          fc.oneof(fc.constant({ $gt: '' }), fc.constant([[[]]]), fc.constant(true), fc.constant(1e308)),
        )
        .map(([key, value]) => ({
          kind: `wrong-type:${key}`,
          contentType: 'application/json',
          payload: json({ ...template, [key]: value }),
        })),
      fc
        .string({ maxLength: 60 })
        .filter((text) => {
          try {
            JSON.parse(text);
            return false;
          } catch {
            return true;
          }
        })
        .map((text) => ({ kind: 'malformed-json', contentType: 'application/json', payload: text })),
      fc
        .tuple(
          fc.oneof(
            fc.constantFrom(
              'text/plain',
              'application/xml',
              'application/x-www-form-urlencoded',
              'multipart/form-data; boundary=x',
              'application/json-patch+json',
              'text/json',
              'application/octet-stream',
            ),
            fc.string({ minLength: 1, maxLength: 30 }).map((text) => text.replace(/[^\x21-\x7e]/g, 'a')),
          ),
          fc.string({ maxLength: 40 }),
        )
        .filter(
          ([type]) =>
            !type.toLowerCase().startsWith('application/json') ||
            type.toLowerCase().startsWith('application/json-'),
        )
        .map(([contentType, text]) => ({ kind: 'media-type', contentType, payload: text || json(template) })),
      fc.constant({ kind: 'empty-json', contentType: 'application/json', payload: '' }),
      fc
        .constantFrom('{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}')
        .map((payload) => ({ kind: 'prototype-pollution', contentType: 'application/json', payload })),
      fc.constant({
        kind: 'oversize',
        contentType: 'application/json',
        payload: json({ ...template, padding: 'x'.repeat(OVERSIZE) }),
      }),
    ];
    const required = route.required;
    if (required.length > 0) {
      variants.push(
        fc.constantFrom(...required).map((key) => {
          const { [key]: _dropped, ...rest } = template;
          return { kind: `missing:${key}`, contentType: 'application/json', payload: json(rest) };
        }),
      );
    }
    // Oversized bodies are slow to build and send: rare, but present in every run of 1,000.
    return fc.oneof(...variants.map((arbitrary, index) => ({ arbitrary, weight: index === 8 ? 1 : 10 })));
  }

  function goodBody(route: FuzzedRoute): fc.Arbitrary<FuzzCase['body']> {
    return fc.constant({ kind: 'template', contentType: 'application/json', payload: json(route.template) });
  }

  function cases(route: FuzzedRoute): fc.Arbitrary<FuzzCase> {
    const dimensions: Dimension[] = [
      'auth',
      'headers',
      'body',
      ...(route.params.length > 0 ? ['path' as const] : []),
    ];
    return fc.subarray(dimensions, { minLength: 1 }).chain((defects) =>
      fc.record({
        defects: fc.constant(defects),
        auth: defects.includes('auth') ? badAuth(route) : goodAuth(route),
        path: paths(route, defects.includes('path')),
        headers: headerSets(route, defects.includes('headers')),
        body: defects.includes('body') ? badBodies(route) : goodBody(route),
      }),
    );
  }

  // ---- the property -----------------------------------------------------------------------------------------

  async function send(route: FuzzedRoute, c: FuzzCase) {
    const url = route.path.replace(/:([A-Za-z0-9_]+)/g, (_match, name: string) => c.path[name] ?? '');
    const headers: Record<string, string> = { ...c.headers };
    if (c.auth.header !== undefined) headers['authorization'] = c.auth.header;
    if (c.body.contentType !== undefined) headers['content-type'] = c.body.contentType;
    return app.inject({
      method: route.method as 'POST',
      url,
      headers,
      ...(c.body.payload === undefined ? {} : { payload: c.body.payload }),
    });
  }

  it('enumerates the command routes from the running router', () => {
    const names = routes.map((route) => `${route.method} ${route.path}`);
    // A floor against an enumeration that silently finds nothing; the list itself is the router's.
    expect(names.length).toBeGreaterThanOrEqual(18);
    expect(names).toContain('POST /committee/meetings/:meetingId/rulings/:rulingId/confirm');
    expect(new Set(names).size).toBe(names.length);
  });

  it('refuses actor, createdBy and org in the body of every command route with 400 naming the field', async () => {
    const refusals: string[] = [];
    for (const route of routes) {
      for (const field of ACTOR_FIELDS) {
        for (const value of [
          'someone-else',
          { sub: 'someone-else', roles: ['secretariat'] },
          'P1000000000009',
        ]) {
          const path = Object.fromEntries(
            route.params.map((name) => [name, known[name]?.[0] ?? randomUUID()]),
          );
          const response = await send(route, {
            defects: ['body'],
            auth: { kind: 'valid', header: `Bearer ${tokens.get(route.roles[0] ?? '') ?? ''}` },
            path,
            headers: {},
            body: {
              kind: `actor-field:${field}`,
              contentType: 'application/json',
              payload: JSON.stringify({ ...route.template, [field]: value }),
            },
          });
          const problem = JSON.parse(response.body) as { code?: string; errors?: { field: string }[] };
          if (
            response.statusCode !== 400 ||
            problem.code !== 'REQUEST.INVALID' ||
            !(problem.errors ?? []).some((error) => error.field === field)
          ) {
            refusals.push(`${route.method} ${route.path} ${field}: ${response.statusCode} ${response.body}`);
          }
        }
      }
    }
    expect(refusals).toEqual([]);
  });

  it(`answers ${RUNS_PER_ROUTE} broken requests per command route with a 4xx problem+json, never a 5xx`, async () => {
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      const tally = { cases: 0, statuses: new Map<number, number>() };
      counts.set(key, tally);
      await fc.assert(
        fc.asyncProperty(cases(route), async (c) => {
          const response = await send(route, c);
          tally.cases += 1;
          tally.statuses.set(response.statusCode, (tally.statuses.get(response.statusCode) ?? 0) + 1);
          const what = `${key} ${JSON.stringify({ ...c, body: { ...c.body, payload: c.body.payload?.slice(0, 200) } })} → ${response.statusCode} ${response.body.slice(0, 300)}`;
          if (response.statusCode < 400 || response.statusCode >= 500) throw new Error(`not a 4xx: ${what}`);
          const defect = answerDefect(response);
          if (defect !== undefined) throw new Error(`${defect}: ${what}`);
          // Actor fields are refused as such when nothing else is wrong: the edge never lets a body name one.
          if (c.defects.length === 1 && c.body.kind.startsWith('actor-field:')) {
            const field = c.body.kind.split(':')[1] ?? '';
            const errors = JSON.stringify((JSON.parse(response.body) as { errors?: unknown }).errors ?? []);
            if (response.statusCode !== 400 || !errors.includes(field)) {
              throw new Error(`actor field ${field} not refused with 400: ${what}`);
            }
          }
        }),
        { numRuns: RUNS_PER_ROUTE, seed: fuzzSeed() },
      );
    }
  }, 300_000);

  it('appended nothing: the business log did not move; idempotency claims were all released', async () => {
    const all = await store.readAll();
    expect(businessEvents(all).at(-1)?.position).toBe(businessHeadBefore);
    const after = all.filter(
      (event) => positionBefore === undefined || BigInt(event.position) > BigInt(positionBefore),
    );
    expect(businessEvents(after)).toEqual([]);
    // A valid Idempotency-Key is claimed before the body is validated (the interceptor runs before the pipes):
    // such a request leaves a claim and its release, and nothing else.
    bookkeeping = after.length;
    const byStream = new Map<string, string[]>();
    for (const event of after)
      byStream.set(event.streamName, [...(byStream.get(event.streamName) ?? []), event.type]);
    for (const [, types] of byStream) {
      expect(types.at(-1)).toBe('IdempotencyKeyReleased');
      expect(types.filter((type) => type === 'IdempotentResponseRecorded')).toEqual([]);
    }
  });

  it('fuzzed every route the required number of times', () => {
    for (const route of routes) {
      expect(counts.get(`${route.method} ${route.path}`)?.cases).toBeGreaterThanOrEqual(RUNS_PER_ROUTE);
    }
  });

  it('keeps a seeded object untouched by any of it', async () => {
    const events = await store.readStream(`application-${known['applicationId']?.[0] ?? randomUUID()}`);
    expect(events.map((event) => event.type)).toEqual([
      'ApplicationSubmitted',
      'ApplicationAccepted',
      'ReviewFindingRaised',
    ]);
  });
});
