import type { Redis } from 'ioredis';
import type { EventStore, Position } from '@ismap/event-store';
import { comparePositions } from '@ismap/event-store';
import type { Projection } from '../projection';
import type { ParkedEvent } from '../redis/generations';
import {
  GenerationLiveError,
  deleteGeneration,
  headPosition,
  listGenerations,
  readCheckpoint,
  readLiveGeneration,
  readMeta,
  readPendingUpgrade,
} from '../redis/generations';
import type { GenerationKeys, ProjectionKeys } from '../redis/keys';
import { projectionKeys } from '../redis/keys';
import { VIEW_GENERATION_CACHE_MS } from '../redis/redis-read-view';
import { SWITCH_LIVE } from '../redis/scripts';
import { Alarm } from './alarm';
import type { FeedMember } from './feed';
import { feed } from './feed';
import { DEFAULT_LEASE_TTL_MS, Lease, takeOverLease } from './lease';
import type { WriteTarget } from './write-batch';

/** How long the previous generation is kept after a switch, for views that still remember it. */
export const REBUILD_READER_GRACE_MS = 4 * VIEW_GENERATION_CACHE_MS;

export interface RebuildOptions {
  readonly store: EventStore;
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly projection: Projection;
  readonly leaseTtlMs?: number;
  readonly maxBatch?: number;
  readonly idleTickMs?: number;
  readonly readerGraceMs?: number;
  readonly onProgress?: (progress: RebuildProgress) => void;
  /** Polled between batches: true abandons the build (its keys are deleted, the live generation stays). */
  readonly shouldStop?: () => boolean;
  /**
   * When the live runner keeps moving ahead at each attempt to switch (a steady stream of events), take its lease
   * for the last stretch (default). The runner's own rebuild after a version change says no: it holds that lease.
   */
  readonly takeOverLiveLease?: boolean;
  /** How long to wait for the live runner to hand its lease over. */
  readonly handoverTimeoutMs?: number;
  /**
   * The runner's own rebuild after a version change: the generation is recorded as the projection's pending
   * upgrade and kept when the build halts or is interrupted, so a halt stays visible (`cli projections`, its
   * parked event retried by `projections retry`) and the next attempt resumes it instead of starting over. A
   * pending upgrade built by another version is deleted like any leftover generation.
   */
  readonly upgrade?: boolean;
}

export interface RebuildManyOptions extends Omit<RebuildOptions, 'projection'> {
  readonly projections: readonly Projection[];
}

export interface RebuildProgress {
  readonly projection: string;
  readonly generation: number;
  readonly phase: 'building' | 'switching' | 'cleaning' | 'done' | 'failed';
  /** Position the new generation has reached, and the head of the log when the build started (or since). */
  readonly checkpoint: Position | undefined;
  readonly head: Position | undefined;
  /** Events applied to the new generation so far. */
  readonly applied: number;
  readonly parked: number;
  readonly elapsedMs: number;
}

export interface RebuildResult {
  readonly projection: string;
  readonly generation: number;
  readonly previousGeneration: number | undefined;
  readonly checkpoint: Position | undefined;
  readonly applied: number;
  /** Events parked while building (they are in the projection's parked list now; `cli projections parked`). */
  readonly parked: number;
  readonly durationMs: number;
  readonly deletedKeys: number;
}

export type RebuildOutcome =
  | { readonly projection: string; readonly ok: true; readonly result: RebuildResult }
  | { readonly projection: string; readonly ok: false; readonly error: Error };

export class RebuildBusyError extends Error {
  constructor(projection: string) {
    super(`a rebuild of ${projection} is already running`);
    this.name = 'RebuildBusyError';
  }
}

export class RebuildHaltedError extends Error {
  constructor(
    projection: string,
    readonly parked: ParkedEvent,
    /** The halted generation, when it is kept (an upgrade); otherwise it was deleted. */
    readonly generation?: number,
  ) {
    super(
      `rebuild of ${projection} stopped at position ${parked.position} (${parked.type} ${parked.eventId}): ` +
        `${parked.error}; the live generation is unchanged`,
    );
    this.name = 'RebuildHaltedError';
  }
}

/** A rebuild by code older than the live generation's: it would take the model back to an older version. */
export class RebuildOutdatedError extends Error {
  constructor(projection: string, liveVersion: number | undefined, version: number) {
    super(
      `the live generation of ${projection} was built by v${liveVersion ?? '?'}, newer than this code's ` +
        `v${version}; an older build does not replace it (run the newer code)`,
    );
    this.name = 'RebuildOutdatedError';
  }
}

export class GenerationGoneError extends Error {
  constructor(projection: string, generation: number) {
    super(`rebuild of ${projection}: generation ${generation} was deleted before it could go live`);
    this.name = 'GenerationGoneError';
  }
}

const less = (a: Position | undefined, b: Position | undefined): boolean =>
  b !== undefined && (a === undefined || comparePositions(a, b) < 0);

interface Build {
  readonly projection: Projection;
  readonly keys: ProjectionKeys;
  readonly lease: Lease;
  generation?: GenerationKeys;
  head: Position | undefined;
  checkpoint: Position | undefined;
  behind: number;
  applied: number;
  /** Counted, not kept: the entries themselves are written to the generation's parked list batch by batch. */
  parked: number;
  halted?: ParkedEvent;
  takeover?: { end(): Promise<void> } | undefined;
  previous?: number | undefined;
  switched: boolean;
  error?: Error;
  result?: RebuildResult;
}

/** One projection; see `rebuildProjections`. Throws what the rebuild failed with. */
export async function rebuildProjection(options: RebuildOptions): Promise<RebuildResult> {
  const [outcome] = await rebuildProjections({ ...options, projections: [options.projection] });
  if (outcome === undefined) throw new Error('no rebuild outcome');
  if (!outcome.ok) throw outcome.error;
  return outcome.result;
}

/**
 * Builds a new generation of each projection from the start of the log while the live ones keep serving (and
 * their runners keep writing them), all from one subscription; catches each up with the head and with its live
 * generation; switches `live` to it in one script; and deletes the previous generation once views have moved on.
 * A live runner follows the switch: its next write is refused (the generation is no longer live) and it resumes
 * from the new generation's checkpoint. One rebuild per projection at a time (the rebuild lease); generations left
 * by a crashed rebuild are deleted by the next one. A projection whose build fails (a `stop` projection's poison
 * event, a lost lease) keeps its live generation; the others go on.
 */
export async function rebuildProjections(options: RebuildManyOptions): Promise<RebuildOutcome[]> {
  const { redis, store } = options;
  const alarm = new Alarm();
  const started = Date.now();
  const ttlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  const builds: Build[] = options.projections.map((projection) => {
    const keys = projectionKeys(options.keyPrefix, projection.name);
    return {
      projection,
      keys,
      lease: new Lease(redis, {
        key: keys.buildLease,
        handoverKey: keys.buildLease,
        ttlMs,
        onChange: () => alarm.ring(),
      }),
      head: undefined,
      checkpoint: undefined,
      behind: 0,
      applied: 0,
      parked: 0,
      switched: false,
    };
  });
  const report = (build: Build, phase: RebuildProgress['phase'], checkpoint = build.checkpoint) => {
    if (build.generation === undefined) return;
    build.checkpoint = checkpoint;
    options.onProgress?.({
      projection: build.projection.name,
      generation: build.generation.generation,
      phase,
      checkpoint,
      head: build.head,
      applied: build.applied,
      parked: build.parked,
      elapsedMs: Date.now() - started,
    });
  };
  const fail = (build: Build, error: Error) => {
    build.error = error;
    report(build, 'failed');
  };
  // An upgrade's generation is kept for the next attempt, unless it can never go live.
  const keep = (build: Build) =>
    options.upgrade === true &&
    !(build.error instanceof RebuildOutdatedError) &&
    !(build.error instanceof GenerationGoneError);

  try {
    for (const build of builds) {
      const { keys, projection } = build;
      if (!(await build.lease.tryAcquire())) {
        build.error = new RebuildBusyError(projection.name);
        continue;
      }
      const live = await readLiveGeneration(redis, keys);
      const liveVersion =
        live === undefined ? undefined : (await readMeta(redis, keys.generation(live))).version;
      if (liveVersion !== undefined && liveVersion > projection.version) {
        build.error = new RebuildOutdatedError(projection.name, liveVersion, projection.version);
        continue;
      }
      const pending = options.upgrade === true ? await readPendingUpgrade(redis, keys) : undefined;
      const resume =
        pending !== undefined && pending.version === projection.version && pending.generation !== live
          ? pending
          : undefined;
      for (const orphan of await listGenerations(redis, keys)) {
        if (orphan === live || orphan === resume?.generation) continue;
        await deleteGeneration(redis, keys, orphan).catch((error: unknown) => {
          // It went live after `live` was read: not an orphan after all.
          if (!(error instanceof GenerationLiveError)) throw error;
        });
      }
      if (resume !== undefined) {
        build.generation = keys.generation(resume.generation);
        if (resume.halted !== undefined) {
          build.halted = resume.halted;
          build.error = new RebuildHaltedError(projection.name, resume.halted, resume.generation);
        }
        continue;
      }
      build.generation = keys.generation(await redis.incr(keys.generationSeq));
      const meta = { version: projection.version, createdAt: new Date().toISOString() };
      if (options.upgrade === true) {
        await redis
          .multi()
          .hset(build.generation.meta, meta)
          .del(keys.upgrade)
          .hset(keys.upgrade, { generation: build.generation.generation, version: projection.version })
          .exec();
      } else {
        await redis.hset(build.generation.meta, meta);
      }
    }
    const head = await headPosition(store);
    for (const build of builds) {
      build.head = head;
      report(build, 'building');
    }

    for (;;) {
      const pending = builds.filter((b) => b.error === undefined && !b.switched);
      if (pending.length === 0) break;
      const ends = await feed({
        store,
        redis,
        alarm,
        maxBatch: options.maxBatch ?? 500,
        idleTickMs: options.idleTickMs ?? 1000,
        stopping: () => options.shouldStop?.() === true,
        members: pending.map((build) => member(build, options, report)),
      });
      for (const [i, build] of pending.entries()) {
        const end = ends[i];
        const halted = build.halted;
        if (end === 'halted' && halted !== undefined) {
          const kept = options.upgrade === true ? build.generation?.generation : undefined;
          fail(build, new RebuildHaltedError(build.projection.name, halted, kept));
        } else if (end !== 'done') {
          fail(build, new Error(`rebuild of ${build.projection.name} interrupted (${end ?? 'no end'})`));
        } else {
          await trySwitch(build, options).catch((error: unknown) =>
            fail(build, error instanceof Error ? error : new Error(String(error))),
          );
        }
      }
    }

    const switched = builds.filter((b) => b.switched);
    if (switched.some((b) => b.previous !== undefined)) {
      for (const build of switched) report(build, 'cleaning');
      await alarm.wait(options.readerGraceMs ?? REBUILD_READER_GRACE_MS);
    }
    for (const build of switched) {
      const generation = build.generation!;
      const deletedKeys =
        build.previous === undefined
          ? 0
          : await deleteGeneration(redis, build.keys, build.previous).catch((error: unknown) => {
              if (error instanceof GenerationLiveError) return 0;
              throw error;
            });
      const checkpoint = await readCheckpoint(redis, generation);
      build.result = {
        projection: build.projection.name,
        generation: generation.generation,
        previousGeneration: build.previous,
        checkpoint,
        applied: build.applied,
        parked: build.parked,
        durationMs: Date.now() - started,
        deletedKeys,
      };
      report(build, 'done', checkpoint);
    }
  } finally {
    for (const build of builds) {
      await build.takeover?.end().catch(() => undefined);
      if (!build.switched && build.generation !== undefined && !keep(build)) {
        // Refused if it is live after all (a switch whose outcome this process could not learn).
        await deleteGeneration(redis, build.keys, build.generation.generation).catch(() => undefined);
      }
      await build.lease.release().catch(() => undefined);
    }
  }
  return builds.map((build) =>
    build.result !== undefined
      ? { projection: build.projection.name, ok: true, result: build.result }
      : {
          projection: build.projection.name,
          ok: false,
          error: build.error ?? new Error(`rebuild of ${build.projection.name} did not finish`),
        },
  );
}

function member(
  build: Build,
  options: RebuildManyOptions,
  report: (build: Build, phase: RebuildProgress['phase'], checkpoint?: Position) => void,
): FeedMember {
  const { redis } = options;
  const target: WriteTarget = {
    mode: 'build',
    projection: build.projection,
    keys: build.keys,
    generation: build.generation!,
    leaseKey: build.keys.buildLease,
    token: build.lease.token,
  };
  return {
    target,
    lease: build.lease,
    onBatch: (outcome, batch) => {
      build.applied += outcome.applied;
      build.parked += outcome.parked.length;
      if (outcome.halted !== undefined) build.halted = outcome.halted;
      if (batch.through !== undefined && less(build.head, batch.through)) build.head = batch.through;
      report(build, 'building', outcome.checkpoint);
    },
    caughtUp: async (checkpoint) => {
      if (less(checkpoint, build.head)) return false;
      // Not behind the live generation either, or readers would see the model go back in time. A live runner
      // that stays ahead under a steady stream of events is asked to stand aside (see trySwitch).
      const live = await readLiveGeneration(redis, build.keys);
      if (live === undefined || live === build.generation!.generation) return true;
      const liveCheckpoint = await readCheckpoint(redis, build.keys.generation(live));
      if (!less(checkpoint, liveCheckpoint)) return true;
      build.head = liveCheckpoint;
      build.behind += 1;
      return build.takeover === undefined && options.takeOverLiveLease !== false && build.behind > 3;
    },
  };
}

async function trySwitch(build: Build, options: RebuildManyOptions): Promise<void> {
  const { redis } = options;
  const generation = build.generation!;
  const previous = await readLiveGeneration(redis, build.keys);
  const previousKeys = previous === undefined ? generation : build.keys.generation(previous);
  let reply: unknown;
  try {
    reply = await SWITCH_LIVE.run(
      redis,
      [
        build.keys.buildLease,
        build.keys.live,
        previousKeys.checkpoint,
        generation.checkpoint,
        build.keys.parked,
        generation.buildParked,
        generation.meta,
        previousKeys.meta,
        build.keys.upgrade,
      ],
      [
        build.lease.token,
        previous === undefined ? '' : String(previous),
        generation.generation,
        new Date().toISOString(),
      ],
    );
  } catch (error) {
    // The script may have run and only its reply been lost: the live pointer tells. If it cannot be read,
    // the rebuild fails and its generation is not deleted unless Redis confirms it is not live.
    if ((await readLiveAfterFailure(redis, build.keys)) !== generation.generation) throw error;
    reply = 'OK';
  }
  if (reply === 'OK') {
    build.switched = true;
    build.previous = previous;
    await build.takeover?.end();
    build.takeover = undefined;
    return;
  }
  if (reply === 'LEASE') {
    build.error = new Error(`rebuild of ${build.projection.name} lost its lease`);
    return;
  }
  if (reply === 'GONE') {
    build.error = new GenerationGoneError(build.projection.name, generation.generation);
    return;
  }
  if (reply === 'OUTDATED') {
    const liveVersion = previous === undefined ? undefined : (await readMeta(redis, previousKeys)).version;
    build.error = new RebuildOutdatedError(build.projection.name, liveVersion, build.projection.version);
    return;
  }
  // BEHIND or RETRY: catch up again. The live runner got ahead once more; under a steady stream of events that
  // can go on for ever, so the last stretch is caught up with it standing aside (it resumes on the new generation).
  if (reply === 'BEHIND' && build.takeover === undefined && options.takeOverLiveLease !== false) {
    build.takeover = await takeOverLease(redis, {
      key: build.keys.lease,
      handoverKey: build.keys.handover,
      ttlMs: options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
      timeoutMs: options.handoverTimeoutMs ?? 30_000,
      ...(options.shouldStop === undefined ? {} : { shouldStop: options.shouldStop }),
    });
  }
}

/** The live generation, read again a few times while Redis is reconnecting; throws if it stays unreadable. */
async function readLiveAfterFailure(redis: Redis, keys: ProjectionKeys): Promise<number | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readLiveGeneration(redis, keys);
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}
