import type { Projection } from '../projection';
import {
  headPosition,
  listGenerations,
  readLiveGeneration,
  readMeta,
  readPendingUpgrade,
} from '../redis/generations';
import { projectionKeys } from '../redis/keys';
import { RedisReadView } from '../redis/redis-read-view';
import { RebuildOutdatedError, rebuildProjections } from './rebuild';
import { retryParked } from './retry';
import { readParkedLists, readProjectionStatus } from './status';
import {
  appendTicks,
  liveCheckpoint,
  readWholeLog,
  recordingLog,
  runnerTestbed,
  waitUntil,
} from './testing/redis-test-support';

const bed = runnerTestbed('upgrade');

const NAME = 'test-upgrade';

/** A `stop` projection of one version; `poisonAt` is an event its code cannot apply until `state.fixed`. */
function trail(version: number, state: { fixed: boolean } = { fixed: true }, poisonAt = -1): Projection {
  return {
    name: NAME,
    version,
    eventTypes: ['Tick'],
    onError: 'stop',
    prefetch: () => [],
    evolve(tx, event) {
      const n = Number(event.data['n']);
      if (n === poisonAt && !state.fixed) throw new Error(`v${version} cannot apply tick ${n}`);
      tx.put('ticks', String(n), { v: version });
    },
  };
}

async function caughtUp(projection: Projection): Promise<void> {
  const head = await headPosition(bed.store);
  await waitUntil(
    async () => (await liveCheckpoint(bed.redis, bed.prefix, projection)) === head,
    `${projection.name} at ${head ?? 'start'}`,
  );
}

async function liveVersion(): Promise<number | undefined> {
  const keys = projectionKeys(bed.prefix, NAME);
  const generation = await readLiveGeneration(bed.redis, keys);
  return generation === undefined
    ? undefined
    : (await readMeta(bed.redis, keys.generation(generation))).version;
}

/** v1 live and caught up over 100 ticks, its runner stopped (the old deployment gone). */
async function v1Live(): Promise<void> {
  await appendTicks(bed.store, 100);
  const v1 = trail(1);
  const old = bed.start(v1);
  await caughtUp(v1);
  await old.stop();
}

describe('a projection version upgrade whose new code halts', () => {
  it('keeps the old generation serving, records the halt where the CLI sees it, does not rebuild again, and resumes after a retry with fixed code', async () => {
    await v1Live();
    const keys = projectionKeys(bed.prefix, NAME);
    const view = new RedisReadView(bed.redis, bed.prefix, NAME, { cacheMs: 0 });
    const state = { fixed: false };
    const v2 = trail(2, state, 50);
    const poison = (await readWholeLog(bed.store)).find((event) => event.data['n'] === 50)!;
    // The runner's own connection, watched: how often it looks at the pending upgrade.
    const connection = bed.track(bed.redis.duplicate());
    const reads = jest.spyOn(connection, 'hgetall');
    const upgradeReads = () => reads.mock.calls.filter(([key]) => key === keys.upgrade).length;
    const log = recordingLog();
    const runner = bed.start(v2, { redis: connection, log });

    await waitUntil(() => runner.state === 'upgrade-halted', 'the upgrade to halt');
    const generationsAtHalt = await bed.redis.get(keys.generationSeq);
    const status = await readProjectionStatus(bed.store, bed.redis, bed.prefix, v2);
    expect(status).toMatchObject({ liveVersion: 1, halted: undefined, rebuilding: false });
    expect(status.upgrade).toMatchObject({
      version: 2,
      parked: 1,
      checkpoint: poison.position,
      halted: { position: poison.position, eventId: poison.id, error: 'Error: v2 cannot apply tick 50' },
    });
    const [liveList, upgrade] = await readParkedLists(bed.redis, bed.prefix, v2, 10);
    expect(liveList).toMatchObject({ scope: 'live', total: 0 });
    expect(upgrade).toMatchObject({ scope: 'upgrade', version: 2, total: 1 });
    expect(upgrade?.entries[0]?.event).toMatchObject({ eventId: poison.id, type: 'Tick' });
    expect(await view.get('ticks', '7')).toEqual({ v: 1 });

    // It waits: five more looks at the halted upgrade, and no new generation meanwhile.
    const looked = upgradeReads();
    await waitUntil(() => upgradeReads() >= looked + 5, 'the runner to look at the halted upgrade again');
    expect(runner.state).toBe('upgrade-halted');
    expect(await bed.redis.get(keys.generationSeq)).toBe(generationsAtHalt);
    expect(log.lines.filter((line) => /rebuilding$/.test(line.message))).toHaveLength(1);
    expect(log.lines.filter((line) => line.level === 'error')).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/upgrade to v2 halted at position/) as string,
      }),
    ]);

    // The operator fixes the code (the same version) and retries: the build resumes and goes live.
    state.fixed = true;
    const result = await retryParked({
      store: bed.store,
      redis: bed.redis,
      keyPrefix: bed.prefix,
      projection: v2,
      handoverTimeoutMs: 10_000,
    });
    expect(result.upgrade).toMatchObject({ version: 2, replayed: 1, failed: 0, resumed: true });
    await waitUntil(async () => (await liveVersion()) === 2, 'the v2 generation to go live');
    await appendTicks(bed.store, 20, 100);
    await caughtUp(v2);
    await bed.expectEqualToReplay(v2);
    expect(await readPendingUpgrade(bed.redis, keys)).toBeUndefined();
    expect(await bed.redis.llen(keys.parked)).toBe(0);
    const live = await readLiveGeneration(bed.redis, keys);
    await waitUntil(
      async () => (await listGenerations(bed.redis, keys)).join() === String(live),
      'only the live generation to be left',
    );
    expect(runner.state).toBe('live');
  });

  it('discards the halted build when the fix is deployed as a new version, and upgrades to that one', async () => {
    await v1Live();
    const keys = projectionKeys(bed.prefix, NAME);
    const halting = bed.start(trail(2, { fixed: false }, 50));
    await waitUntil(() => halting.state === 'upgrade-halted', 'the upgrade to halt');
    const halted = (await readPendingUpgrade(bed.redis, keys))!.generation;
    await halting.stop();

    const v3 = trail(3);
    bed.start(v3);
    await waitUntil(async () => (await liveVersion()) === 3, 'the v3 generation to go live');
    await caughtUp(v3);
    await bed.expectEqualToReplay(v3);
    const live = await readLiveGeneration(bed.redis, keys);
    expect(live).not.toBe(halted);
    // The v1 generation goes after the readers' grace period.
    await waitUntil(
      async () => (await listGenerations(bed.redis, keys)).join() === String(live),
      'only the live generation to be left',
    );
    expect(await readPendingUpgrade(bed.redis, keys)).toBeUndefined();
  });
});

describe('code older than the live generation', () => {
  it('stands by without writing and says why, leaving the lease to a runner of the live version', async () => {
    await appendTicks(bed.store, 50);
    const v2 = trail(2);
    const current = bed.start(v2);
    await caughtUp(v2);
    await current.stop();
    const keys = projectionKeys(bed.prefix, NAME);
    const generations = await bed.redis.get(keys.generationSeq);

    const log = recordingLog();
    const old = bed.start(trail(1), { log });
    await waitUntil(() => old.state === 'outdated', 'the older runner to stand by');
    expect(old.holdsLease).toBe(false);
    expect(log.lines).toEqual([
      {
        level: 'warn',
        message: expect.stringMatching(
          /built by v2, newer than this code's v1; standing by without writing/,
        ) as string,
      },
    ]);

    await appendTicks(bed.store, 10, 50);
    bed.start(v2);
    await caughtUp(v2);
    expect(await liveVersion()).toBe(2);
    expect(await bed.redis.get(keys.generationSeq)).toBe(generations);
    expect(old.state).toBe('outdated');
    await bed.expectEqualToReplay(v2);
  });

  it('refuses a rebuild (`cli rebuild`) and leaves the live generation as it is', async () => {
    await appendTicks(bed.store, 50);
    const v2 = trail(2);
    bed.start(v2);
    await caughtUp(v2);
    const keys = projectionKeys(bed.prefix, NAME);
    const live = await readLiveGeneration(bed.redis, keys);
    const generations = await bed.redis.get(keys.generationSeq);

    const [outcome] = await rebuildProjections({
      store: bed.store,
      redis: bed.redis,
      keyPrefix: bed.prefix,
      projections: [trail(1)],
    });

    expect(outcome?.ok).toBe(false);
    const error = outcome?.ok === false ? outcome.error : undefined;
    expect(error).toBeInstanceOf(RebuildOutdatedError);
    expect(error?.message).toBe(
      `the live generation of ${NAME} was built by v2, newer than this code's v1; an older build does not ` +
        'replace it (run the newer code)',
    );
    expect(await readLiveGeneration(bed.redis, keys)).toBe(live);
    expect(await liveVersion()).toBe(2);
    expect(await bed.redis.get(keys.generationSeq)).toBe(generations);
    expect(await bed.redis.exists(keys.buildLease)).toBe(0);
  });
});
