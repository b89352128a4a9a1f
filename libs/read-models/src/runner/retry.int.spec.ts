import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { EventStore, RecordedEvent } from '@ismap/event-store';
import { SqliteEventStore } from '@ismap/event-store';
import type { DocRef, Projection, ReadModelTx } from '../projection';
import { hashDump } from '../redis/dump';
import type { ParkedEvent } from '../redis/generations';
import { headPosition, readLiveGeneration, readParked } from '../redis/generations';
import { projectionKeys } from '../redis/keys';
import { WRITE_BATCH } from '../redis/scripts';
import { HANDOVER_TTL_LEASES, Lease, takeOverLease } from './lease';
import { ProjectionRunner } from './projection-runner';
import { RetryFailedError, retryParked } from './retry';
import { readProjectionStatus } from './status';
import {
  appendTicks,
  connectRedis,
  deleteByPrefix,
  difference,
  dumpLive,
  liveCheckpoint,
  readWholeLog,
  replayInMemory,
  uniquePrefix,
  waitUntil,
} from './testing/redis-test-support';

const root = mkdtempSync(join(tmpdir(), 'ismap-retry-'));
const LEASE_TTL_MS = 1000;
let redis: Redis;
let prefix: string;
let store: EventStore;
let runners: ProjectionRunner[];
let connections: Redis[];
let fileSeq = 0;

beforeAll(() => {
  redis = connectRedis();
});
afterAll(async () => {
  await redis.quit();
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
  await store.close();
  await deleteByPrefix(redis, prefix);
});

function start(projection: Projection): ProjectionRunner {
  const runner = new ProjectionRunner({
    store,
    redis,
    keyPrefix: prefix,
    projection,
    leaseTtlMs: LEASE_TTL_MS,
    idleTickMs: 50,
    retryDelayMs: 50,
  });
  runners.push(runner);
  runner.start();
  return runner;
}

async function caughtUp(projection: Projection, timeoutMs?: number): Promise<void> {
  const head = await headPosition(store);
  await waitUntil(
    async () => (await liveCheckpoint(redis, prefix, projection)) === head,
    `${projection.name} at ${head ?? 'start'}`,
    timeoutMs,
  );
}

async function expectEqualToReplay(projection: Projection): Promise<void> {
  const expected = replayInMemory(projection, await readWholeLog(store));
  const actual = await dumpLive(redis, prefix, projection);
  expect(difference(actual, expected)).toEqual([]);
  expect(hashDump(actual)).toBe(hashDump(expected));
}

/** Sums `n` of the events it sees; a poison flag makes evolve throw unless `fixed`. */
function poisonable(name: string, onError: 'continue' | 'stop', state: { fixed: boolean }): Projection {
  return {
    name,
    version: 1,
    eventTypes: ['Tick'],
    onError,
    prefetch: (): readonly DocRef[] => [{ collection: 'totals', id: 'all' }],
    evolve(tx: ReadModelTx, event: RecordedEvent) {
      const n = event.data['n'] as number;
      if (event.data['poison'] === true && !state.fixed) throw new Error(`tick ${n} is poisonous`);
      const total = tx.get('totals', 'all') as { sum: number } | undefined;
      tx.put('totals', 'all', { sum: (total?.sum ?? 0) + n, last: n });
      tx.put('ticks', String(n), { n });
    },
  };
}

/** A `stop` projection halted on the poison event at tick 10 of 30. */
async function halted(state: {
  fixed: boolean;
}): Promise<{ projection: Projection; runner: ProjectionRunner }> {
  const projection = poisonable('test-halt', 'stop', state);
  await appendTicks(store, 30, 0, (n) => ({ poison: n === 10 }));
  const runner = start(projection);
  await waitUntil(() => runner.state === 'halted', 'the projection to halt');
  return { projection, runner };
}

describe('projections retry', () => {
  it('unparks the last event and lifts the halt in one write: a retry that dies right after it leaves the projection running', async () => {
    const state = { fixed: false };
    const { projection } = await halted(state);
    const keys = projectionKeys(prefix, projection.name);
    state.fixed = true;
    // The process dies as soon as the list is empty: every write it would send after that is lost.
    const write = WRITE_BATCH.run.bind(WRITE_BATCH);
    let dead = false;
    jest.spyOn(WRITE_BATCH, 'run').mockImplementation(async (connection, scriptKeys, args) => {
      if (dead) throw new Error('Connection is closed.');
      const reply = await write(connection, scriptKeys, args);
      if ((await redis.llen(keys.parked)) === 0) dead = true;
      return reply;
    });
    await retryParked({
      store,
      redis,
      keyPrefix: prefix,
      projection,
      handoverTimeoutMs: 10_000,
    }).catch(() => undefined);
    jest.restoreAllMocks();

    expect(await readProjectionStatus(store, redis, prefix, projection)).toMatchObject({
      parked: 0,
      halted: undefined,
    });
    await caughtUp(projection);
    await expectEqualToReplay(projection);
  });

  it('fails an event whose document cannot be encoded on its own, keeps it parked with the new error, and replays the others', async () => {
    const state = { fixed: false };
    const projection: Projection = {
      name: 'test-encode',
      version: 1,
      eventTypes: ['Tick'],
      onError: 'continue',
      prefetch: () => [],
      evolve(tx, event) {
        const n = Number(event.data['n']);
        if ([3, 6, 8].includes(n) && !state.fixed) throw new Error(`tick ${n} is not understood yet`);
        // The "fix" for tick 3 writes what JSON cannot hold.
        tx.put('ticks', String(n), { n: n === 3 ? BigInt(n) : n });
      },
    };
    await appendTicks(store, 10);
    start(projection);
    await caughtUp(projection);
    const keys = projectionKeys(prefix, projection.name);
    const parkedAt = (await readParked(redis, keys.parked)).map((p) => p.event.position);
    expect(parkedAt).toHaveLength(3);

    state.fixed = true;
    const tried: { position: string; error: string | undefined }[] = [];
    const result = await retryParked({
      store,
      redis,
      keyPrefix: prefix,
      projection,
      handoverTimeoutMs: 10_000,
      onEvent: (parked, error) => tried.push({ position: parked.position, error }),
    });

    expect(result).toMatchObject({ replayed: 2, failed: 1, resumed: false });
    expect(tried.map((t) => t.position)).toEqual(parkedAt);
    expect(tried[0]?.error).toMatch(/^TypeError: .*BigInt/);
    const [still, ...none] = (await readParked(redis, keys.parked)).map((p) => p.event);
    expect(none).toEqual([]);
    expect(still).toMatchObject<Partial<ParkedEvent>>({
      position: parkedAt[0],
      error: tried[0]?.error ?? '',
    });
    const generation = keys.generation((await readLiveGeneration(redis, keys))!);
    expect(await redis.hlen(generation.collection('ticks'))).toBe(9);
  });

  it('reads the parked list page by page, never all of it at once', async () => {
    const state = { fixed: false };
    const projection = poisonable('test-pages', 'continue', state);
    await appendTicks(store, 60, 0, (n) => ({ poison: n % 2 === 1 }));
    start(projection);
    await caughtUp(projection);
    const keys = projectionKeys(prefix, projection.name);
    expect(await redis.llen(keys.parked)).toBe(30);
    state.fixed = true;
    const connection = redis.duplicate();
    connections.push(connection);
    const ranges = jest.spyOn(connection, 'lrange');

    const result = await retryParked({
      store,
      redis: connection,
      keyPrefix: prefix,
      projection,
      handoverTimeoutMs: 10_000,
      pageSize: 7,
    });

    expect(result).toMatchObject({ replayed: 30, failed: 0 });
    expect(ranges).toHaveBeenCalled();
    for (const [, first, last] of ranges.mock.calls) {
      expect(Number(last) - Number(first) + 1).toBeLessThanOrEqual(7);
      expect(Number(last)).toBeGreaterThanOrEqual(0);
    }
    expect(await redis.llen(keys.parked)).toBe(0);
  });
});

describe('the handover a retry asks for', () => {
  it('holds the live runner up for a few lease TTLs at most when the retry is killed holding it', async () => {
    const projection = poisonable('test-killed', 'continue', { fixed: true });
    await appendTicks(store, 10);
    start(projection);
    await caughtUp(projection);
    const keys = projectionKeys(prefix, projection.name);
    const takeover = await takeOverLease(redis, {
      key: keys.lease,
      handoverKey: keys.handover,
      ttlMs: LEASE_TTL_MS,
      timeoutMs: 10_000,
    });
    // Killed: nothing is given back, nothing renewed.
    takeover.abandon();
    expect(await redis.pttl(keys.handover)).toBeLessThanOrEqual(HANDOVER_TTL_LEASES * LEASE_TTL_MS);

    await appendTicks(store, 5, 10);
    await caughtUp(projection, (HANDOVER_TTL_LEASES + 3) * LEASE_TTL_MS);
  });

  it('keeps its request alive while the retry lives, however long it takes', async () => {
    const projection = poisonable('test-long', 'continue', { fixed: true });
    await appendTicks(store, 10);
    const runner = start(projection);
    await caughtUp(projection);
    const keys = projectionKeys(prefix, projection.name);
    const takeover = await takeOverLease(redis, {
      key: keys.lease,
      handoverKey: keys.handover,
      ttlMs: LEASE_TTL_MS,
      timeoutMs: 10_000,
    });
    try {
      const requested = await redis.get(keys.handover);
      // Renewed (its time to live goes up again) often enough to outlive its first time to live.
      let renewals = 0;
      let last = await redis.pttl(keys.handover);
      await waitUntil(
        async () => {
          const now = await redis.pttl(keys.handover);
          if (now > last) renewals += 1;
          last = now;
          return renewals > HANDOVER_TTL_LEASES;
        },
        'the request to be renewed past its first time to live',
        10_000,
      );
      expect(await redis.get(keys.handover)).toBe(requested);
      expect(await redis.get(keys.lease)).toBe(takeover.lease.token);
      expect(runner.state).toBe('handing-over');
    } finally {
      await takeover.end();
    }
    expect(await redis.exists(keys.handover)).toBe(0);
    await appendTicks(store, 5, 10);
    await caughtUp(projection);
  });

  it('recognises its own request when Redis runs it twice (a lost reply resent after a reconnect)', async () => {
    const projection = poisonable('test-resent', 'continue', { fixed: true });
    await appendTicks(store, 10);
    start(projection);
    await caughtUp(projection);
    const keys = projectionKeys(prefix, projection.name);
    // A connection on which every command reaches Redis twice, as when ioredis resends unanswered commands.
    const twice = redis.duplicate();
    connections.push(twice);
    const call = twice.call.bind(twice) as (...args: unknown[]) => Promise<unknown>;
    const set = twice.set.bind(twice) as (...args: unknown[]) => Promise<unknown>;
    Object.assign(twice, {
      call: async (...args: unknown[]) => {
        await call(...args);
        return call(...args);
      },
      set: async (...args: unknown[]) => {
        await set(...args);
        return set(...args);
      },
    });

    const takeover = await takeOverLease(twice, {
      key: keys.lease,
      handoverKey: keys.handover,
      ttlMs: LEASE_TTL_MS,
      timeoutMs: 10_000,
    });
    await takeover.end();

    expect(await redis.exists(keys.handover)).toBe(0);
    await appendTicks(store, 5, 10);
    await caughtUp(projection);
  });

  it('is withdrawn at once when the retry is stopped (Ctrl-C) while the holder has not handed over', async () => {
    const projection = poisonable('test-stopped', 'continue', { fixed: false });
    await appendTicks(store, 5, 0, (n) => ({ poison: n === 2 }));
    start(projection);
    await caughtUp(projection);
    await runners[0]!.stop();
    const keys = projectionKeys(prefix, projection.name);
    // A holder that never looks at handover requests.
    const holder = new Lease(redis, {
      key: keys.lease,
      handoverKey: `${keys.handover}:ignored`,
      ttlMs: 2000,
    });
    expect(await holder.tryAcquire()).toBe(true);
    try {
      const controller = new AbortController();
      let settled: unknown;
      const retry = retryParked({
        store,
        redis,
        keyPrefix: prefix,
        projection,
        handoverTimeoutMs: 20_000,
        signal: controller.signal,
      }).then(
        () => (settled = 'resolved'),
        (error: unknown) => (settled = error),
      );
      await waitUntil(async () => (await redis.exists(keys.handover)) === 1, 'the handover request');
      controller.abort();
      await waitUntil(() => settled !== undefined, 'the retry to stop', 3000);
      await retry;
      expect(settled).toBeInstanceOf(RetryFailedError);
      expect((settled as Error).message).toMatch(/interrupted/);
      expect(await redis.exists(keys.handover)).toBe(0);
      expect(await redis.llen(keys.parked)).toBe(1);
    } finally {
      await holder.release();
    }
  });
});
