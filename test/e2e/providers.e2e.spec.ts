import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { issueDevToken } from '@ismap/auth';
import { loadConfig, type AppConfig } from '@ismap/config';
import { corporateNumberCheckDigit } from '@ismap/domain';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@ismap/event-store';
import { createApiApplication } from '../../apps/api/src/bootstrap';
import { http } from '../support/http';

/** A valid 法人番号 for an illustrative base: the check digit is computed, never hand-written. */
function corporateNumber(base12: string): string {
  return `${corporateNumberCheckDigit(base12)}${base12}`;
}

function uniqueBase(): string {
  return String(Math.floor(Math.random() * 1e12)).padStart(12, '0');
}

describe('POST /providers over HTTP (embedded store, real Redis)', () => {
  let dataDir: string;
  let config: AppConfig;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let store: EventStore;
  let secretariat: string;

  async function start(): Promise<void> {
    app = await createApiApplication(config, [], pino({ level: 'silent' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = await app.getUrl();
    baseUrl = baseUrl.replace('[::1]', '127.0.0.1');
    store = app.get<EventStore>(EVENT_STORE);
  }

  async function allProviderEvents(): Promise<RecordedEvent[]> {
    return store.readAll({ filter: { streamNamePrefixes: ['provider-'] } });
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ismap-e2e-'));
    config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    await start();
    secretariat = await issueDevToken(
      { role: 'secretariat', sub: 'tanaka@nisc' },
      { dataDir, issuer: config.auth.issuer, audience: config.auth.audience },
    );
  });

  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers a provider: 201 with providerId, revision, position, X-Log-Position and ETag', async () => {
    const number = corporateNumber(uniqueBase());
    const response = await http(baseUrl, 'POST', '/providers', {
      token: secretariat,
      body: { name: '株式会社エヌ・ティ・ティ・データ', corporateNumber: number },
      headers: { 'x-correlation-id': 'corr-provider-1' },
    });
    expect(response.status).toBe(201);
    expect(response.json).toEqual({ providerId: `P${number}`, revision: 0, position: expect.any(String) });
    expect(response.headers.get('x-log-position')).toBe(response.json['position']);
    expect(response.headers.get('etag')).toBe('"0"');
    expect(response.headers.get('x-correlation-id')).toBe('corr-provider-1');

    const [event] = await store.readStream(`provider-P${number}`);
    expect(event?.type).toBe('ProviderRegistered');
    expect(event?.data).toEqual({
      providerId: `P${number}`,
      name: '株式会社エヌ・ティ・ティ・データ',
      corporateNumber: number,
      registeredOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
    expect(event?.metadata.actor).toEqual({ sub: 'tanaka@nisc', roles: ['secretariat'] });
    expect(event?.metadata.correlationId).toBe('corr-provider-1');
    expect(event?.metadata.rulesetVersion).toBe('2025-07');
    expect(event?.position).toBe(response.json['position']);
  });

  it('the same Idempotency-Key twice gives one event and the same response', async () => {
    const key = randomUUID();
    const body = { name: 'Google LLC', corporateNumber: corporateNumber(uniqueBase()) };
    const before = (await allProviderEvents()).length;
    const first = await http(baseUrl, 'POST', '/providers', {
      token: secretariat,
      body,
      headers: { 'idempotency-key': key },
    });
    const second = await http(baseUrl, 'POST', '/providers', {
      token: secretariat,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.json).toEqual(first.json);
    expect(second.headers.get('x-log-position')).toBe(first.headers.get('x-log-position'));
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect((await allProviderEvents()).length).toBe(before + 1);
  });

  it('the same Idempotency-Key with another body is a 422 and appends nothing', async () => {
    const key = randomUUID();
    await http(baseUrl, 'POST', '/providers', {
      token: secretariat,
      body: { name: 'A', corporateNumber: corporateNumber(uniqueBase()) },
      headers: { 'idempotency-key': key },
    });
    const before = (await allProviderEvents()).length;
    const reused = await http(baseUrl, 'POST', '/providers', {
      token: secretariat,
      body: { name: 'B', corporateNumber: corporateNumber(uniqueBase()) },
      headers: { 'idempotency-key': key },
    });
    expect(reused.status).toBe(422);
    expect(reused.json['code']).toBe('IDEMPOTENCY.KEY_REUSED');
    expect((await allProviderEvents()).length).toBe(before);
  });

  it('keeps Idempotency-Keys across a restart', async () => {
    const key = randomUUID();
    const body = { name: 'Amazon Web Services', corporateNumber: corporateNumber(uniqueBase()) };
    const first = await http(baseUrl, 'POST', '/providers', {
      token: secretariat,
      body,
      headers: { 'idempotency-key': key },
    });
    await app.close();
    await start();
    const again = await http(baseUrl, 'POST', '/providers', {
      token: secretariat,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first.json);
    expect(await store.readStream(`provider-${String(first.json['providerId'])}`)).toHaveLength(1);
  });

  describe('bad input answers 4xx problem+json and appends nothing', () => {
    const cases: ReadonlyArray<[string, () => Parameters<typeof http>[3], number, string]> = [
      [
        'an unknown field',
        () => ({
          body: { name: 'X', corporateNumber: corporateNumber(uniqueBase()), actor: 'someone-else' },
        }),
        400,
        'REQUEST.INVALID',
      ],
      [
        'a field named prototype (which the framework would drop without a word)',
        () => ({ body: { name: 'X', corporateNumber: corporateNumber(uniqueBase()), prototype: '' } }),
        400,
        'REQUEST.INVALID',
      ],
      [
        'a field named like an inherited property (valueOf)',
        () => ({ body: { name: 'X', corporateNumber: corporateNumber(uniqueBase()), valueOf: [1] } }),
        400,
        'REQUEST.INVALID',
      ],
      [
        'a nested field named constructor',
        () => ({
          body: { name: 'X', corporateNumber: corporateNumber(uniqueBase()), x: { constructor: 1 } },
        }),
        400,
        'REQUEST.INVALID',
      ],
      [
        'a 12-digit corporate number',
        () => ({ body: { name: 'X', corporateNumber: '123456789012' } }),
        400,
        'REQUEST.INVALID',
      ],
      [
        'a wrong check digit',
        () => ({ body: { name: 'X', corporateNumber: '8000012050002' } }),
        400,
        'REQUEST.INVALID',
      ],
      [
        'a blank name',
        () => ({ body: { name: '   ', corporateNumber: corporateNumber(uniqueBase()) } }),
        400,
        'REQUEST.INVALID',
      ],
      [
        'a non-JSON body sent as JSON',
        () => ({ rawBody: '{"name": "X", corporateNumber', headers: { 'content-type': 'application/json' } }),
        400,
        'REQUEST.MALFORMED_JSON',
      ],
      [
        'an empty JSON body',
        () => ({ rawBody: '', headers: { 'content-type': 'application/json' } }),
        400,
        'REQUEST.EMPTY_BODY',
      ],
      ['a JSON array', () => ({ body: [] }), 400, 'REQUEST.INVALID'],
      [
        'a text/plain body',
        () => ({ rawBody: 'name=X', headers: { 'content-type': 'text/plain' } }),
        415,
        'REQUEST.UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'a body over 256 KB',
        () => ({ body: { name: 'x'.repeat(300 * 1024), corporateNumber: corporateNumber(uniqueBase()) } }),
        413,
        'REQUEST.BODY_TOO_LARGE',
      ],
      [
        'a malformed Idempotency-Key',
        () => ({
          body: { name: 'X', corporateNumber: corporateNumber(uniqueBase()) },
          headers: { 'idempotency-key': 'abc' },
        }),
        400,
        'IDEMPOTENCY.KEY_INVALID',
      ],
    ];

    it.each(cases)('%s', async (_name, options, status, code) => {
      const before = (await store.readAll()).length;
      const response = await http(baseUrl, 'POST', '/providers', { token: secretariat, ...options() });
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.json).toMatchObject({
        status,
        code,
        type: expect.any(String),
        title: expect.any(String),
      });
      expect(response.text).not.toMatch(/at .*\.(ts|js):\d+/);
      expect((await store.readAll()).length).toBe(before);
    });

    it('lists the field errors without echoing values', async () => {
      const response = await http(baseUrl, 'POST', '/providers', {
        token: secretariat,
        body: { corporateNumber: '123', secret: 'do-not-echo' },
      });
      expect(response.status).toBe(400);
      expect(response.json['detail']).toBe('The request body is not valid');
      const fields = (response.json['errors'] as Array<{ field: string }>).map((e) => e.field).sort();
      expect(fields).toEqual(['corporateNumber', 'name', 'secret']);
      expect(response.text).not.toContain('do-not-echo');
    });
  });

  it('a second registration of the same corporate number is a 409', async () => {
    const body = { name: 'Twice', corporateNumber: corporateNumber(uniqueBase()) };
    expect((await http(baseUrl, 'POST', '/providers', { token: secretariat, body })).status).toBe(201);
    const again = await http(baseUrl, 'POST', '/providers', { token: secretariat, body });
    expect(again.status).toBe(409);
    expect(again.json['code']).toBe('PROVIDER.ALREADY_REGISTERED');
  });

  it('no token is 401, a bad token is 401, a csp token is 403 — nothing appended', async () => {
    const body = { name: 'X', corporateNumber: corporateNumber(uniqueBase()) };
    const before = (await store.readAll()).length;
    const anonymous = await http(baseUrl, 'POST', '/providers', { body });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json['code']).toBe('AUTH.AUTHENTICATION_REQUIRED');
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const garbage = await http(baseUrl, 'POST', '/providers', { body, token: 'not.a.token' });
    expect(garbage.status).toBe(401);
    const csp = await issueDevToken(
      { role: 'csp', org: 'P7000012050002' },
      { dataDir, issuer: config.auth.issuer, audience: config.auth.audience },
    );
    const forbidden = await http(baseUrl, 'POST', '/providers', { body, token: csp });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json['code']).toBe('AUTH.FORBIDDEN');
    expect((await store.readAll()).length).toBe(before);
  });

  it('an unknown route is a 404 problem', async () => {
    const response = await http(baseUrl, 'GET', '/nothing-here');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('health and OpenAPI answer', async () => {
    expect((await http(baseUrl, 'GET', '/health/live')).status).toBe(200);
    const ready = await http(baseUrl, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({
      status: 'ok',
      checks: { eventStore: { status: 'up' }, redis: { status: 'up' } },
    });
    const docs = await http(baseUrl, 'GET', '/docs-json');
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.json['paths'] as object)).toEqual(
      expect.arrayContaining(['/providers', '/health/ready']),
    );
    expect((await http(baseUrl, 'GET', '/docs')).status).toBe(200);
  });
});
