/// <reference types="jest" />
/** Helpers for the read-model store's integration tests (real Redis, one key prefix per test). Not product code. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { EventStore, EventToAppend, RecordedEvent } from '@ismap/event-store';
import { SqliteEventStore } from '@ismap/event-store';
import { MemoryReadModel } from '../../memory-read-model';
import type { Projection } from '../../projection';
import { dumpMemoryModel, dumpRedisGeneration, hashDump } from '../../redis/dump';
import type { ReadModelDump } from '../../redis/dump';
import { readLiveGeneration } from '../../redis/generations';
import { globEscape, projectionKeys } from '../../redis/keys';
import { ProjectionRunner } from '../projection-runner';
import type { ProjectionRunnerOptions } from '../projection-runner';

export function connectRedis(): Redis {
  return new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
}

export function uniquePrefix(): string {
  return `test:rm:${randomUUID().slice(0, 8)}:`;
}

export async function deleteByPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

export async function countKeys(redis: Redis, prefix: string): Promise<number> {
  let count = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 1000);
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  return count;
}

export function testEvent(type: string, data: Record<string, unknown> = {}): EventToAppend {
  const id = randomUUID();
  return {
    id,
    type,
    data: data as EventToAppend['data'],
    metadata: {
      actor: { sub: 'read-model-spec', roles: ['secretariat'] },
      correlationId: id,
      causationId: id,
      commandId: id,
      occurredOn: '2024-04-01',
      recordedAt: '2024-04-01T00:00:00.000Z',
      schemaVersion: 1,
      rulesetVersion: '2023.1',
    },
  };
}

/** The whole log, read in pages. */
export async function readWholeLog(store: EventStore): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for (;;) {
    const last = all[all.length - 1];
    const page = await store.readAll({
      ...(last === undefined ? {} : { fromPosition: String(BigInt(last.position) + 1n) }),
      maxCount: 5000,
    });
    all.push(...page);
    if (page.length < 5000) return all;
  }
}

/** The clean in-memory replay the Redis model must equal. */
export function replayInMemory(projection: Projection, events: readonly RecordedEvent[]): ReadModelDump {
  const model = new MemoryReadModel();
  for (const event of events) model.apply(projection, event);
  return dumpMemoryModel(model);
}

export async function dumpLive(redis: Redis, prefix: string, projection: Projection): Promise<ReadModelDump> {
  const keys = projectionKeys(prefix, projection.name);
  const generation = await readLiveGeneration(redis, keys);
  if (generation === undefined) return [];
  return dumpRedisGeneration(redis, keys.generation(generation));
}

/** A short, readable difference for a failing comparison (the first lines only one side has). */
export function difference(actual: ReadModelDump, expected: ReadModelDump, max = 5): string[] {
  const a = new Set(actual);
  const e = new Set(expected);
  return [
    ...actual
      .filter((line) => !e.has(line))
      .slice(0, max)
      .map((line) => `+ ${line}`),
    ...expected
      .filter((line) => !a.has(line))
      .slice(0, max)
      .map((line) => `- ${line}`),
  ];
}

/** Polls until `condition` holds; fails with `what` after `timeoutMs`. */
export async function waitUntil(
  condition: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 20_000,
  intervalMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** `count` events of type Tick with `n` = from, from + 1, …, spread over seven streams. */
export async function appendTicks(
  store: EventStore,
  count: number,
  from = 0,
  extra: (n: number) => Record<string, unknown> = () => ({}),
): Promise<void> {
  for (let i = 0; i < count; i += 250) {
    await Promise.all(
      Array.from({ length: Math.min(250, count - i) }, (_, j) =>
        store.appendToStream(
          `tick-${(from + i + j) % 7}`,
          [testEvent('Tick', { n: from + i + j, ...extra(from + i + j) })],
          {
            expectedRevision: 'any',
          },
        ),
      ),
    );
  }
}

/** The live generation's stored checkpoint. */
export async function liveCheckpoint(
  redis: Redis,
  prefix: string,
  projection: Projection,
): Promise<string | undefined> {
  const keys = projectionKeys(prefix, projection.name);
  const generation = await readLiveGeneration(redis, keys);
  if (generation === undefined) return undefined;
  return (await redis.get(keys.generation(generation).checkpoint)) ?? undefined;
}

/** A runner log that keeps what it was told, for assertions on what an operator would read. */
export function recordingLog(): {
  readonly lines: { level: 'info' | 'warn' | 'error'; message: string }[];
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
} {
  const lines: { level: 'info' | 'warn' | 'error'; message: string }[] = [];
  return {
    lines,
    info: (message) => lines.push({ level: 'info', message }),
    warn: (message) => lines.push({ level: 'warn', message }),
    error: (message) => lines.push({ level: 'error', message }),
  };
}

/** What a spec may choose for its runners; the rest is the same for every runner spec. */
export type RunnerOverrides = Partial<
  Pick<ProjectionRunnerOptions, 'redis' | 'leaseTtlMs' | 'maxBatch' | 'log'>
>;

export interface RunnerTestbed {
  /** The spec file's temporary directory, removed after its last test. */
  readonly root: string;
  readonly redis: Redis;
  readonly prefix: string;
  readonly store: EventStore;
  /** In start order, for a test that reaches a runner it did not keep. */
  readonly runners: readonly ProjectionRunner[];
  /** A started runner, stopped after the test. */
  start(projection: Projection, options?: RunnerOverrides): ProjectionRunner;
  /** Quits a connection the test made (a runner's own, a spied-on one) after the test. */
  track(connection: Redis): Redis;
  /** The projection's live generation equals a replay of the whole log into memory, key for key and by hash. */
  expectEqualToReplay(projection: Projection): Promise<void>;
}

/**
 * The runner specs' fixture: one Redis connection per file; per test a fresh key prefix, whose keys are deleted
 * after it, and an event store of its own, so that no test sees another's events or positions. Call it at the
 * top of a spec file: it registers its Jest hooks there, before the spec's own. `defaults` holds an option the
 * file's assertions depend on (its lease TTL), so that it is set in one place.
 */
export function runnerTestbed(name: string, defaults: Omit<RunnerOverrides, 'redis'> = {}): RunnerTestbed {
  const root = mkdtempSync(join(tmpdir(), `ismap-${name}-`));
  let redis: Redis | undefined;
  let prefix: string | undefined;
  let store: EventStore | undefined;
  let runners: ProjectionRunner[] = [];
  let connections: Redis[] = [];
  let fileSeq = 0;
  const inTest = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the testbed's ${what} exists only while a test runs`);
    return value;
  };

  beforeAll(() => {
    redis = connectRedis();
  });
  afterAll(async () => {
    await redis?.quit();
    rmSync(root, { recursive: true, force: true });
  });
  beforeEach(async () => {
    prefix = uniquePrefix();
    runners = [];
    connections = [];
    store = await SqliteEventStore.open({ file: join(root, `events-${fileSeq++}.db`), pollIntervalMs: 20 });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(runners.map((runner) => runner.stop()));
    await Promise.all(connections.map((connection) => connection.quit()));
    await inTest(store, 'store').close();
    await deleteByPrefix(inTest(redis, 'redis'), inTest(prefix, 'prefix'));
  });

  return {
    root,
    get redis() {
      return inTest(redis, 'redis');
    },
    get prefix() {
      return inTest(prefix, 'prefix');
    },
    get store() {
      return inTest(store, 'store');
    },
    get runners() {
      return runners;
    },
    start(projection, options = {}) {
      const maxBatch = options.maxBatch ?? defaults.maxBatch;
      const log = options.log ?? defaults.log;
      const runner = new ProjectionRunner({
        store: inTest(store, 'store'),
        redis: options.redis ?? inTest(redis, 'redis'),
        keyPrefix: inTest(prefix, 'prefix'),
        projection,
        // Short, so that a test of a dead holder's takeover waits a second rather than the product's five.
        leaseTtlMs: options.leaseTtlMs ?? defaults.leaseTtlMs ?? 1000,
        idleTickMs: 50,
        retryDelayMs: 50,
        ...(maxBatch === undefined ? {} : { maxBatch }),
        ...(log === undefined ? {} : { log }),
      });
      runners.push(runner);
      runner.start();
      return runner;
    },
    track(connection) {
      connections.push(connection);
      return connection;
    },
    async expectEqualToReplay(projection) {
      const expected = replayInMemory(projection, await readWholeLog(inTest(store, 'store')));
      const actual = await dumpLive(inTest(redis, 'redis'), inTest(prefix, 'prefix'), projection);
      expect(difference(actual, expected)).toEqual([]);
      expect(hashDump(actual)).toBe(hashDump(expected));
    },
  };
}
