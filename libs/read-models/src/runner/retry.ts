import type { Redis } from 'ioredis';
import type { EventStore } from '@ismap/event-store';
import type { Projection } from '../projection';
import type { ParkedEvent } from '../redis/generations';
import {
  describeError,
  readCheckpoint,
  readLiveGeneration,
  readMeta,
  readParkedPage,
  readPendingUpgrade,
} from '../redis/generations';
import type { ProjectionKeys } from '../redis/keys';
import { projectionKeys } from '../redis/keys';
import type { EncodedWrite } from '../redis/redis-read-model-tx';
import { RedisReadModelTx } from '../redis/redis-read-model-tx';
import { REPLACE_PARKED } from '../redis/scripts';
import { DEFAULT_LEASE_TTL_MS, Lease, acquireWithin, takeOverLease } from './lease';
import type { WriteTarget } from './write-batch';
import { commitWrite } from './write-batch';

/** Parked entries read per round trip: a long list is never held in memory whole. */
export const RETRY_PAGE_SIZE = 100;

export interface RetryOptions {
  readonly store: EventStore;
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly projection: Projection;
  readonly leaseTtlMs?: number;
  /** How long to wait for the running worker to hand the lease over (or for a dead one's lease to run out). */
  readonly handoverTimeoutMs?: number;
  /** Stops the retry between events and while waiting for a lease (RetryFailedError); what is done stays done. */
  readonly signal?: AbortSignal;
  readonly pageSize?: number;
  /** Called for each parked event tried: `error` undefined when it was applied and unparked. */
  readonly onEvent?: (parked: ParkedEvent, error: string | undefined, scope: RetryScope) => void;
}

/** `live`: the live generation's parked list; `upgrade`: a halted upgrade's (a new version being built). */
export type RetryScope = 'live' | 'upgrade';

export interface RetryCounts {
  readonly replayed: number;
  /** Tried and still failing (they stay parked, with the new error). */
  readonly failed: number;
  /** The halt was lifted: a halted (`stop`) projection, or a halted upgrade, runs on. */
  readonly resumed: boolean;
}

export interface RetryResult extends RetryCounts {
  readonly projection: string;
  /** The pending upgrade's part, when one built by this code's version had something to retry. */
  readonly upgrade: (RetryCounts & { readonly generation: number; readonly version: number }) | undefined;
  /** Why the live generation's parked events were not tried (it was built by another projection version). */
  readonly skipped: string | undefined;
}

/** The retry could not finish: interrupted, or a write was refused (lease lost, the runner moved on). */
export class RetryFailedError extends Error {
  constructor(projection: string, reason: string, done: RetryCounts) {
    super(
      `retry of ${projection} stopped: ${reason} (${done.replayed} replayed before that` +
        `${done.resumed ? ', halt lifted' : ''})`,
    );
    this.name = 'RetryFailedError';
  }
}

/** Nothing was tried and nothing changed (the CLI says "nothing parked"). */
export function retryDidNothing(result: RetryResult): boolean {
  return (
    result.replayed + result.failed === 0 &&
    !result.resumed &&
    result.upgrade === undefined &&
    result.skipped === undefined
  );
}

/**
 * Replays a projection's parked events through evolve, in log order. Each event that now succeeds is applied,
 * removed from the list, and (when the list is then empty) the halt is lifted, all in one script call, so no
 * crash can leave an empty list under a halt; a halt whose list is already empty (left by older code) is lifted
 * too. The others stay parked in place with their new error.
 *
 * The live generation's list is replayed under the live lease: its runner is asked to hand it over (it releases
 * it between batches and waits), so the replay's writes never interleave with a batch computed from documents the
 * replay changes. A halted upgrade (a new projection version whose build halted) is replayed into that build's
 * generation under the rebuild lease; the runner resumes the build once its halt is lifted.
 */
export async function retryParked(options: RetryOptions): Promise<RetryResult> {
  const keys = projectionKeys(options.keyPrefix, options.projection.name);
  const live = await retryLive(options, keys);
  const upgrade = await retryUpgrade(options, keys);
  return {
    projection: options.projection.name,
    replayed: live.counts?.replayed ?? 0,
    failed: live.counts?.failed ?? 0,
    resumed: live.counts?.resumed ?? false,
    upgrade,
    skipped: live.skipped,
  };
}

async function retryLive(
  options: RetryOptions,
  keys: ProjectionKeys,
): Promise<{ counts?: RetryCounts; skipped?: string }> {
  const { redis, projection } = options;
  const generation = await readLiveGeneration(redis, keys);
  if (generation === undefined) return {};
  const generationKeys = keys.generation(generation);
  const [parked, halted] = await Promise.all([redis.llen(keys.parked), redis.exists(generationKeys.halted)]);
  // Nothing to do: the live runner is not held up for it.
  if (parked === 0 && halted === 0) return {};
  const { version } = await readMeta(redis, generationKeys);
  if (version !== projection.version) {
    return {
      skipped:
        `the live generation was built by v${version ?? '?'} and this code is v${projection.version}; ` +
        'its parked events are retried by code of its version (an upgrade replaces them)',
    };
  }
  const takeover = await takeOverLease(redis, {
    key: keys.lease,
    handoverKey: keys.handover,
    ttlMs: options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
    timeoutMs: options.handoverTimeoutMs ?? 30_000,
    shouldStop: () => options.signal?.aborted === true,
  }).catch((error: unknown) => {
    throw stoppedOrError(options, error, { replayed: 0, failed: 0, resumed: false });
  });
  try {
    // A rebuild may have switched generations while the runner was handing over (its list moved along).
    const current = await readLiveGeneration(redis, keys);
    if (current === undefined) return {};
    if (current !== generation && (await readMeta(redis, keys.generation(current))).version !== version) {
      return {};
    }
    const counts = await replayList(options, 'live', {
      mode: 'live',
      projection,
      keys,
      generation: keys.generation(current),
      leaseKey: keys.lease,
      token: takeover.lease.token,
    });
    return { counts };
  } finally {
    await takeover.end();
  }
}

async function retryUpgrade(options: RetryOptions, keys: ProjectionKeys): Promise<RetryResult['upgrade']> {
  const { redis, projection } = options;
  const pending = await readPendingUpgrade(redis, keys);
  if (pending?.version !== projection.version) return undefined;
  if (pending.parked === 0 && pending.halted === undefined) return undefined;
  // The runner holds the rebuild lease only while it builds; a halted build waits without it.
  const lease = new Lease(redis, {
    key: keys.buildLease,
    handoverKey: keys.buildLease,
    ttlMs: options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
  });
  await acquireWithin(
    lease,
    options.handoverTimeoutMs ?? 30_000,
    `a rebuild of ${projection.name} is running; it did not end`,
    () => options.signal?.aborted === true,
  ).catch((error: unknown) => {
    throw stoppedOrError(options, error, { replayed: 0, failed: 0, resumed: false });
  });
  try {
    const current = await readPendingUpgrade(redis, keys);
    if (current?.generation !== pending.generation) return undefined;
    const counts = await replayList(options, 'upgrade', {
      mode: 'build',
      projection,
      keys,
      generation: keys.generation(pending.generation),
      leaseKey: keys.buildLease,
      token: lease.token,
    });
    return { ...counts, generation: pending.generation, version: pending.version };
  } finally {
    await lease.release();
  }
}

/** Replays one parked list page by page into the target's generation; see `retryParked`. */
async function replayList(
  options: RetryOptions,
  scope: RetryScope,
  target: WriteTarget,
): Promise<RetryCounts> {
  const { redis, projection } = options;
  const listKey = target.mode === 'live' ? target.keys.parked : target.generation.buildParked;
  const pageSize = Math.max(1, options.pageSize ?? RETRY_PAGE_SIZE);
  const checkpoint = await readCheckpoint(redis, target.generation);
  let replayed = 0;
  let failed = 0;
  let resumed = false;
  const refused = (status: string) =>
    new RetryFailedError(projection.name, `a write was refused (${status})`, { replayed, failed, resumed });
  // Entries before `next` stay parked; one that is applied leaves the list, so the next one moves up to it.
  let next = 0;
  for (;;) {
    const page = await readParkedPage(redis, listKey, next, pageSize);
    if (page.length === 0) break;
    for (const { raw, event: parked } of page) {
      if (options.signal?.aborted === true) {
        throw new RetryFailedError(projection.name, 'interrupted', { replayed, failed, resumed });
      }
      if (parked === undefined) {
        // Not a parked event's JSON: left for an operator to look at, never dropped.
        failed += 1;
        next += 1;
        continue;
      }
      const attempt = await replayOne(options, target, parked);
      if ('error' in attempt) {
        failed += 1;
        next += 1;
        options.onEvent?.(parked, attempt.error, scope);
        if (attempt.error !== parked.error) {
          const entry = JSON.stringify({ ...parked, error: attempt.error });
          const reply = await REPLACE_PARKED.run(
            redis,
            [target.leaseKey, listKey, target.generation.halted],
            [target.token, raw, entry],
          );
          if (reply === 'LEASE') throw refused('LEASE');
        }
        continue;
      }
      const write = await commitWrite(redis, target, attempt.data, {
        from: checkpoint,
        checkpoint: undefined,
        halt: 'lift',
        push: [],
        remove: [raw],
      });
      if (write.status !== 'OK') throw refused(write.status);
      replayed += 1;
      resumed ||= write.lifted;
      options.onEvent?.(parked, undefined, scope);
    }
  }
  if (!resumed && (await redis.exists(target.generation.halted)) === 1) {
    // A halt over an empty list (its event was unparked by code that lifted the halt in a second step and
    // died in between): lifted now. Over a list that still holds events, this changes nothing.
    const write = await commitWrite(
      redis,
      target,
      { keys: [], args: [] },
      { from: checkpoint, checkpoint: undefined, halt: 'lift', push: [], remove: [] },
    );
    if (write.status !== 'OK') throw refused(write.status);
    resumed = write.lifted;
  }
  return { replayed, failed, resumed };
}

async function replayOne(
  options: RetryOptions,
  target: WriteTarget,
  parked: ParkedEvent,
): Promise<{ readonly data: EncodedWrite } | { readonly error: string }> {
  const { redis, store, projection } = options;
  const [event] = await store.readAll({ fromPosition: parked.position, maxCount: 1 });
  if (event === undefined || event.id !== parked.eventId) {
    return { error: `event ${parked.eventId} is not at position ${parked.position}` };
  }
  const tx = await RedisReadModelTx.prepare(redis, target.generation, projection, [event]);
  const outcome = await tx.apply(projection, event);
  if (!outcome.ok) return { error: describeError(outcome.error) };
  try {
    // A document JSON cannot hold (a BigInt, a cycle) fails this event only.
    return { data: tx.encode() };
  } catch (error) {
    return { error: describeError(error) };
  }
}

function stoppedOrError(options: RetryOptions, error: unknown, done: RetryCounts): unknown {
  return options.signal?.aborted === true
    ? new RetryFailedError(options.projection.name, 'interrupted', done)
    : error;
}
