import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { CommandBus } from '@nestjs/cqrs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import pino from 'pino';
import { loadConfig } from '@ismap/config';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import { createApiApplication } from '../../apps/api/src/bootstrap';
import { runDemo } from '../../apps/cli/src/demo/demo-2021';
import { WorkerModule } from '../../apps/worker/src/worker.module';

interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** node:http, not fetch: fetch would decompress, and the bytes on the wire are what is tested here. */
function raw(baseUrl: string, path: string, headers: Record<string, string>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The public lists as bytes: compressed as the client accepts, with ETags and 304 for a client that has them. */
describe('the public list over HTTP: content coding, ETag, If-None-Match', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-list-repr-'));
  const prefix = `test-list-repr-${process.pid}:`;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let head: string;
  const get = (path: string, headers: Record<string, string> = {}) =>
    raw(baseUrl, path, { 'x-min-log-position': head, ...headers });

  beforeAll(async () => {
    const config = loadConfig({ DATA_DIR: dataDir, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'silent' });
    app = await createApiApplication(config, [WorkerModule], pino({ level: 'silent' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    await runDemo(app.get(CommandBus), new Date(), () => undefined);
    const [last] = await app.get<EventStore>(EVENT_STORE).readAll({ direction: 'backwards', maxCount: 1 });
    head = last?.position ?? '0';
  });

  afterAll(async () => {
    await app.close();
    const redis = new Redis();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const LIST = '/lists/ismap?asOf=2021-09-30';

  it('answers gzip or brotli as accepted, each decoding to the uncompressed bytes', async () => {
    const plain = await get(LIST);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect((JSON.parse(plain.body.toString('utf8')) as { count: number }).count).toBe(20);
    expect(plain.headers['vary']).toMatch(/accept-encoding/i);

    const gzip = await get(LIST, { 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).equals(plain.body)).toBe(true);
    expect(gzip.body.length).toBeLessThan(plain.body.length);

    const br = await get(LIST, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    expect(br.headers['content-type']).toBe('application/json; charset=utf-8');

    const refused = await get(LIST, { 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.body.equals(plain.body)).toBe(true);
  });

  it('gives each coding its own strong ETag, and answers 304 without a body to a client that holds it', async () => {
    const plain = await get(LIST);
    const br = await get(LIST, { 'accept-encoding': 'br' });
    expect(plain.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(br.headers.etag).not.toBe(plain.headers.etag);

    const again = await get(LIST, { 'accept-encoding': 'br', 'if-none-match': br.headers.etag ?? '' });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(br.headers.etag);

    // The uncompressed representation's tag does not match the brotli one: the client gets the bytes it can use.
    const mismatch = await get(LIST, { 'accept-encoding': 'br', 'if-none-match': plain.headers.etag ?? '' });
    expect(mismatch.status).toBe(200);
    expect(mismatch.body.equals(br.body)).toBe(true);

    const otherDate = await get('/lists/ismap?asOf=2021-06-30', {
      'if-none-match': plain.headers.etag ?? '',
    });
    expect(otherDate.status).toBe(200);
    expect((JSON.parse(otherDate.body.toString('utf8')) as { count: number }).count).toBe(14);
  });

  it('the live list: the same ETag while the read model stands still, 304 for it', async () => {
    const first = await get('/lists/ismap');
    const second = await get('/lists/ismap');
    expect(first.status).toBe(200);
    expect(second.headers.etag).toBe(first.headers.etag);
    const conditional = await get('/lists/ismap', { 'if-none-match': `W/${first.headers.etag ?? ''}` });
    expect(conditional.status).toBe(304);
  });

  it('serves the CSV compressed too, BOM included', async () => {
    const csv = await get(`${LIST}&format=csv`, { 'accept-encoding': 'gzip' });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toContain('ismap-list-2021-09-30.csv');
    expect(csv.headers['content-encoding']).toBe('gzip');
    const text = gunzipSync(csv.body).toString('utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
  });

  it('still refuses a malformed query with problem+json, as every route does', async () => {
    for (const path of ['/lists/ismap?format=xml', '/lists/ismap?asOf=yesterday', '/lists/ismap?page=2']) {
      const response = await get(path);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      // The detail names the query, where the mistake is, not the body this GET does not have.
      expect(JSON.parse(response.body.toString('utf8'))).toMatchObject({
        code: 'REQUEST.INVALID',
        detail: 'The query is not valid',
      });
    }
  });
});
