import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { issueDevToken } from '@ismap/auth';
import { loadConfig, type AppConfig } from '@ismap/config';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import {
  bullConnection,
  bullPrefix,
  QUEUES,
  verifyWebhookSignature,
  WEBHOOK_EVENT_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WebhookDeliveryLog,
  webhookDeliveryJobId,
} from '@ismap/jobs';
import { createApiApplication } from '../../apps/api/src/bootstrap';
import { WebhooksService } from '../../apps/worker/src/webhooks/webhooks.service';
import { freePort, http, waitForCondition } from '../support/http';
import { randomCorporateNumber } from '../support/corporate-number';

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  readonly receivedAtSeconds: number;
}

/**
 * A receiver on this machine: `/flaky` answers 503 three times then 200, `/down` always 500, `/redirect` 302 to
 * `/moved-here`, anything else 204.
 */
function startReceiver(port: number): Promise<{ server: Server; received: Received[] }> {
  const received: Received[] = [];
  const seen = new Map<string, number>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      received.push({
        path,
        headers: request.headers,
        rawBody: Buffer.concat(chunks).toString('utf8'),
        receivedAtSeconds: Date.now() / 1000,
      });
      const n = (seen.get(path) ?? 0) + 1;
      seen.set(path, n);
      if (path.startsWith('/flaky')) response.statusCode = n <= 3 ? 503 : 200;
      else if (path.startsWith('/down')) response.statusCode = 500;
      else if (path.startsWith('/redirect')) {
        response.statusCode = 302;
        response.setHeader('location', '/moved-here');
      } else response.statusCode = 204;
      response.end(path.startsWith('/down') ? 'internal details the sender must not keep' : '');
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, received })));
}

@Module({ providers: [WebhooksService] })
class WebhookWorkerTestModule {}

describe('webhooks over HTTP: registration, signed delivery, retries, dead letter (real Redis and BullMQ)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-webhooks-'));
  const prefix = `test-webhooks-${process.pid}-${Date.now()}:`;
  let config: AppConfig;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let store: EventStore;
  let receiver: { server: Server; received: Received[] };
  let receiverUrl: string;
  let queue: Queue;
  let log: WebhookDeliveryLog;
  let redis: Redis;

  const token = (role: string, org?: string) =>
    issueDevToken(
      { role, sub: `${role}-${org ?? 'none'}@test`, ...(org === undefined ? {} : { org }) },
      { dataDir, issuer: config.auth.issuer, audience: config.auth.audience },
    );

  /** A provider org that has an endpoint at `path`; registering the provider afterwards is the event it hears of. */
  async function providerWithEndpoint(path: string) {
    const number = randomCorporateNumber();
    const providerId = `P${number}`;
    const csp = await token('csp', providerId);
    const registered = await http(baseUrl, 'POST', '/webhooks', {
      token: csp,
      body: { url: `${receiverUrl}${path}` },
    });
    expect(registered.status).toBe(201);
    const webhookId = String(registered.json['webhookId']);
    const secret = String(registered.json['secret']);
    const provider = await http(baseUrl, 'POST', '/providers', {
      token: await token('secretariat'),
      body: { name: `Provider ${number}`, corporateNumber: number },
    });
    expect(provider.status).toBe(201);
    const [event] = await store.readStream(`provider-${providerId}`);
    if (event === undefined) throw new Error('no provider event');
    return { providerId, csp, webhookId, secret, eventId: event.id, path };
  }

  const requestsTo = (path: string) => receiver.received.filter((r) => r.path === path);

  beforeAll(async () => {
    receiver = await startReceiver(await freePort());
    const address = receiver.server.address();
    receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      REDIS_KEY_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      WEBHOOK_BACKOFF_BASE_MS: '20',
      WEBHOOK_TIMEOUT_MS: '2000',
    });
    app = await createApiApplication(config, [WebhookWorkerTestModule], pino({ level: 'silent' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    store = app.get<EventStore>(EVENT_STORE);
    redis = new Redis(config.redisUrl);
    log = new WebhookDeliveryLog(redis, prefix);
    queue = new Queue(QUEUES.webhooks, {
      connection: bullConnection(config.redisUrl),
      prefix: bullPrefix(prefix),
    });
  });

  afterAll(async () => {
    await app.close();
    await queue.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await new Promise((resolve) => receiver.server.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a receiver failing the first 3 deliveries receives the 4th, with a valid signature', async () => {
    const { webhookId, secret, eventId, providerId, csp } = await providerWithEndpoint(
      `/flaky-${randomUUID()}`,
    );
    await waitForCondition(
      async () => (await log.deliveriesOf(webhookId)).some((d) => d.state === 'delivered'),
      { timeoutMs: 20_000, what: 'the 4th delivery' },
    );
    const requests = receiver.received.filter((r) => r.headers[WEBHOOK_EVENT_ID_HEADER] === eventId);
    expect(requests).toHaveLength(4);
    for (const request of requests) {
      // Every attempt is signed afresh, and each verifies with the secret shown at registration.
      const check = verifyWebhookSignature(
        secret,
        request.rawBody,
        request.headers[WEBHOOK_SIGNATURE_HEADER] as string | undefined,
        request.receivedAtSeconds,
      );
      expect(check.valid).toBe(true);
    }
    const fourth = requests[3];
    if (fourth === undefined) throw new Error('no 4th request');
    const body = JSON.parse(fourth.rawBody) as Record<string, unknown>;
    expect(body).toMatchObject({
      eventId,
      type: 'ProviderRegistered',
      subject: { kind: 'provider', id: providerId },
      data: { providerId },
      occurredOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      recordedAt: expect.any(String),
    });
    expect(body).not.toHaveProperty('metadata');
    expect(new Set(requests.map((r) => r.rawBody)).size).toBe(1);
    // A signature made with another secret does not verify.
    expect(
      verifyWebhookSignature(
        'whsec_wrong',
        fourth.rawBody,
        fourth.headers[WEBHOOK_SIGNATURE_HEADER] as string,
        fourth.receivedAtSeconds,
      ).valid,
    ).toBe(false);

    const deliveries = await http(baseUrl, 'GET', `/webhooks/${webhookId}/deliveries`, { token: csp });
    expect(deliveries.status).toBe(200);
    const items = deliveries.json['items'] as Array<{
      eventId: string;
      state: string;
      attempts: Array<Record<string, unknown>>;
    }>;
    expect(items).toHaveLength(1);
    expect(items[0]?.eventId).toBe(eventId);
    expect(items[0]?.state).toBe('delivered');
    expect(items[0]?.attempts.map((a) => [a['attempt'], a['status'], a['outcome']])).toEqual([
      [1, 503, 'retrying'],
      [2, 503, 'retrying'],
      [3, 503, 'retrying'],
      [4, 200, 'delivered'],
    ]);
    expect(items[0]?.attempts[0]?.['nextRetryAt']).toEqual(expect.any(String));
    expect(items[0]?.attempts[3]?.['nextRetryAt']).toBeNull();
  });

  it('a receiver that always fails ends in the dead letter after exactly 8 attempts, with the last error', async () => {
    const { webhookId, eventId, csp, path } = await providerWithEndpoint(`/down-${randomUUID()}`);
    await waitForCondition(async () => (await log.deadLetters()).some((d) => d.webhookId === webhookId), {
      timeoutMs: 30_000,
      what: 'the dead letter',
    });
    const jobId = webhookDeliveryJobId(webhookId, eventId);
    await waitForCondition(async () => (await queue.getJobState(jobId)) === 'failed', {
      timeoutMs: 10_000,
      what: 'the job to fail for good',
    });
    const entry = (await log.deadLetters()).find((d) => d.webhookId === webhookId);
    expect(entry).toMatchObject({
      eventId,
      jobId,
      attempts: 8,
      lastError: 'HTTP 500',
      eventType: 'ProviderRegistered',
    });
    expect(requestsTo(path)).toHaveLength(8);
    const job = await queue.getJob(jobId);
    expect(job?.attemptsMade).toBe(8);

    const deliveries = await http(baseUrl, 'GET', `/webhooks/${webhookId}/deliveries`, { token: csp });
    const [item] = deliveries.json['items'] as Array<{
      state: string;
      attempts: Array<Record<string, unknown>>;
    }>;
    expect(item?.state).toBe('dead-lettered');
    expect(item?.attempts.map((a) => a['attempt'])).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(item?.attempts.every((a) => a['status'] === 500 && a['error'] === 'HTTP 500')).toBe(true);
    expect(item?.attempts[7]).toMatchObject({ outcome: 'dead-lettered', nextRetryAt: null });
    // What the receiver answered stays with the receiver.
    expect(deliveries.text).not.toContain('internal details');
  });

  it('never follows a redirect: a 302 is a failed attempt', async () => {
    const { webhookId } = await providerWithEndpoint(`/redirect-${randomUUID()}`);
    await waitForCondition(async () => (await log.attemptsOf(webhookId)).length >= 2, {
      timeoutMs: 10_000,
      what: 'two attempts',
    });
    const [first] = await log.attemptsOf(webhookId);
    expect(first).toMatchObject({ attempt: 1, status: 302, outcome: 'retrying' });
    expect(first?.error).toMatch(/redirects are not followed/);
    expect(requestsTo('/moved-here')).toHaveLength(0);
  });

  it('lists only the caller’s own endpoints, never with the secret', async () => {
    const { csp, webhookId, secret } = await providerWithEndpoint(`/ok-${randomUUID()}`);
    const listed = await http(baseUrl, 'GET', '/webhooks', { token: csp });
    expect(listed.status).toBe(200);
    const items = listed.json['items'] as Array<Record<string, unknown>>;
    expect(items.map((i) => i['webhookId'])).toEqual([webhookId]);
    expect(listed.text).not.toContain(secret);
    expect(items[0]?.['secretFingerprint']).toMatch(/^sha256:[0-9a-f]{16}$/);
  });

  it("another organisation's endpoint is a 404, whatever role asks", async () => {
    const own = await providerWithEndpoint(`/ok-${randomUUID()}`);
    const other = await token('csp', `P${randomCorporateNumber()}`);
    const sameIdOtherKind = await token('audit-body', own.providerId);
    for (const bearer of [other, sameIdOtherKind]) {
      const response = await http(baseUrl, 'GET', `/webhooks/${own.webhookId}/deliveries`, { token: bearer });
      expect(response.status).toBe(404);
      expect(response.json['code']).toBe('WEBHOOK.NOT_FOUND');
    }
    const unknown = await http(baseUrl, 'GET', `/webhooks/${randomUUID()}/deliveries`, { token: own.csp });
    expect(unknown.status).toBe(404);
    // The same answer as for an endpoint that does not exist (only the instance and correlation id differ).
    const hidden = await http(baseUrl, 'GET', `/webhooks/${own.webhookId}/deliveries`, { token: other });
    const { instance: _a, correlationId: _b, ...unknownProblem } = unknown.json;
    const { instance: _c, correlationId: _d, ...hiddenProblem } = hidden.json;
    expect(hiddenProblem).toEqual(unknownProblem);
    const list = await http(baseUrl, 'GET', '/webhooks', { token: other });
    expect(list.json['items']).toEqual([]);
    const reviewer = await http(baseUrl, 'GET', '/webhooks', { token: await token('ipa-reviewer') });
    expect(reviewer.status).toBe(403);
  });

  it('refuses a body naming an organisation or actor, a bad URL and unknown event types: 400, nothing appended', async () => {
    const csp = await token('csp', `P${randomCorporateNumber()}`);
    const before = await store.readAll({ filter: { streamNamePrefixes: ['webhook-'] } });
    const cases: Array<[unknown, string]> = [
      [{ url: `${receiverUrl}/ok`, org: 'P0000000000000' }, 'REQUEST.INVALID'],
      [{ url: `${receiverUrl}/ok`, actor: { sub: 'someone' } }, 'REQUEST.INVALID'],
      [{ url: `${receiverUrl}/ok`, eventTypes: ['NoSuchEvent'] }, 'REQUEST.INVALID'],
      [{ url: `${receiverUrl}/ok`, eventTypes: [] }, 'REQUEST.INVALID'],
      [{ url: 'ftp://127.0.0.1/hook' }, 'WEBHOOK.URL_NOT_ALLOWED'],
      [{ url: 'http://hooks.example.co.jp/hook' }, 'WEBHOOK.URL_NOT_ALLOWED'],
      [{ url: 'https://user:pw@hooks.example.co.jp/hook' }, 'WEBHOOK.URL_NOT_ALLOWED'],
    ];
    for (const [body, code] of cases) {
      const response = await http(baseUrl, 'POST', '/webhooks', { token: csp, body });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(response.json['code']).toBe(code);
    }
    const after = await store.readAll({ filter: { streamNamePrefixes: ['webhook-'] } });
    expect(after).toHaveLength(before.length);
  });

  it('is idempotent by Idempotency-Key without ever writing the secret to the log', async () => {
    const providerId = `P${randomCorporateNumber()}`;
    const csp = await token('csp', providerId);
    const key = randomUUID();
    const body = { url: `${receiverUrl}/ok-idem`, eventTypes: ['ServiceRegistered', 'ApplicationDecided'] };
    const first = await http(baseUrl, 'POST', '/webhooks', {
      token: csp,
      body,
      headers: { 'idempotency-key': key },
    });
    const second = await http(baseUrl, 'POST', '/webhooks', {
      token: csp,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.json).toEqual(first.json);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('cache-control')).toBe('no-store');
    const reused = await http(baseUrl, 'POST', '/webhooks', {
      token: csp,
      body: { url: `${receiverUrl}/elsewhere` },
      headers: { 'idempotency-key': key },
    });
    expect(reused.status).toBe(422);
    expect(reused.json['code']).toBe('IDEMPOTENCY.KEY_REUSED');

    const events = await store.readStream(`webhook-${String(first.json['webhookId'])}`);
    expect(events.map((e) => e.type)).toEqual(['WebhookEndpointRegistered']);
    expect(events[0]?.data).toMatchObject({
      organisationId: providerId,
      organisationKind: 'provider',
      eventTypes: ['ApplicationDecided', 'ServiceRegistered'],
      secretFingerprint: first.json['secretFingerprint'],
    });
    const everything = JSON.stringify(await store.readAll());
    expect(everything).not.toContain(String(first.json['secret']));
  });
});
