import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { EventStore } from '@ismap/event-store';
import { SqliteEventStore } from '@ismap/event-store';
import type { Projection } from '../projection';
import { hashDump } from '../redis/dump';
import {
  GenerationLiveError,
  deleteGeneration,
  headPosition,
  listGenerations,
  readLiveGeneration,
  readParked,
} from '../redis/generations';
import { projectionKeys } from '../redis/keys';
import { SWITCH_LIVE } from '../redis/scripts';
import { ProjectionRunner } from './projection-runner';
import { rebuildProjection } from './rebuild';
import type { RebuildProgress } from './rebuild';
import { ledgerProjection } from './testing/ledger.projection';
import {
  appendTicks,
  connectRedis,
  countKeys,
  deleteByPrefix,
  difference,
  dumpLive,
  liveCheckpoint,
  readWholeLog,
  replayInMemory,
  uniquePrefix,
  waitUntil,
} from './testing/redis-test-support';

const root = mkdtempSync(join(tmpdir(), 'ismap-switch-'));
let redis: Redis;
let prefix: string;
let store: EventStore;
let runners: ProjectionRunner[];
let fileSeq = 0;
const runSwitch = SWITCH_LIVE.run.bind(SWITCH_LIVE);

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
  store = await SqliteEventStore.open({ file: join(root, `events-${fileSeq++}.db`), pollIntervalMs: 20 });
});
afterEach(async () => {
  jest.restoreAllMocks();
  await Promise.all(runners.map((runner) => runner.stop()));
  await store.close();
  await deleteByPrefix(redis, prefix);
});

/** The ledger, except that an event flagged `poison` is parked (and the rest goes on). */
const parking: Projection = {
  ...ledgerProjection,
  name: 'test-parking',
  evolve(tx, event) {
    if (event.data['poison'] === true) throw new Error(`tick ${Number(event.data['n'])} is poisonous`);
    ledgerProjection.evolve(tx, event);
  },
};

async function startCaughtUp(projection: Projection): Promise<void> {
  const runner = new ProjectionRunner({
    store,
    redis,
    keyPrefix: prefix,
    projection,
    leaseTtlMs: 1000,
    idleTickMs: 50,
    retryDelayMs: 50,
  });
  runners.push(runner);
  runner.start();
  await caughtUp(projection);
}

async function caughtUp(projection: Projection): Promise<void> {
  const head = await headPosition(store);
  await waitUntil(
    async () => (await liveCheckpoint(redis, prefix, projection)) === head,
    `${projection.name} at ${head ?? 'start'}`,
  );
}

/** A parked event is not applied: the replay leaves the poisonous ones out. */
async function expectEqualToReplay(projection: Projection): Promise<void> {
  const events = (await readWholeLog(store)).filter((event) => event.data['poison'] !== true);
  const expected = replayInMemory(projection === parking ? ledgerProjection : projection, events);
  const actual = await dumpLive(redis, prefix, projection);
  expect(difference(actual, expected)).toEqual([]);
  expect(hashDump(actual)).toBe(hashDump(expected));
}

const rebuild = (projection: Projection, onProgress?: (progress: RebuildProgress) => void) =>
  rebuildProjection({
    store,
    redis,
    keyPrefix: prefix,
    projection,
    readerGraceMs: 100,
    idleTickMs: 50,
    ...(onProgress === undefined ? {} : { onProgress }),
  });

describe('switching a rebuilt generation live', () => {
  it('reads the live pointer when the switch ran but its reply was lost: the build succeeded and stays live', async () => {
    await appendTicks(store, 200);
    await startCaughtUp(ledgerProjection);
    const keys = projectionKeys(prefix, ledgerProjection.name);
    const before = await readLiveGeneration(redis, keys);
    jest.spyOn(SWITCH_LIVE, 'run').mockImplementation(async (connection, scriptKeys, args) => {
      await runSwitch(connection, scriptKeys, args);
      throw new Error('Connection is closed.');
    });

    const result = await rebuild(ledgerProjection);

    expect(result.previousGeneration).toBe(before);
    expect(await readLiveGeneration(redis, keys)).toBe(result.generation);
    expect(await listGenerations(redis, keys)).toEqual([result.generation]);
    await expectEqualToReplay(ledgerProjection);
    // The live runner follows it.
    await appendTicks(store, 30, 200);
    await caughtUp(ledgerProjection);
    await expectEqualToReplay(ledgerProjection);
  });

  it('answers a switch run twice (resent after a reconnect) as done, keeping the parked list it moved', async () => {
    await appendTicks(store, 200, 0, (n) => ({ poison: n % 50 === 7 }));
    await startCaughtUp(parking);
    const keys = projectionKeys(prefix, parking.name);
    const parkedBefore = (await readParked(redis, keys.parked)).map((p) => p.event.eventId);
    expect(parkedBefore).toHaveLength(4);
    const replies: unknown[] = [];
    jest.spyOn(SWITCH_LIVE, 'run').mockImplementation(async (connection, scriptKeys, args) => {
      replies.push(await runSwitch(connection, scriptKeys, args));
      const again = await runSwitch(connection, scriptKeys, args);
      replies.push(again);
      return again;
    });

    const result = await rebuild(parking);

    expect(replies).toEqual(['OK', 'OK']);
    expect(result.parked).toBe(4);
    expect(await readLiveGeneration(redis, keys)).toBe(result.generation);
    expect(await countKeys(redis, keys.generation(result.generation).base)).toBeGreaterThan(0);
    expect((await readParked(redis, keys.parked)).map((p) => p.event.eventId)).toEqual(parkedBefore);
    await expectEqualToReplay(parking);
    await appendTicks(store, 30, 200);
    await caughtUp(parking);
    await expectEqualToReplay(parking);
  });

  it('never deletes the live generation, and never makes a generation live once its deletion began', async () => {
    await appendTicks(store, 50);
    await startCaughtUp(ledgerProjection);
    const keys = projectionKeys(prefix, ledgerProjection.name);
    const live = (await readLiveGeneration(redis, keys))!;
    const liveKeys = await countKeys(redis, keys.generation(live).base);

    await expect(deleteGeneration(redis, keys, live)).rejects.toBeInstanceOf(GenerationLiveError);
    expect(await countKeys(redis, keys.generation(live).base)).toBe(liveKeys);

    // A build's generation being deleted (a failed rebuild's clean-up) while its switch is still on its way.
    const built = keys.generation(await redis.incr(keys.generationSeq));
    await redis.hset(built.meta, { version: ledgerProjection.version, createdAt: new Date().toISOString() });
    await redis.set(built.checkpoint, (await liveCheckpoint(redis, prefix, ledgerProjection))!);
    await redis.set(keys.buildLease, 'the-build');
    expect(await deleteGeneration(redis, keys, built.generation)).toBe(2);
    const reply = await runSwitch(
      redis,
      [
        keys.buildLease,
        keys.live,
        keys.generation(live).checkpoint,
        built.checkpoint,
        keys.parked,
        built.buildParked,
        built.meta,
        keys.generation(live).meta,
        keys.upgrade,
      ],
      ['the-build', String(live), built.generation, new Date().toISOString()],
    );
    expect(reply).toBe('GONE');
    expect(await readLiveGeneration(redis, keys)).toBe(live);
  });

  it('refuses to replace a live generation built by a newer projection version', async () => {
    await appendTicks(store, 20);
    await startCaughtUp(ledgerProjection);
    const keys = projectionKeys(prefix, ledgerProjection.name);
    const live = (await readLiveGeneration(redis, keys))!;
    // Made live by newer code while an older build caught up.
    await redis.hset(keys.generation(live).meta, 'version', ledgerProjection.version + 1);
    const built = keys.generation(await redis.incr(keys.generationSeq));
    await redis.hset(built.meta, { version: ledgerProjection.version, createdAt: new Date().toISOString() });
    await redis.set(built.checkpoint, (await liveCheckpoint(redis, prefix, ledgerProjection))!);
    await redis.set(keys.buildLease, 'the-build');
    const reply = await runSwitch(
      redis,
      [
        keys.buildLease,
        keys.live,
        keys.generation(live).checkpoint,
        built.checkpoint,
        keys.parked,
        built.buildParked,
        built.meta,
        keys.generation(live).meta,
        keys.upgrade,
      ],
      ['the-build', String(live), built.generation, new Date().toISOString()],
    );
    expect(reply).toBe('OUTDATED');
    expect(await readLiveGeneration(redis, keys)).toBe(live);
  });

  it('counts the events a rebuild parks instead of keeping them; they are in the projection list after it', async () => {
    await appendTicks(store, 300, 0, (n) => ({ poison: n % 10 === 3 }));
    await startCaughtUp(parking);
    const progress: number[] = [];
    const result = await rebuild(parking, (p) => progress.push(p.parked));
    expect(result.parked).toBe(30);
    expect(progress.at(-1)).toBe(30);
    const keys = projectionKeys(prefix, parking.name);
    expect(await redis.llen(keys.parked)).toBe(30);
  });
});
