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
import { appendRealisticLog } from '../../libs/read-models/src/runner/testing/realistic-log';

export interface ReadBenchmarkResult {
  readonly events: number;
  readonly listedAsOf: number;
  readonly asOfMedianMs: number;
  readonly asOfMaxMs: number;
  readonly listRequestsPerSecond: number;
  readonly listP50Ms: number;
  readonly listP99Ms: number;
  readonly listNon2xx: number;
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
    const result = await autocannon({
      url: `${server.baseUrl}/lists/ismap`,
      connections: 64,
      duration: 10,
    });
    return {
      events,
      listedAsOf,
      asOfMedianMs: Math.round(timings[Math.floor(timings.length / 2)] ?? 0),
      asOfMaxMs: Math.round(timings[timings.length - 1] ?? 0),
      listRequestsPerSecond: Math.round(result.requests.average),
      listP50Ms: result.latency.p50,
      listP99Ms: result.latency.p99,
      listNon2xx: result.non2xx,
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
    `| \`GET /lists/ismap\` over HTTP, 64 connections, 10 s | ${r.events} | ${r.listRequestsPerSecond} requests/s, p50 ${r.listP50Ms} ms, p99 ${r.listP99Ms} ms, non-2xx ${r.listNon2xx} |`,
  ].join('\n');
}
