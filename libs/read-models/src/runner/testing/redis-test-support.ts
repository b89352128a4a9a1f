/** Helpers for the read-model store's integration tests (real Redis, one key prefix per test). Not product code. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { EventStore, EventToAppend, RecordedEvent } from '@ismap/event-store';
import { MemoryReadModel } from '../../memory-read-model';
import type { Projection } from '../../projection';
import { dumpMemoryModel, dumpRedisGeneration } from '../../redis/dump';
import type { ReadModelDump } from '../../redis/dump';
import { readLiveGeneration } from '../../redis/generations';
import { globEscape, projectionKeys } from '../../redis/keys';

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
