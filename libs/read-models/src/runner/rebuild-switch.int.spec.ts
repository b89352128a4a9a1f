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
import { rebuildProjection } from './rebuild';
import type { RebuildProgress } from './rebuild';
import { ledgerProjection } from './testing/ledger.projection';
import {
  appendTicks,
  countKeys,
  difference,
  dumpLive,
  liveCheckpoint,
  readWholeLog,
  replayInMemory,
  runnerTestbed,
  waitUntil,
} from './testing/redis-test-support';

const bed = runnerTestbed('switch');
const runSwitch = SWITCH_LIVE.run.bind(SWITCH_LIVE);

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
  bed.start(projection);
  await caughtUp(projection);
}

async function caughtUp(projection: Projection): Promise<void> {
  const head = await headPosition(bed.store);
  await waitUntil(
    async () => (await liveCheckpoint(bed.redis, bed.prefix, projection)) === head,
    `${projection.name} at ${head ?? 'start'}`,
  );
}

/** A parked event is not applied: the replay leaves the poisonous ones out. */
async function expectEqualToReplay(projection: Projection): Promise<void> {
  const events = (await readWholeLog(bed.store)).filter((event) => event.data['poison'] !== true);
  const expected = replayInMemory(projection === parking ? ledgerProjection : projection, events);
  const actual = await dumpLive(bed.redis, bed.prefix, projection);
  expect(difference(actual, expected)).toEqual([]);
  expect(hashDump(actual)).toBe(hashDump(expected));
}

const rebuild = (projection: Projection, onProgress?: (progress: RebuildProgress) => void) =>
  rebuildProjection({
    store: bed.store,
    redis: bed.redis,
    keyPrefix: bed.prefix,
    projection,
    readerGraceMs: 100,
    idleTickMs: 50,
    ...(onProgress === undefined ? {} : { onProgress }),
  });

describe('switching a rebuilt generation live', () => {
  it('reads the live pointer when the switch ran but its reply was lost: the build succeeded and stays live', async () => {
    await appendTicks(bed.store, 200);
    await startCaughtUp(ledgerProjection);
    const keys = projectionKeys(bed.prefix, ledgerProjection.name);
    const before = await readLiveGeneration(bed.redis, keys);
    jest.spyOn(SWITCH_LIVE, 'run').mockImplementation(async (connection, scriptKeys, args) => {
      await runSwitch(connection, scriptKeys, args);
      throw new Error('Connection is closed.');
    });

    const result = await rebuild(ledgerProjection);

    expect(result.previousGeneration).toBe(before);
    expect(await readLiveGeneration(bed.redis, keys)).toBe(result.generation);
    expect(await listGenerations(bed.redis, keys)).toEqual([result.generation]);
    await expectEqualToReplay(ledgerProjection);
    // The live runner follows it.
    await appendTicks(bed.store, 30, 200);
    await caughtUp(ledgerProjection);
    await expectEqualToReplay(ledgerProjection);
  });

  it('answers a switch run twice (resent after a reconnect) as done, keeping the parked list it moved', async () => {
    await appendTicks(bed.store, 200, 0, (n) => ({ poison: n % 50 === 7 }));
    await startCaughtUp(parking);
    const keys = projectionKeys(bed.prefix, parking.name);
    const parkedBefore = (await readParked(bed.redis, keys.parked)).map((p) => p.event.eventId);
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
    expect(await readLiveGeneration(bed.redis, keys)).toBe(result.generation);
    expect(await countKeys(bed.redis, keys.generation(result.generation).base)).toBeGreaterThan(0);
    expect((await readParked(bed.redis, keys.parked)).map((p) => p.event.eventId)).toEqual(parkedBefore);
    await expectEqualToReplay(parking);
    await appendTicks(bed.store, 30, 200);
    await caughtUp(parking);
    await expectEqualToReplay(parking);
  });

  it('never deletes the live generation, and never makes a generation live once its deletion began', async () => {
    await appendTicks(bed.store, 50);
    await startCaughtUp(ledgerProjection);
    const keys = projectionKeys(bed.prefix, ledgerProjection.name);
    const live = (await readLiveGeneration(bed.redis, keys))!;
    const liveKeys = await countKeys(bed.redis, keys.generation(live).base);

    await expect(deleteGeneration(bed.redis, keys, live)).rejects.toBeInstanceOf(GenerationLiveError);
    expect(await countKeys(bed.redis, keys.generation(live).base)).toBe(liveKeys);

    // A build's generation being deleted (a failed rebuild's clean-up) while its switch is still on its way.
    const built = keys.generation(await bed.redis.incr(keys.generationSeq));
    await bed.redis.hset(built.meta, {
      version: ledgerProjection.version,
      createdAt: new Date().toISOString(),
    });
    await bed.redis.set(built.checkpoint, (await liveCheckpoint(bed.redis, bed.prefix, ledgerProjection))!);
    await bed.redis.set(keys.buildLease, 'the-build');
    expect(await deleteGeneration(bed.redis, keys, built.generation)).toBe(2);
    const reply = await runSwitch(
      bed.redis,
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
    expect(await readLiveGeneration(bed.redis, keys)).toBe(live);
  });

  it('refuses to replace a live generation built by a newer projection version', async () => {
    await appendTicks(bed.store, 20);
    await startCaughtUp(ledgerProjection);
    const keys = projectionKeys(bed.prefix, ledgerProjection.name);
    const live = (await readLiveGeneration(bed.redis, keys))!;
    // Made live by newer code while an older build caught up.
    await bed.redis.hset(keys.generation(live).meta, 'version', ledgerProjection.version + 1);
    const built = keys.generation(await bed.redis.incr(keys.generationSeq));
    await bed.redis.hset(built.meta, {
      version: ledgerProjection.version,
      createdAt: new Date().toISOString(),
    });
    await bed.redis.set(built.checkpoint, (await liveCheckpoint(bed.redis, bed.prefix, ledgerProjection))!);
    await bed.redis.set(keys.buildLease, 'the-build');
    const reply = await runSwitch(
      bed.redis,
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
    expect(await readLiveGeneration(bed.redis, keys)).toBe(live);
  });

  it('counts the events a rebuild parks instead of keeping them; they are in the projection list after it', async () => {
    await appendTicks(bed.store, 300, 0, (n) => ({ poison: n % 10 === 3 }));
    await startCaughtUp(parking);
    const progress: number[] = [];
    const result = await rebuild(parking, (p) => progress.push(p.parked));
    expect(result.parked).toBe(30);
    expect(progress.at(-1)).toBe(30);
    const keys = projectionKeys(bed.prefix, parking.name);
    expect(await bed.redis.llen(keys.parked)).toBe(30);
  });
});
