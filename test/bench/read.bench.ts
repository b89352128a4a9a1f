/**
 * The read side's benchmarks: the `asOf` list (a replay of the log into memory) over 100,000 events, and
 * `GET /lists/ismap` requests/s at 64 connections against the built server with its projections caught up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { REACTING_EVENT_TYPES } from '../../libs/application/src/reactions/reaction-runner';
import { SqliteEventStore } from '../../libs/event-store/src';
import {
  publicListEntries,
  memoryView,
  registrationsProjection,
  replayInMemory,
} from '../../libs/read-models/src';
import { startBuiltServer } from './built-server';
import { findWrk, processCpuMicros, runWrk } from './wrk';
import { appendRealisticLog } from '../../libs/read-models/src/runner/testing/realistic-log';

export interface ReadBenchmarkResult {
  readonly events: number;
  readonly listedAsOf: number;
  readonly asOfMedianMs: number;
  readonly asOfMaxMs: number;
  /**
   * The list as a browser or any HTTP client asks for it (`Accept-Encoding: gzip, deflate, br`): the target, driven
   * by wrk when it is installed (the lighter client), else by autocannon.
   */
  readonly listClient: LoadClient;
  readonly listRequestsPerSecond: number;
  readonly listP50Ms: number;
  readonly listP99Ms: number;
  readonly listNon2xx: number;
  /** Every variant measured, the target's included. */
  readonly listVariants: readonly ListVariantResult[];
  /** Bytes of the answer's body: uncompressed, gzip, brotli. */
  readonly listBytes: { readonly identity: number; readonly gzip: number; readonly br: number };
}

export type LoadClient = 'autocannon' | 'wrk';

export interface ListVariantResult {
  readonly client: LoadClient;
  readonly name: string;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly statuses: string;
  readonly non2xx: number;
  readonly bytesPerResponse: number;
  /** The server process's CPU time (all its threads) per request answered; undefined off Linux. */
  readonly serverCpuMicrosPerRequest: number | undefined;
}

const CLIENT_ENCODINGS = 'gzip, deflate, br';

async function probe(url: string, headers: Record<string, string>): Promise<{ bytes: number; etag: string }> {
  // node:http rather than fetch, which would decompress: the bytes on the wire are what is measured.
  const { request } = await import('node:http');
  return new Promise((done, fail) => {
    const req = request(url, { headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => done({ bytes, etag: String(res.headers.etag ?? '') }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end();
  });
}

const CONNECTIONS = 64;
const SECONDS = 10;

/** Runs `load`, measuring the server's CPU time per request it answered. */
async function withServerCpu<T extends { readonly requests: number }>(
  serverPid: number,
  load: () => Promise<T>,
): Promise<{ result: T; serverCpuMicrosPerRequest: number | undefined }> {
  const before = processCpuMicros(serverPid);
  const result = await load();
  const after = processCpuMicros(serverPid);
  return {
    result,
    serverCpuMicrosPerRequest:
      before === undefined || after === undefined || result.requests === 0
        ? undefined
        : Math.round((after - before) / result.requests),
  };
}

async function wrkList(
  wrk: string,
  serverPid: number,
  url: string,
  name: string,
  headers: Record<string, string>,
): Promise<ListVariantResult> {
  const { result, serverCpuMicrosPerRequest } = await withServerCpu(serverPid, () =>
    runWrk(wrk, url, headers, { connections: CONNECTIONS, seconds: SECONDS }),
  );
  const statuses = [
    result.badStatuses > 0 ? `≥ 400: ${result.badStatuses}` : '',
    result.errors > 0 ? `socket errors: ${result.errors}` : '',
  ].filter((part) => part !== '');
  return {
    client: 'wrk',
    name,
    requestsPerSecond: result.requestsPerSecond,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    statuses: statuses.length === 0 ? 'all < 400, no socket errors' : statuses.join(', '),
    non2xx: result.badStatuses + result.errors,
    bytesPerResponse: result.bytesPerResponse,
    serverCpuMicrosPerRequest,
  };
}

async function loadList(
  serverPid: number,
  url: string,
  name: string,
  headers: Record<string, string>,
): Promise<ListVariantResult> {
  const { result: measured, serverCpuMicrosPerRequest } = await withServerCpu(serverPid, async () => {
    const run = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers });
    return { run, requests: run.requests.total };
  });
  const result = measured.run;
  const statuses = ['1xx', '2xx', '3xx', '4xx', '5xx']
    .map((range) => [range, (result as unknown as Record<string, number>)[range] ?? 0] as const)
    .filter(([, n]) => n > 0)
    .map(([range, n]) => `${range} ${n}`)
    .join(', ');
  return {
    client: 'autocannon',
    name,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    statuses: statuses === '' ? 'none' : statuses,
    non2xx: result.non2xx,
    bytesPerResponse: Math.round(result.throughput.total / Math.max(1, result.requests.total)),
    serverCpuMicrosPerRequest,
  };
}

export async function runReadBenchmark(
  options: { events?: number; asOf?: string } = {},
): Promise<ReadBenchmarkResult> {
  const events = options.events ?? 100_000;
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-bench-read-'));
  const store = await SqliteEventStore.open({ file: join(dataDir, 'events.sqlite') });
  let head = '0';
  let reactingHead: string | undefined;
  let asOf = options.asOf ?? '';
  const timings: number[] = [];
  let listedAsOf = 0;
  try {
    await appendRealisticLog(store, events, { seed: 7 });
    const [last] = await store.readAll({ direction: 'backwards', maxCount: 1 });
    head = last?.position ?? '0';
    const [lastReacting] = await store.readAll({
      direction: 'backwards',
      maxCount: 1,
      filter: { eventTypePrefixes: [...REACTING_EVENT_TYPES] },
    });
    reactingHead = lastReacting?.position;
    if (asOf === '') {
      const registered = await store.readAll({ filter: { eventTypePrefixes: ['ServiceRegistered'] } });
      asOf = registered[Math.floor(registered.length / 2)]?.metadata.occurredOn ?? '2025-01-01';
    }
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      const model = await replayInMemory(store, registrationsProjection, { asOf });
      listedAsOf = (await publicListEntries(memoryView(model), 'ISMAP', asOf)).length;
      timings.push(performance.now() - t0);
    }
  } finally {
    await store.close();
  }
  timings.sort((a, b) => a - b);

  const server = await startBuiltServer(dataDir, 'read');
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      // Caught up: the projections have applied the whole generated log.
      const ok = await fetch(`${server.baseUrl}/lists/ismap`, {
        headers: { 'x-min-log-position': head },
      }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error('the projections did not catch up within 120 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    // The generated log was written directly, not by commands: the reactions process manager re-derives (and
    // parks) the effects of its rulings once. Measure the list after that, not during it.
    const redis = new Redis();
    try {
      while (reactingHead !== undefined) {
        const checkpoint = await redis.get(`bench-read-${process.pid}:checkpoint:reactions`);
        if (checkpoint !== null && BigInt(checkpoint) >= BigInt(reactingHead)) break;
        if (Date.now() > deadline) throw new Error('the reactions did not catch up within 120 s');
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      redis.disconnect();
    }
    const url = `${server.baseUrl}/lists/ismap`;
    const identity = await probe(url, { 'accept-encoding': 'identity' });
    const gzip = await probe(url, { 'accept-encoding': 'gzip' });
    const br = await probe(url, { 'accept-encoding': 'br' });
    const compressed = await probe(url, { 'accept-encoding': CLIENT_ENCODINGS });
    const compressedHeaders = { 'accept-encoding': CLIENT_ENCODINGS };
    const revalidateHeaders = { ...compressedHeaders, 'if-none-match': compressed.etag };
    const variants: ListVariantResult[] = [];
    const pid = server.pid;
    variants.push(await loadList(pid, url, `Accept-Encoding: ${CLIENT_ENCODINGS}`, compressedHeaders));
    variants.push(await loadList(pid, url, 'no Accept-Encoding (uncompressed)', {}));
    variants.push(
      await loadList(
        pid,
        url,
        `Accept-Encoding: ${CLIENT_ENCODINGS} + If-None-Match (304)`,
        revalidateHeaders,
      ),
    );
    const wrk = findWrk();
    if (wrk !== undefined) {
      variants.push(await wrkList(wrk, pid, url, `Accept-Encoding: ${CLIENT_ENCODINGS}`, compressedHeaders));
      variants.push(await wrkList(wrk, pid, url, 'no Accept-Encoding (uncompressed)', {}));
      variants.push(
        await wrkList(
          wrk,
          pid,
          url,
          `Accept-Encoding: ${CLIENT_ENCODINGS} + If-None-Match (304)`,
          revalidateHeaders,
        ),
      );
    }
    // The target: the compressed list, driven by the lighter client available.
    const target = variants.find((v) => v.client === (wrk === undefined ? 'autocannon' : 'wrk'));
    if (target === undefined) throw new Error('no list measurement');
    return {
      events,
      listedAsOf,
      asOfMedianMs: Math.round(timings[Math.floor(timings.length / 2)] ?? 0),
      asOfMaxMs: Math.round(timings[timings.length - 1] ?? 0),
      listClient: target.client,
      listRequestsPerSecond: target.requestsPerSecond,
      listP50Ms: target.p50Ms,
      listP99Ms: target.p99Ms,
      listNon2xx: target.non2xx,
      listVariants: variants,
      listBytes: { identity: identity.bytes, gzip: gzip.bytes, br: br.bytes },
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function formatReadBenchmark(r: ReadBenchmarkResult): string {
  return [
    '| benchmark | events in the log | result |',
    '|---|---|---|',
    `| \`GET /lists/ismap?asOf=\` (replay into memory, ${r.listedAsOf} entries listed) | ${r.events} | median ${r.asOfMedianMs} ms, max ${r.asOfMaxMs} ms of 7 |`,
    ...r.listVariants.map(
      (v) =>
        `| \`GET /lists/ismap\` (${v.client}), ${v.name}, ${CONNECTIONS} connections, ${SECONDS} s | ${r.events} | ` +
        `${v.requestsPerSecond} requests/s, p50 ${v.p50Ms} ms, p99 ${v.p99Ms} ms, ${v.bytesPerResponse} bytes/response, ` +
        `server CPU ${v.serverCpuMicrosPerRequest ?? '?'} µs/request, statuses: ${v.statuses} |`,
    ),
    '',
    `The answer: ${r.listBytes.identity} bytes of JSON, ${r.listBytes.gzip} bytes gzip, ${r.listBytes.br} bytes brotli ` +
      '(compressed once per read-model version). The target is the compressed answer, as any browser or HTTP client ' +
      `asks, driven by ${r.listClient}` +
      (r.listClient === 'wrk'
        ? ' (C; autocannon, in JavaScript, takes a large share of the same two cores and does not keep the server ' +
          'saturated, so the server spends several times more CPU per request under it: see the server CPU column).'
        : ' (wrk is not installed: `apt-get install wrk` for the lighter client).'),
  ].join('\n');
}
