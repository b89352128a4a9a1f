import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { BadRequestException, Controller, Get, Module, Param } from '@nestjs/common';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import pino from 'pino';
import { Access, issueDevToken, Public } from '@ismap/auth';
import { loadConfig } from '@ismap/config';
import { ACCESS_LOG_FILE, AccessAuditService } from '../../apps/api/src/access-log/access-audit.service';
import { AuditedRead } from '../../apps/api/src/access-log/audited.decorator';
import { createApiApplication, createLogger } from '../../apps/api/src/bootstrap';
import { API_CSP, DOCS_CSP } from '../../apps/api/src/http/security/security-headers';
import { waitForCondition } from '../support/http';

/**
 * The edge's hardening (issue 5 item 5) and access audit (item 6), in-process through Fastify's inject: security
 * headers, CORS, rate limits, revocation, problem details that leak nothing, logs that cannot be forged, and the
 * append-only record of refusals and confidential reads.
 */

const SECRET_MESSAGE = 'connect postgres://admin:hunter2@db.internal:5432 failed in /srv/app/secret.ts:42';

@Controller('test-security')
class ProbeController {
  @Get('boom')
  @Public()
  boom(): never {
    throw new Error(SECRET_MESSAGE);
  }

  @Get('type-error')
  @Public()
  typeError(): unknown {
    const missing = undefined as unknown as { call(): unknown };
    return missing.call();
  }

  @Get('client-error')
  @Public()
  clientError(): never {
    throw Object.assign(new Error(`internal: ${SECRET_MESSAGE}`), { statusCode: 400 });
  }

  @Get('http-exception')
  @Public()
  httpException(): never {
    throw new BadRequestException(`SELECT * FROM secrets -- ${SECRET_MESSAGE}`);
  }

  /** Stands for the confidential reads of apps/api/src/queries (GET /findings, …). */
  @Get('findings/:findingId')
  @Access('secretariat', 'ipa-reviewer')
  @AuditedRead('findings')
  finding(@Param('findingId') findingId: string): { findingId: string } {
    return { findingId };
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

type Headers = Record<string, string>;
interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

const jtiOf = (token: string): string =>
  (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { jti: string }).jti;

/** Every JSON line pino wrote, kept in memory. */
class LogCapture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
  lines(): string[] {
    return this.text.split('\n').filter((line) => line !== '');
  }
}

/** Nest's static Logger follows the last app created, so every app of this file logs into the same capture. */
async function startApp(env: Record<string, string>, logs?: LogCapture) {
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-security-'));
  const prefix = `test-security-${randomBytes(6).toString('hex')}:`;
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', REDIS_KEY_PREFIX: prefix, ...env });
  const logger =
    logs === undefined ? pino({ level: 'silent' }) : createLogger({ ...config, logLevel: 'info' }, logs);
  const app = await createApiApplication(config, [ProbeModule], logger);
  await app.getHttpAdapter().getInstance().ready();
  const token = (role: string, sub: string, org?: string) =>
    issueDevToken(
      { role, sub, ...(org === undefined ? {} : { org }) },
      { dataDir, issuer: config.auth.issuer, audience: config.auth.audience },
    );
  async function call(
    method: 'GET' | 'POST' | 'OPTIONS',
    url: string,
    options: { bearer?: string; body?: unknown; raw?: string; headers?: Headers; ip?: string } = {},
  ): Promise<Answer> {
    const headers: Headers = { ...(options.headers ?? {}) };
    if (options.bearer !== undefined) headers['authorization'] = `Bearer ${options.bearer}`;
    let payload: string | undefined = options.raw;
    if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await app.inject({
      method,
      url,
      headers,
      ...(payload === undefined ? {} : { payload }),
      ...(options.ip === undefined ? {} : { remoteAddress: options.ip }),
    });
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(response.body) as Record<string, unknown>;
    } catch {
      json = {};
    }
    return { status: response.statusCode, headers: response.headers, text: response.body, json };
  }
  async function stop(): Promise<void> {
    await app.close();
    const redis = new Redis();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { app, config, dataDir, token, call, stop };
}

type Started = Awaited<ReturnType<typeof startApp>>;

function expectProblem(answer: Answer, status: number, code: string): void {
  if (answer.status !== status) throw new Error(`expected ${status}, got ${answer.status}: ${answer.text}`);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(answer.json).toMatchObject({ status, code });
}

/** What no answer may carry: stack frames, file paths, the secret message or its parts. */
function expectNothingInternal(answer: Answer): void {
  expect(answer.text).not.toMatch(/hunter2|postgres|secret\.ts|SELECT|internal:|\bat \S+ \(|\.ts:\d+|stack/i);
}

describe('hardening and access audit (in-process, embedded store, real Redis)', () => {
  const logs = new LogCapture();
  let main: Started;
  let secretariat: string;
  let ipa: string;
  let csp: string;

  beforeAll(async () => {
    main = await startApp(
      {
        HSTS_MAX_AGE_SECONDS: '31536000',
        CORS_ORIGINS: 'https://portal.ismap.go.jp',
        RATE_LIMIT_PER_TOKEN: '0',
        RATE_LIMIT_PER_IP: '0',
      },
      logs,
    );
    secretariat = await main.token('secretariat', 'tanaka@nisc');
    ipa = await main.token('ipa-reviewer', 'suzuki@ipa');
    csp = await main.token('csp', 'sato@provider-a', 'P1000000000001');
  });

  afterAll(async () => {
    await main.stop();
  });

  describe('security headers', () => {
    const FIXED = {
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
    };

    it.each([
      ['a public read', 'GET', '/health/live', {}, 200],
      ['a command', 'POST', '/providers', { bearer: 'secretariat', body: { name: 'x' } }, 400],
      ['a refusal without token', 'POST', '/providers', { body: {} }, 401],
      ['an unknown route', 'GET', '/no/such/route', {}, 404],
      [
        'malformed JSON',
        'POST',
        '/providers',
        { bearer: 'secretariat', raw: '{"name":', headers: { 'content-type': 'application/json' } },
        400,
      ],
      [
        'another media type',
        'POST',
        '/providers',
        { bearer: 'secretariat', raw: '<x/>', headers: { 'content-type': 'application/xml' } },
        415,
      ],
      [
        'a body over 256 KB',
        'POST',
        '/providers',
        {
          bearer: 'secretariat',
          raw: `{"name":"${'x'.repeat(300_000)}"}`,
          headers: { 'content-type': 'application/json' },
        },
        413,
      ],
      ['a 500', 'GET', '/test-security/boom', {}, 500],
      ['an undecodable URL (refused by Fastify before any route)', 'GET', '/applications/%zz', {}, 400],
      ['a path parameter too long to be an id', 'GET', `/test-security/findings/${'x'.repeat(200)}`, {}, 404],
    ] as const)('on %s', async (_what, method, url, options, status) => {
      const { bearer, ...rest } = options as { bearer?: string };
      const answer = await main.call(method, url, {
        ...rest,
        ...(bearer === undefined ? {} : { bearer: secretariat }),
      });
      expect(answer.status).toBe(status);
      expect(answer.headers).toMatchObject(FIXED);
      expect(answer.headers['content-security-policy']).toBe(API_CSP);
      expect(answer.headers['x-correlation-id']).toEqual(expect.any(String));
      expect(answer.headers['cache-control']).toBe('no-store');
    });

    it('lets only /docs run the Swagger UI (its own scripts, no other origin, no framing)', async () => {
      const docs = await main.call('GET', '/docs');
      expect(docs.status).toBe(200);
      expect(docs.headers['content-security-policy']).toBe(DOCS_CSP);
      expect(DOCS_CSP).toMatch(/frame-ancestors 'none'/);
      expect(DOCS_CSP).not.toMatch(/unsafe-eval|\*|https?:/);
      expect((await main.call('GET', '/docs-json')).headers['content-security-policy']).toBe(API_CSP);
    });

    it('sends no HSTS unless configured', async () => {
      const plain = await startApp({}, logs);
      try {
        expect(
          (await plain.call('GET', '/health/live')).headers['strict-transport-security'],
        ).toBeUndefined();
      } finally {
        await plain.stop();
      }
    });
  });

  describe('CORS: closed unless the origin is on the allow-list', () => {
    it('answers an allowed origin with its own origin and the headers a client needs', async () => {
      const answer = await main.call('GET', '/health/live', {
        headers: { origin: 'https://portal.ismap.go.jp' },
      });
      expect(answer.headers['access-control-allow-origin']).toBe('https://portal.ismap.go.jp');
      expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
      expect(answer.headers['access-control-expose-headers']).toMatch(/X-Log-Position/);
      expect(answer.headers['vary']).toMatch(/Origin/);
    });

    it('gives another origin no CORS headers, so the browser withholds the answer', async () => {
      const answer = await main.call('GET', '/health/live', { headers: { origin: 'https://evil.example' } });
      expect(answer.status).toBe(200);
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('answers an allowed preflight 204 and refuses others with 403 problem+json', async () => {
      const preflight = (
        origin: string,
        method = 'POST',
        headers = 'authorization, content-type, idempotency-key',
      ) =>
        main.call('OPTIONS', '/applications', {
          headers: {
            origin,
            'access-control-request-method': method,
            'access-control-request-headers': headers,
          },
        });
      const allowed = await preflight('https://portal.ismap.go.jp');
      expect(allowed.status).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://portal.ismap.go.jp');
      expect(allowed.headers['access-control-allow-methods']).toBe('GET, POST, OPTIONS');
      expectProblem(await preflight('https://evil.example'), 403, 'CORS.NOT_ALLOWED');
      expectProblem(await preflight('https://portal.ismap.go.jp', 'DELETE'), 403, 'CORS.NOT_ALLOWED');
      expectProblem(
        await preflight('https://portal.ismap.go.jp', 'POST', 'x-forwarded-for'),
        403,
        'CORS.NOT_ALLOWED',
      );
      expectProblem(await preflight('null'), 403, 'CORS.NOT_ALLOWED');
    });

    it('is closed by default', async () => {
      const closed = await startApp({}, logs);
      try {
        const answer = await closed.call('OPTIONS', '/providers', {
          headers: { origin: 'https://portal.ismap.go.jp', 'access-control-request-method': 'POST' },
        });
        expectProblem(answer, 403, 'CORS.NOT_ALLOWED');
        const simple = await closed.call('GET', '/health/live', {
          headers: { origin: 'https://portal.ismap.go.jp' },
        });
        expect(simple.headers['access-control-allow-origin']).toBeUndefined();
      } finally {
        await closed.stop();
      }
    });
  });

  describe('no stack traces or internal messages in answers', () => {
    it.each([
      ['an Error in a handler', '/test-security/boom', 500, 'INTERNAL'],
      ['a TypeError in a handler', '/test-security/type-error', 500, 'INTERNAL'],
      [
        'an error carrying a 4xx status and an internal message',
        '/test-security/client-error',
        400,
        'HTTP.400',
      ],
      ['an HttpException with an internal message', '/test-security/http-exception', 400, 'HTTP.400'],
    ])('%s', async (_what, url, status, code) => {
      const answer = await main.call('GET', url);
      expectProblem(answer, status, code);
      expectNothingInternal(answer);
      expect(Object.keys(answer.json).sort()).toEqual(
        ['code', 'correlationId', 'detail', 'instance', 'status', 'title', 'type'].sort(),
      );
    });

    it('does not echo what the client sent in transport errors', async () => {
      const media = await main.call('POST', '/providers', {
        bearer: secretariat,
        raw: 'x',
        headers: { 'content-type': 'text/evil-<script>' },
      });
      expectProblem(media, 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE');
      expect(media.text).not.toMatch(/evil|script/);
      const json = await main.call('POST', '/providers', {
        bearer: secretariat,
        raw: '{"name": "<script>alert(1)</script>",',
        headers: { 'content-type': 'application/json' },
      });
      expectProblem(json, 400, 'REQUEST.MALFORMED_JSON');
      expect(json.text).not.toMatch(/script|alert/);
    });

    it('logs the 500 with its stack and correlation id for operators instead', async () => {
      const answer = await main.call('GET', '/test-security/boom', {
        headers: { 'x-correlation-id': 'corr-boom-1' },
      });
      expect(answer.json['correlationId']).toBe('corr-boom-1');
      const logged = logs.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
      const failure = logged.find(
        (entry) => entry['msg'] === 'request failed' && entry['correlationId'] === 'corr-boom-1',
      );
      expect(JSON.stringify(failure)).toMatch(/hunter2/);
    });
  });

  describe('logs cannot be forged with CR/LF or control characters', () => {
    it('keeps a header full of CR/LF, ESC and NUL inside one JSON string of one line', async () => {
      const forged = '{"level":50,"time":"2026-01-01T00:00:00.000Z","msg":"FORGED admin login"}';
      const userAgent = `curl/8\r\n${forged}\n\u001b[31mred\u0000\u2028end`;
      const before = logs.lines().length;
      const answer = await main.call('GET', '/health/live', {
        headers: { 'user-agent': userAgent, 'x-correlation-id': `abc\r\n${forged}` },
      });
      expect(answer.status).toBe(200);
      // The correlation id is not accepted as given: a fresh one replaces it.
      expect(answer.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);

      const lines = logs.lines().slice(before);
      expect(lines.length).toBeGreaterThan(0);
      const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(entries.some((entry) => String(entry['msg']).includes('FORGED'))).toBe(false);
      expect(entries.every((entry) => entry['level'] === 30)).toBe(true);
      const incoming = entries.find((entry) => entry['msg'] === 'incoming request');
      expect((incoming?.['req'] as { userAgent?: string } | undefined)?.userAgent).toBe(userAgent);
      // eslint-disable-next-line no-control-regex
      expect(lines.join('')).not.toMatch(/[\u0000-\u001f]/);
    });
  });

  describe('token revocation (Redis) through POST /auth/revocations', () => {
    it('refuses a revoked token from the next request on, even a cached one', async () => {
      const victim = await main.token('csp', 'stolen@provider-a', 'P1000000000001');
      const body = { kind: 'NEW' };
      expect((await main.call('POST', '/applications', { bearer: victim, body })).status).toBe(400);

      const revoked = await main.call('POST', '/auth/revocations', {
        bearer: secretariat,
        body: { jti: jtiOf(victim), reason: 'Laptop reported stolen' },
      });
      expect(revoked.status).toBe(201);
      expect(revoked.json).toMatchObject({ jti: jtiOf(victim), stored: true });

      expectProblem(
        await main.call('POST', '/applications', { bearer: victim, body }),
        401,
        'AUTH.TOKEN_REVOKED',
      );
      expect((await main.call('POST', '/applications', { bearer: csp, body })).status).toBe(400);
    });

    it('is for the secretariat only, and refuses a jti no token can carry', async () => {
      expectProblem(
        await main.call('POST', '/auth/revocations', { bearer: ipa, body: { jti: 'x', reason: 'y' } }),
        403,
        'AUTH.FORBIDDEN',
      );
      expectProblem(
        await main.call('POST', '/auth/revocations', {
          bearer: secretariat,
          body: { jti: 'a\r\nb', reason: 'y' },
        }),
        400,
        'REQUEST.INVALID',
      );
      expectProblem(
        await main.call('POST', '/auth/revocations', {
          bearer: secretariat,
          body: { jti: 'x', reason: 'y', revokedBy: 'someone-else' },
        }),
        400,
        'REQUEST.INVALID',
      );
    });
  });

  describe('access audit', () => {
    const page = async (query: string) => {
      const answer = await main.call('GET', `/access-log?${query}`, { bearer: secretariat });
      if (answer.status !== 200) throw new Error(answer.text);
      return answer.json as {
        items: Array<
          Record<string, unknown> & { who: Record<string, unknown>; what: Record<string, unknown> }
        >;
        nextCursor: string | null;
      };
    };
    const byCorrelation = async (correlationId: string) =>
      (await page('limit=500')).items.filter((item) => item['correlationId'] === correlationId);

    it('records an allowed confidential read: who, what, when (UTC), from where, correlation id', async () => {
      const findingId = `${randomUUID()}.F1`;
      const answer = await main.call('GET', `/test-security/findings/${findingId}`, {
        bearer: ipa,
        headers: { 'x-correlation-id': 'corr-read-1' },
        ip: '203.0.113.7',
      });
      expect(answer.status).toBe(200);
      expect(await byCorrelation('corr-read-1')).toEqual([
        {
          at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
          who: { sub: 'suzuki@ipa', roles: ['ipa-reviewer'], org: null, credential: 'bearer' },
          what: {
            method: 'GET',
            route: '/test-security/findings/:findingId',
            path: `/test-security/findings/${findingId}`,
            resourceType: 'findings',
            resourceId: findingId,
          },
          from: '203.0.113.7',
          correlationId: 'corr-read-1',
          outcome: 'allowed',
          status: 200,
          code: null,
        },
      ]);
    });

    it.each([
      [
        'no token (401)',
        undefined,
        'GET',
        '/test-security/findings/x',
        401,
        'AUTH.AUTHENTICATION_REQUIRED',
        null,
        'none',
      ],
      [
        'a forged token (401)',
        'forged',
        'GET',
        '/test-security/findings/x',
        401,
        'AUTH.TOKEN_INVALID',
        null,
        'invalid',
      ],
      [
        'a wrong role (403)',
        'csp',
        'GET',
        '/test-security/findings/x',
        403,
        'AUTH.FORBIDDEN',
        'sato@provider-a',
        'bearer',
      ],
      [
        'an object the caller may not know (404)',
        'ipa',
        'POST',
        `/applications/${randomUUID()}/accept`,
        404,
        'APPLICATION.NOT_FOUND',
        'suzuki@ipa',
        'bearer',
      ],
    ] as const)('records a refusal: %s', async (_what, who, method, url, status, code, sub, credential) => {
      const correlationId = `corr-denied-${randomBytes(4).toString('hex')}`;
      const bearer =
        who === 'csp' ? csp : who === 'ipa' ? ipa : who === 'forged' ? `${ipa.slice(0, -4)}AAAA` : undefined;
      const answer = await main.call(method, url, {
        ...(bearer === undefined ? {} : { bearer }),
        ...(method === 'POST' ? { body: { acceptedOn: '2024-06-10' } } : {}),
        headers: { 'x-correlation-id': correlationId },
      });
      expectProblem(answer, status, code);
      const [record, ...others] = await byCorrelation(correlationId);
      expect(others).toEqual([]);
      expect(record).toMatchObject({ outcome: 'denied', status, code, who: { sub, credential } });
    });

    it('does not record ordinary public reads or validation errors', async () => {
      await main.call('GET', '/health/live', { headers: { 'x-correlation-id': 'corr-public-1' } });
      await main.call('POST', '/providers', {
        bearer: secretariat,
        body: {},
        headers: { 'x-correlation-id': 'corr-invalid-1' },
      });
      expect(await byCorrelation('corr-public-1')).toEqual([]);
      expect(await byCorrelation('corr-invalid-1')).toEqual([]);
    });

    it('filters by sub, outcome and time, pages with a cursor, and is itself an audited read', async () => {
      const sub = `pager-${randomBytes(3).toString('hex')}@ipa`;
      const pager = await main.token('csp', sub, 'P1000000000002');
      const start = new Date().toISOString();
      for (let i = 0; i < 5; i++) await main.call('GET', '/test-security/findings/x', { bearer: pager });

      const first = await page(`sub=${encodeURIComponent(sub)}&outcome=denied&from=${start}&limit=2`);
      expect(first.items).toHaveLength(2);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await page(
        `sub=${encodeURIComponent(sub)}&outcome=denied&limit=2&cursor=${first.nextCursor}`,
      );
      const third = await page(
        `sub=${encodeURIComponent(sub)}&outcome=denied&limit=2&cursor=${second.nextCursor}`,
      );
      expect(third.nextCursor).toBeNull();
      const all = [...first.items, ...second.items, ...third.items];
      expect(all).toHaveLength(5);
      expect(all.every((item) => item.who['sub'] === sub && item['status'] === 403)).toBe(true);
      const times = all.map((item) => String(item['at']));
      expect([...times].sort().reverse()).toEqual(times);
      expect((await page(`sub=${encodeURIComponent(sub)}&outcome=allowed`)).items).toEqual([]);
      expect((await page(`sub=${encodeURIComponent(sub)}&to=${start}`)).items).toEqual([]);

      const reads = await page(`sub=tanaka%40nisc&outcome=allowed&limit=500`);
      expect(reads.items.some((item) => item.what['resourceType'] === 'access-log')).toBe(true);
    });

    it('answers only the secretariat, and refuses cursors it did not hand out', async () => {
      expectProblem(await main.call('GET', '/access-log', { bearer: ipa }), 403, 'AUTH.FORBIDDEN');
      expectProblem(await main.call('GET', '/access-log'), 401, 'AUTH.AUTHENTICATION_REQUIRED');
      expectProblem(
        await main.call('GET', '/access-log?cursor=AAAA', { bearer: secretariat }),
        400,
        'ACCESS_LOG.CURSOR_INVALID',
      );
      expectProblem(
        await main.call('GET', '/access-log?outcome=maybe&limit=9999', { bearer: secretariat }),
        400,
        'REQUEST.INVALID',
      );
    });

    it('records the revocation of a token as an audited act', async () => {
      await main.call('POST', '/auth/revocations', {
        bearer: secretariat,
        body: { jti: `audited-${randomUUID()}`, reason: 'Leaving the programme' },
        headers: { 'x-correlation-id': 'corr-revoke-1' },
      });
      expect(await byCorrelation('corr-revoke-1')).toMatchObject([
        {
          outcome: 'allowed',
          status: 201,
          what: { resourceType: 'token-revocation' },
          who: { sub: 'tanaka@nisc' },
        },
      ]);
    });

    it('keeps the log in a file whose rows no statement can change or delete', () => {
      main.app.get(AccessAuditService).flush();
      const db = new Database(join(main.dataDir, ACCESS_LOG_FILE));
      try {
        const count = (db.prepare('SELECT count(*) AS n FROM access_log').get() as { n: number }).n;
        expect(count).toBeGreaterThan(5);
        expect(() => db.prepare("UPDATE access_log SET sub = 'nobody'").run()).toThrow(/append-only/);
        expect(() => db.prepare('DELETE FROM access_log WHERE seq = 1').run()).toThrow(/append-only/);
        expect(() => db.prepare('DELETE FROM access_log').run()).toThrow(/append-only/);
        expect((db.prepare('SELECT count(*) AS n FROM access_log').get() as { n: number }).n).toBe(count);
      } finally {
        db.close();
      }
      expect(main.app.get(AccessAuditService).log.verifyChain()).toBeNull();
    });
  });

  describe('rate limits per token and per address (Redis), 429 with Retry-After', () => {
    let limited: Started;
    beforeAll(async () => {
      limited = await startApp(
        { RATE_LIMIT_PER_TOKEN: '3', RATE_LIMIT_PER_IP: '5', RATE_LIMIT_WINDOW_SECONDS: '60' },
        logs,
      );
    });
    afterAll(async () => {
      await limited.stop();
    });
    // Fixed windows: each test's burst must not straddle a window boundary, or its counts would restart.
    beforeEach(async () => {
      await waitForCondition(() => Promise.resolve(Date.now() % 60_000 < 55_000), {
        timeoutMs: 10_000,
        what: 'a rate-limit window with room for the burst',
      });
    });

    it('limits one caller across addresses (per token sub)', async () => {
      const bearer = await limited.token('ipa-reviewer', 'busy@ipa');
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push(
          (await limited.call('GET', '/test-security/findings/x', { bearer, ip: `198.51.100.${i + 1}` }))
            .status,
        );
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await limited.call('GET', '/test-security/findings/x', { bearer, ip: '198.51.100.99' });
      expectProblem(refused, 429, 'RATE_LIMIT.EXCEEDED');
      expect(refused.json['limitedBy']).toBe('token');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(refused.headers['x-content-type-options']).toBe('nosniff');
    });

    it('limits one address across callers and anonymous requests', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        statuses.push((await limited.call('GET', '/health/live', { ip: '192.0.2.50' })).status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      expect((await limited.call('GET', '/health/live', { ip: '192.0.2.51' })).status).toBe(200);
    });

    it('records each 429 in the access log', async () => {
      const bearer = await limited.token('secretariat', 'auditor@nisc');
      await limited.call('GET', '/health/live', {
        ip: '192.0.2.60',
        headers: { 'x-correlation-id': 'corr-429' },
      });
      for (let i = 0; i < 5; i++) await limited.call('GET', '/health/live', { ip: '192.0.2.60' });
      const log = await limited.call('GET', '/access-log?outcome=denied&limit=50', {
        bearer,
        ip: '192.0.2.61',
      });
      const items = log.json['items'] as Array<Record<string, unknown>>;
      expect(
        items.filter((item) => item['status'] === 429 && item['from'] === '192.0.2.60').length,
      ).toBeGreaterThan(0);
    });
  });
});
