import type { RecordedEvent } from '@ismap/event-store';
import type { DocRef, Projection, ReadModelTx } from '../projection';
import type { ParkedEvent } from '../redis/generations';
import { headPosition, readLiveGeneration, readParked } from '../redis/generations';
import { projectionKeys } from '../redis/keys';
import { WRITE_BATCH } from '../redis/scripts';
import { HANDOVER_TTL_LEASES, Lease, takeOverLease } from './lease';
import type { ProjectionRunner } from './projection-runner';
import { RetryFailedError, retryParked } from './retry';
import { readProjectionStatus } from './status';
import { appendTicks, liveCheckpoint, runnerTestbed, waitUntil } from './testing/redis-test-support';

const LEASE_TTL_MS = 1000;
const bed = runnerTestbed('retry', { leaseTtlMs: LEASE_TTL_MS });

async function caughtUp(projection: Projection, timeoutMs?: number): Promise<void> {
  const head = await headPosition(bed.store);
  await waitUntil(
    async () => (await liveCheckpoint(bed.redis, bed.prefix, projection)) === head,
    `${projection.name} at ${head ?? 'start'}`,
    timeoutMs,
  );
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
  await appendTicks(bed.store, 30, 0, (n) => ({ poison: n === 10 }));
  const runner = bed.start(projection);
  await waitUntil(() => runner.state === 'halted', 'the projection to halt');
  return { projection, runner };
}

describe('projections retry', () => {
  it('unparks the last event and lifts the halt in one write: a retry that dies right after it leaves the projection running', async () => {
    const state = { fixed: false };
    const { projection } = await halted(state);
    const keys = projectionKeys(bed.prefix, projection.name);
    state.fixed = true;
    // The process dies as soon as the list is empty: every write it would send after that is lost.
    const write = WRITE_BATCH.run.bind(WRITE_BATCH);
    let dead = false;
    jest.spyOn(WRITE_BATCH, 'run').mockImplementation(async (connection, scriptKeys, args) => {
      if (dead) throw new Error('Connection is closed.');
      const reply = await write(connection, scriptKeys, args);
      if ((await bed.redis.llen(keys.parked)) === 0) dead = true;
      return reply;
    });
    await retryParked({
      store: bed.store,
      redis: bed.redis,
      keyPrefix: bed.prefix,
      projection,
      handoverTimeoutMs: 10_000,
    }).catch(() => undefined);
    jest.restoreAllMocks();

    expect(await readProjectionStatus(bed.store, bed.redis, bed.prefix, projection)).toMatchObject({
      parked: 0,
      halted: undefined,
    });
    await caughtUp(projection);
    await bed.expectEqualToReplay(projection);
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
    await appendTicks(bed.store, 10);
    bed.start(projection);
    await caughtUp(projection);
    const keys = projectionKeys(bed.prefix, projection.name);
    const parkedAt = (await readParked(bed.redis, keys.parked)).map((p) => p.event.position);
    expect(parkedAt).toHaveLength(3);

    state.fixed = true;
    const tried: { position: string; error: string | undefined }[] = [];
    const result = await retryParked({
      store: bed.store,
      redis: bed.redis,
      keyPrefix: bed.prefix,
      projection,
      handoverTimeoutMs: 10_000,
      onEvent: (parked, error) => tried.push({ position: parked.position, error }),
    });

    expect(result).toMatchObject({ replayed: 2, failed: 1, resumed: false });
    expect(tried.map((t) => t.position)).toEqual(parkedAt);
    expect(tried[0]?.error).toMatch(/^TypeError: .*BigInt/);
    const [still, ...none] = (await readParked(bed.redis, keys.parked)).map((p) => p.event);
    expect(none).toEqual([]);
    expect(still).toMatchObject<Partial<ParkedEvent>>({
      position: parkedAt[0],
      error: tried[0]?.error ?? '',
    });
    const generation = keys.generation((await readLiveGeneration(bed.redis, keys))!);
    expect(await bed.redis.hlen(generation.collection('ticks'))).toBe(9);
  });

  it('reads the parked list page by page, never all of it at once', async () => {
    const state = { fixed: false };
    const projection = poisonable('test-pages', 'continue', state);
    await appendTicks(bed.store, 60, 0, (n) => ({ poison: n % 2 === 1 }));
    bed.start(projection);
    await caughtUp(projection);
    const keys = projectionKeys(bed.prefix, projection.name);
    expect(await bed.redis.llen(keys.parked)).toBe(30);
    state.fixed = true;
    const connection = bed.track(bed.redis.duplicate());
    const ranges = jest.spyOn(connection, 'lrange');

    const result = await retryParked({
      store: bed.store,
      redis: connection,
      keyPrefix: bed.prefix,
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
    expect(await bed.redis.llen(keys.parked)).toBe(0);
  });
});

describe('the handover a retry asks for', () => {
  it('holds the live runner up for a few lease TTLs at most when the retry is killed holding it', async () => {
    const projection = poisonable('test-killed', 'continue', { fixed: true });
    await appendTicks(bed.store, 10);
    bed.start(projection);
    await caughtUp(projection);
    const keys = projectionKeys(bed.prefix, projection.name);
    const takeover = await takeOverLease(bed.redis, {
      key: keys.lease,
      handoverKey: keys.handover,
      ttlMs: LEASE_TTL_MS,
      timeoutMs: 10_000,
    });
    // Killed: nothing is given back, nothing renewed.
    takeover.abandon();
    expect(await bed.redis.pttl(keys.handover)).toBeLessThanOrEqual(HANDOVER_TTL_LEASES * LEASE_TTL_MS);

    await appendTicks(bed.store, 5, 10);
    await caughtUp(projection, (HANDOVER_TTL_LEASES + 3) * LEASE_TTL_MS);
  });

  it('keeps its request alive while the retry lives, however long it takes', async () => {
    const projection = poisonable('test-long', 'continue', { fixed: true });
    await appendTicks(bed.store, 10);
    const runner = bed.start(projection);
    await caughtUp(projection);
    const keys = projectionKeys(bed.prefix, projection.name);
    const takeover = await takeOverLease(bed.redis, {
      key: keys.lease,
      handoverKey: keys.handover,
      ttlMs: LEASE_TTL_MS,
      timeoutMs: 10_000,
    });
    try {
      const requested = await bed.redis.get(keys.handover);
      // Renewed (its time to live goes up again) often enough to outlive its first time to live.
      let renewals = 0;
      let last = await bed.redis.pttl(keys.handover);
      await waitUntil(
        async () => {
          const now = await bed.redis.pttl(keys.handover);
          if (now > last) renewals += 1;
          last = now;
          return renewals > HANDOVER_TTL_LEASES;
        },
        'the request to be renewed past its first time to live',
        10_000,
      );
      expect(await bed.redis.get(keys.handover)).toBe(requested);
      expect(await bed.redis.get(keys.lease)).toBe(takeover.lease.token);
      expect(runner.state).toBe('handing-over');
    } finally {
      await takeover.end();
    }
    expect(await bed.redis.exists(keys.handover)).toBe(0);
    await appendTicks(bed.store, 5, 10);
    await caughtUp(projection);
  });

  it('recognises its own request when Redis runs it twice (a lost reply resent after a reconnect)', async () => {
    const projection = poisonable('test-resent', 'continue', { fixed: true });
    await appendTicks(bed.store, 10);
    bed.start(projection);
    await caughtUp(projection);
    const keys = projectionKeys(bed.prefix, projection.name);
    // A connection on which every command reaches Redis twice, as when ioredis resends unanswered commands.
    const twice = bed.track(bed.redis.duplicate());
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

    expect(await bed.redis.exists(keys.handover)).toBe(0);
    await appendTicks(bed.store, 5, 10);
    await caughtUp(projection);
  });

  it('is withdrawn at once when the retry is stopped (Ctrl-C) while the holder has not handed over', async () => {
    const projection = poisonable('test-stopped', 'continue', { fixed: false });
    await appendTicks(bed.store, 5, 0, (n) => ({ poison: n === 2 }));
    bed.start(projection);
    await caughtUp(projection);
    await bed.runners[0]!.stop();
    const keys = projectionKeys(bed.prefix, projection.name);
    // A holder that never looks at handover requests.
    const holder = new Lease(bed.redis, {
      key: keys.lease,
      handoverKey: `${keys.handover}:ignored`,
      ttlMs: 2000,
    });
    expect(await holder.tryAcquire()).toBe(true);
    try {
      const controller = new AbortController();
      let settled: unknown;
      const retry = retryParked({
        store: bed.store,
        redis: bed.redis,
        keyPrefix: bed.prefix,
        projection,
        handoverTimeoutMs: 20_000,
        signal: controller.signal,
      }).then(
        () => (settled = 'resolved'),
        (error: unknown) => (settled = error),
      );
      await waitUntil(async () => (await bed.redis.exists(keys.handover)) === 1, 'the handover request');
      controller.abort();
      await waitUntil(() => settled !== undefined, 'the retry to stop', 3000);
      await retry;
      expect(settled).toBeInstanceOf(RetryFailedError);
      expect((settled as Error).message).toMatch(/interrupted/);
      expect(await bed.redis.exists(keys.handover)).toBe(0);
      expect(await bed.redis.llen(keys.parked)).toBe(1);
    } finally {
      await holder.release();
    }
  });
});
