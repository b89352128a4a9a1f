import type { RecordedEvent } from '@ismap/event-store';
import type { DocRef, Projection, ReadModelTx } from '../projection';
import { PROJECTIONS } from '../projections';
import { hashDump } from '../redis/dump';
import {
  headPosition,
  listGenerations,
  readLiveGeneration,
  readMeta,
  readParked,
} from '../redis/generations';
import type { ParkedEvent } from '../redis/generations';
import { projectionKeys } from '../redis/keys';
import { RedisReadView } from '../redis/redis-read-view';
import { Lease } from './lease';
import { rebuildProjection } from './rebuild';
import { retryParked } from './retry';
import { ledgerProjection } from './testing/ledger.projection';
import { appendRealisticLog } from './testing/realistic-log';
import { countKeys, dumpLive, runnerTestbed, testEvent, waitUntil } from './testing/redis-test-support';
import { writeBatch } from './write-batch';

const bed = runnerTestbed('runner');

async function appendTicks(
  count: number,
  from = 0,
  extra: (n: number) => Record<string, unknown> = () => ({}),
) {
  for (let i = 0; i < count; i += 250) {
    await Promise.all(
      Array.from({ length: Math.min(250, count - i) }, (_, j) =>
        bed.store.appendToStream(
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

async function liveCheckpoint(projection: Projection): Promise<string | undefined> {
  const keys = projectionKeys(bed.prefix, projection.name);
  const generation = await readLiveGeneration(bed.redis, keys);
  if (generation === undefined) return undefined;
  return (await bed.redis.get(keys.generation(generation).checkpoint)) ?? undefined;
}

async function caughtUp(...projections: Projection[]): Promise<void> {
  const head = await headPosition(bed.store);
  await waitUntil(
    async () => (await Promise.all(projections.map(liveCheckpoint))).every((cp) => cp === head),
    `${projections.map((p) => p.name).join(', ')} at ${head ?? 'start'}`,
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
      const total = tx.get('totals', 'all') as { sum: number; count: number } | undefined;
      tx.put('totals', 'all', {
        sum: (total?.sum ?? 0) + n,
        count: (total?.count ?? 0) + 1,
        last: n,
      });
      tx.put('ticks', String(n), { n });
    },
  };
}

describe('ProjectionRunner on Redis', () => {
  it('writes each batch with its checkpoint in one script call, and refuses a stale writer entirely', async () => {
    await appendTicks(1200);
    const monitor = await bed.redis.monitor();
    const writes: { command: string; source: string }[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      const [command, ...rest] = args;
      if (command === undefined || !rest.some((arg) => arg.startsWith(bed.prefix))) return;
      if (/^(hset|hdel|zadd|zrem|set|rpush|lrem|del|rename)$/i.test(command)) {
        writes.push({ command: command.toLowerCase(), source });
      }
    });
    try {
      bed.start(ledgerProjection, { maxBatch: 500 });
      await caughtUp(ledgerProjection);
    } finally {
      monitor.disconnect();
    }
    // Documents, counters, index and checkpoint are only ever written from inside the batch script…
    const hashWrites = writes.filter((w) => w.command === 'hset');
    expect(hashWrites.length).toBeGreaterThanOrEqual(3); // 1200 events in batches of at most 500
    expect(writes.filter((w) => w.source !== 'lua')).toEqual([]);
    await bed.expectEqualToReplay(ledgerProjection);

    // …and a writer without the lease or with an out-of-date checkpoint changes nothing at all.
    await bed.runners[0]!.stop();
    const keys = projectionKeys(bed.prefix, ledgerProjection.name);
    const generation = keys.generation((await readLiveGeneration(bed.redis, keys))!);
    const checkpoint = await liveCheckpoint(ledgerProjection);
    const before = await dumpLive(bed.redis, bed.prefix, ledgerProjection);
    const [event] = await bed.store.readAll({ maxCount: 1 });
    const target = {
      mode: 'live' as const,
      projection: ledgerProjection,
      keys,
      generation,
      leaseKey: keys.lease,
      token: 'not-the-holder',
    };
    const stale = await writeBatch(bed.redis, target, [event!], checkpoint, '999999');
    expect(stale.status).toBe('LEASE');
    const lease = new Lease(bed.redis, { key: keys.lease, handoverKey: keys.handover, ttlMs: 2000 });
    expect(await lease.tryAcquire()).toBe(true);
    const behind = await writeBatch(bed.redis, { ...target, token: lease.token }, [event!], '5', '999999');
    expect(behind.status).toBe('CHECKPOINT');
    await lease.release();
    expect(await dumpLive(bed.redis, bed.prefix, ledgerProjection)).toEqual(before);
    expect(await liveCheckpoint(ledgerProjection)).toBe(checkpoint);
  });

  it('resumes from its checkpoint and applies every event exactly once, across restarts and a crash', async () => {
    await appendTicks(300);
    const first = bed.start(ledgerProjection, { maxBatch: 64 });
    await caughtUp(ledgerProjection);
    await first.stop();
    await appendTicks(200, 300);
    const second = bed.start(ledgerProjection, { maxBatch: 64 });
    await caughtUp(ledgerProjection);
    // A crash: the lease is left behind and runs out; the next runner waits for it, then goes on.
    await second.abandon();
    await appendTicks(100, 500);
    bed.start(ledgerProjection, { maxBatch: 64, leaseTtlMs: 1000 });
    await caughtUp(ledgerProjection);

    const keys = projectionKeys(bed.prefix, ledgerProjection.name);
    const generation = keys.generation((await readLiveGeneration(bed.redis, keys))!);
    const applied = Object.values(await bed.redis.hgetall(generation.collection('applied'))).map(
      (json) => (JSON.parse(json) as { times: number }).times,
    );
    expect(applied).toHaveLength(600);
    expect(new Set(applied)).toEqual(new Set([1]));
    expect(await bed.redis.hget(generation.counters, 'applications')).toBe('600');
    await bed.expectEqualToReplay(ledgerProjection);
  });

  it('parks a poison event with its error; `continue` goes on, `stop` halts only itself; retry replays it', async () => {
    const state = { fixed: false };
    const goOn = poisonable('test-continue', 'continue', state);
    const halt = poisonable('test-stop', 'stop', state);
    await appendTicks(40);
    await appendTicks(1, 40, () => ({ poison: true }));
    await appendTicks(59, 41);
    const poison = (await bed.store.readAll({ maxCount: 100 })).find((e) => e.data['poison'] === true)!;
    bed.start(goOn);
    bed.start(halt);
    bed.start(ledgerProjection);
    await caughtUp(goOn, ledgerProjection);
    await waitUntil(
      async () => (await liveCheckpoint(halt)) === poison.position,
      'the stop projection to halt',
    );

    const continueKeys = projectionKeys(bed.prefix, goOn.name);
    const stopKeys = projectionKeys(bed.prefix, halt.name);
    const parked = (await readParked(bed.redis, continueKeys.parked)).map((p) => p.event);
    expect(parked).toEqual([
      expect.objectContaining<Partial<ParkedEvent>>({
        position: poison.position,
        eventId: poison.id,
        type: 'Tick',
        error: 'Error: tick 40 is poisonous',
      }),
    ]);
    expect((await readParked(bed.redis, stopKeys.parked)).map((p) => p.event.eventId)).toEqual([poison.id]);
    const stopStatus = await bed.runners[1]!.status();
    expect(stopStatus).toMatchObject({ state: 'halted', parked: 1, checkpoint: poison.position });
    expect(stopStatus.halted?.eventId).toBe(poison.id);
    const stopGeneration = stopKeys.generation(stopStatus.generation!);
    expect(await bed.redis.hlen(stopGeneration.collection('ticks'))).toBe(40);
    // The healthy projection and the `continue` one have everything else.
    const continueGeneration = continueKeys.generation((await readLiveGeneration(bed.redis, continueKeys))!);
    expect(await bed.redis.hlen(continueGeneration.collection('ticks'))).toBe(99);
    await bed.expectEqualToReplay(ledgerProjection);

    // The code is fixed; `projections retry` replays the parked events while the runners keep running.
    state.fixed = true;
    for (const projection of [goOn, halt]) {
      const replayed: string[] = [];
      const result = await retryParked({
        store: bed.store,
        redis: bed.redis,
        keyPrefix: bed.prefix,
        projection,
        handoverTimeoutMs: 10_000,
        onEvent: (parked, error) => {
          if (error === undefined) replayed.push(parked.eventId);
        },
      });
      expect(replayed).toEqual([poison.id]);
      expect(result).toMatchObject({ replayed: 1, failed: 0, resumed: projection === halt });
    }
    await caughtUp(goOn, halt);
    expect(await bed.redis.llen(continueKeys.parked)).toBe(0);
    expect(await bed.redis.llen(stopKeys.parked)).toBe(0);
    // `stop` kept the order: its model is exactly a clean replay of the fixed code.
    await bed.expectEqualToReplay(halt);
    expect(await bed.redis.hlen(continueGeneration.collection('ticks'))).toBe(100);
  });

  it('parks only the event whose document JSON cannot hold, and applies the rest of its batch', async () => {
    const bigints: Projection = {
      name: 'test-bigint',
      version: 1,
      eventTypes: ['Tick'],
      onError: 'continue',
      prefetch: () => [],
      evolve(tx, event) {
        const n = Number(event.data['n']);
        tx.put('ticks', String(n), { n: n === 13 ? BigInt(n) : n });
      },
    };
    await appendTicks(30);
    bed.start(bigints, { maxBatch: 500 });
    await caughtUp(bigints);
    const keys = projectionKeys(bed.prefix, bigints.name);
    const generation = keys.generation((await readLiveGeneration(bed.redis, keys))!);
    expect(await bed.redis.hlen(generation.collection('ticks'))).toBe(29);
    const parked = (await readParked(bed.redis, keys.parked)).map((p) => p.event);
    expect(parked).toHaveLength(1);
    expect(parked[0]?.error).toMatch(/^TypeError: .*BigInt/);
  });

  it('moves a filtered projection past events it does not want, in catch-up and live', async () => {
    const ticksOnly = poisonable('test-ticks-only', 'continue', { fixed: true });
    await appendTicks(100);
    await bed.store.appendToStream('other-1', [testEvent('Other')], { expectedRevision: 'any' });
    const only = bed.start(ticksOnly);
    await caughtUp(ticksOnly);
    // Live: the newest events are none of its business, and its lag still goes to zero.
    await bed.store.appendToStream('other-1', [testEvent('Other'), testEvent('Other')], {
      expectedRevision: 'any',
    });
    await caughtUp(ticksOnly);
    expect(await only.status()).toMatchObject({ lag: 0n, state: 'live' });
    await bed.expectEqualToReplay(ticksOnly);
  });

  it('lets only the lease holder write; the other runner takes over when the holder dies', async () => {
    await appendTicks(500);
    const a = bed.start(ledgerProjection, { maxBatch: 50 });
    const b = bed.start(ledgerProjection, { maxBatch: 50 });
    await caughtUp(ledgerProjection);
    expect([a.holdsLease, b.holdsLease].filter(Boolean)).toHaveLength(1);
    const [holder, standby] = a.holdsLease ? [a, b] : [b, a];
    expect(standby.state).toBe('standby');
    expect((await standby.status()).appliedHere).toBe(0);

    await holder.abandon();
    await appendTicks(300, 500);
    await caughtUp(ledgerProjection);
    expect(standby.holdsLease).toBe(true);
    expect((await standby.status()).appliedHere).toBe(300);
    await bed.expectEqualToReplay(ledgerProjection);
  });

  it('rebuilds a generation equal (SHA-256) to the live one, and the live runner follows the switch', async () => {
    await appendRealisticLog(bed.store, 6000, { seed: 7 });
    const projections = [...PROJECTIONS, ledgerProjection];
    for (const projection of projections) bed.start(projection);
    await caughtUp(...projections);
    const liveHashes = new Map<string, string>();
    for (const projection of projections) {
      liveHashes.set(projection.name, hashDump(await dumpLive(bed.redis, bed.prefix, projection)));
      expect(await bed.redis.llen(projectionKeys(bed.prefix, projection.name).parked)).toBe(0);
    }

    // Rebuild everything while the runners keep serving; nothing is appended, so both sides end at the head.
    const views = new Map(
      projections.map((p) => [p.name, new RedisReadView(bed.redis, bed.prefix, p.name, { cacheMs: 50 })]),
    );
    const results = await Promise.all(
      projections.map((projection) =>
        rebuildProjection({
          store: bed.store,
          redis: bed.redis,
          keyPrefix: bed.prefix,
          projection,
          readerGraceMs: 200,
          idleTickMs: 50,
        }),
      ),
    );
    for (const [i, projection] of projections.entries()) {
      const result = results[i]!;
      expect(result.generation).not.toBe(result.previousGeneration);
      expect(hashDump(await dumpLive(bed.redis, bed.prefix, projection))).toBe(
        liveHashes.get(projection.name),
      );
      const keys = projectionKeys(bed.prefix, projection.name);
      expect(await listGenerations(bed.redis, keys)).toEqual([result.generation]);
      expect(await views.get(projection.name)!.checkpoint()).toBe(await headPosition(bed.store));
    }

    // The runners write the new generations from here on.
    await appendRealisticLog(bed.store, 1000, { seed: 8 });
    await caughtUp(...projections);
    for (const [i, projection] of projections.entries()) {
      expect((await bed.runners[i]!.status()).generation).toBe(results[i]!.generation);
      await bed.expectEqualToReplay(projection);
    }
  }, 120_000);

  it('rebuilds while events keep arriving and the live runner keeps writing: ends equal to a clean replay', async () => {
    await appendTicks(2000);
    bed.start(ledgerProjection, { maxBatch: 100 });
    await caughtUp(ledgerProjection);
    let appending = true;
    const appender = (async () => {
      for (let n = 2000; appending; n += 20) await appendTicks(20, n);
    })();
    const result = await rebuildProjection({
      store: bed.store,
      redis: bed.redis,
      keyPrefix: bed.prefix,
      projection: ledgerProjection,
      maxBatch: 100,
      readerGraceMs: 100,
      idleTickMs: 50,
    });
    appending = false;
    await appender;
    await caughtUp(ledgerProjection);
    expect((await bed.runners[0]!.status()).generation).toBe(result.generation);
    await bed.expectEqualToReplay(ledgerProjection);
    expect(
      await countKeys(
        bed.redis,
        projectionKeys(bed.prefix, ledgerProjection.name).generation(result.previousGeneration!).base,
      ),
    ).toBe(0);
  }, 60_000);

  it('rebuilds by itself when the projection version changes, serving the old generation meanwhile', async () => {
    const v1: Projection = {
      name: 'test-versioned',
      version: 1,
      eventTypes: ['Tick'],
      onError: 'continue',
      prefetch: () => [],
      evolve: (tx, event) => tx.put('ticks', String(Number(event.data['n'])), { v: 1 }),
    };
    const v2: Projection = {
      ...v1,
      version: 2,
      evolve: (tx, event) => tx.put('ticks', String(Number(event.data['n'])), { v: 2 }),
    };
    await appendTicks(300);
    const old = bed.start(v1);
    await caughtUp(v1);
    await old.stop();
    const view = new RedisReadView(bed.redis, bed.prefix, v1.name, { cacheMs: 0 });
    expect(await view.get('ticks', '7')).toEqual({ v: 1 });

    bed.start(v2);
    await waitUntil(async () => (await view.get('ticks', '7'))?.['v'] === 2, 'the v2 generation to go live');
    await caughtUp(v2);
    const keys = projectionKeys(bed.prefix, v2.name);
    expect(
      (await readMeta(bed.redis, keys.generation((await readLiveGeneration(bed.redis, keys))!))).version,
    ).toBe(2);
    await bed.expectEqualToReplay(v2);
  });
});
