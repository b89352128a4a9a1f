import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Position } from '@ismap/event-store';
import { SqliteEventStore } from '@ismap/event-store';
import type { Projection } from '../projection';
import { PROJECTIONS } from '../projections';
import { hashDump } from '../redis/dump';
import { headPosition, readLiveGeneration } from '../redis/generations';
import { projectionKeys } from '../redis/keys';
import { ledgerProjection } from './testing/ledger.projection';
import { appendRealisticLog } from './testing/realistic-log';
import {
  connectRedis,
  deleteByPrefix,
  difference,
  dumpLive,
  readWholeLog,
  replayInMemory,
  uniquePrefix,
  waitUntil,
} from './testing/redis-test-support';
import { childNodePath, transpileLibs } from './testing/transpile-libs';

const EVENTS = 50_000;
const KILLS = 6;
const LEASE_TTL_MS = 500;

const root = mkdtempSync(join(tmpdir(), 'ismap-sigkill-'));
const file = join(root, 'events.db');
const childScript = join(__dirname, 'testing', 'runner-child.js');
const projections: readonly Projection[] = [...PROJECTIONS, ledgerProjection];
let transpiled: string;
let redis: Redis;
let prefix: string;
let head: Position;

interface Child {
  readonly process: ChildProcess;
  readonly exited: () => boolean;
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly stderr: () => string;
}

function spawnRunner(): Child {
  const child = spawn(process.execPath, [childScript, transpiled, file, prefix, String(LEASE_TTL_MS)], {
    env: { ...process.env, NODE_PATH: childNodePath },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let exited = false;
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    }),
  );
  return { process: child, exited: () => exited, closed, stderr: () => stderr };
}

/** The slowest projection's live checkpoint: catch-up is over when it reaches the head. */
async function slowestCheckpoint(): Promise<bigint> {
  let slowest: bigint | undefined;
  for (const projection of projections) {
    const keys = projectionKeys(prefix, projection.name);
    const generation = await readLiveGeneration(redis, keys);
    const checkpoint =
      generation === undefined ? null : await redis.get(keys.generation(generation).checkpoint);
    const position = BigInt(checkpoint ?? '0');
    if (slowest === undefined || position < slowest) slowest = position;
  }
  return slowest ?? 0n;
}

beforeAll(async () => {
  transpiled = transpileLibs(join(root, 'js'), ['event-store', 'read-models', 'domain']);
  const store = await SqliteEventStore.open({ file });
  try {
    await appendRealisticLog(store, EVENTS, { seed: 2024 });
    head = (await headPosition(store))!;
  } finally {
    await store.close();
  }
  redis = connectRedis();
  prefix = uniquePrefix();
}, 120_000);

afterAll(async () => {
  await deleteByPrefix(redis, prefix);
  await redis.quit();
  rmSync(root, { recursive: true, force: true });
});

describe('projection runners killed with SIGKILL during catch-up', () => {
  it(`end equal to a clean in-memory replay of ${EVENTS} events after ${KILLS} kills`, async () => {
    expect(head).toBe(String(EVENTS));
    // Kill at random points of the catch-up: each time the slowest projection passes a random position.
    const targets = Array.from({ length: KILLS }, () =>
      BigInt(Math.floor(Math.random() * 0.9 * EVENTS)),
    ).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const killedAt: bigint[] = [];
    for (const target of targets) {
      const child = spawnRunner();
      await waitUntil(
        async () => child.exited() || (await slowestCheckpoint()) >= target,
        `the runners to pass position ${target}`,
        60_000,
        5,
      );
      expect(child.exited() ? child.stderr() : 'running').toBe('running');
      child.process.kill('SIGKILL');
      const { signal } = await child.closed;
      expect(signal).toBe('SIGKILL');
      killedAt.push(await slowestCheckpoint());
    }
    // Every kill happened before the catch-up was over.
    expect(killedAt.filter((position) => position >= BigInt(EVENTS))).toEqual([]);

    const last = spawnRunner();
    await waitUntil(
      async () => last.exited() || (await slowestCheckpoint()) === BigInt(EVENTS),
      'the last runner to catch up',
      120_000,
      20,
    );
    last.process.kill('SIGTERM');
    expect(await last.closed).toEqual({ code: 0, signal: null });

    const store = await SqliteEventStore.open({ file });
    const log = await readWholeLog(store);
    await store.close();
    for (const projection of projections) {
      const expected = replayInMemory(projection, log);
      const actual = await dumpLive(redis, prefix, projection);
      expect({ projection: projection.name, difference: difference(actual, expected) }).toEqual({
        projection: projection.name,
        difference: [],
      });
      expect(hashDump(actual)).toBe(hashDump(expected));
      expect(await redis.llen(projectionKeys(prefix, projection.name).parked)).toBe(0);
    }
    // The ledger counts applications: exactly one per event of the log.
    const keys = projectionKeys(prefix, ledgerProjection.name);
    const generation = keys.generation((await readLiveGeneration(redis, keys))!);
    expect(await redis.hget(generation.counters, 'applications')).toBe(String(EVENTS));
  }, 300_000);
});
