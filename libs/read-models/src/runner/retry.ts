import type { Redis } from 'ioredis';
import type { EventStore } from '@ismap/event-store';
import { comparePositions } from '@ismap/event-store';
import type { Projection } from '../projection';
import type { ParkedEvent } from '../redis/generations';
import { describeError, readCheckpoint, readLiveGeneration, readParked } from '../redis/generations';
import { projectionKeys } from '../redis/keys';
import { RedisReadModelTx } from '../redis/redis-read-model-tx';
import { DEFAULT_LEASE_TTL_MS, takeOverLease } from './lease';
import type { WriteTarget } from './write-batch';
import { commitWrite } from './write-batch';

export interface RetryOptions {
  readonly store: EventStore;
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly projection: Projection;
  readonly leaseTtlMs?: number;
  /** How long to wait for the running worker to hand the lease over (or for a dead one's lease to run out). */
  readonly handoverTimeoutMs?: number;
}

export interface RetryResult {
  readonly projection: string;
  readonly succeeded: readonly ParkedEvent[];
  readonly failed: readonly { readonly parked: ParkedEvent; readonly error: string }[];
  /** A halted (`stop`) projection whose parked events all succeeded runs on. */
  readonly resumed: boolean;
}

/**
 * Replays a projection's parked events through evolve, in log order, against the live generation. The live
 * runner is asked to hand its lease over (it releases it between batches and waits), so the replay's writes never
 * interleave with a batch computed from documents the replay changes. Each event that now succeeds is applied and
 * removed from the list in one script call; the others stay parked and are reported with their new error.
 */
export async function retryParked(options: RetryOptions): Promise<RetryResult> {
  const { redis, store, projection } = options;
  const keys = projectionKeys(options.keyPrefix, projection.name);
  const takeover = await takeOverLease(redis, {
    key: keys.lease,
    handoverKey: keys.handover,
    ttlMs: options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
    timeoutMs: options.handoverTimeoutMs ?? 30_000,
  });
  const token = takeover.lease.token;
  try {
    const generation = await readLiveGeneration(redis, keys);
    if (generation === undefined)
      return { projection: projection.name, succeeded: [], failed: [], resumed: false };
    const generationKeys = keys.generation(generation);
    const target: WriteTarget = {
      mode: 'live',
      projection,
      keys,
      generation: generationKeys,
      leaseKey: keys.lease,
      token,
    };
    const checkpoint = await readCheckpoint(redis, generationKeys);
    const entries = (await readParked(redis, keys.parked)).sort((a, b) =>
      comparePositions(a.event.position, b.event.position),
    );
    const succeeded: ParkedEvent[] = [];
    const failed: { parked: ParkedEvent; error: string }[] = [];
    for (const { raw, event: parked } of entries) {
      const [event] = await store.readAll({ fromPosition: parked.position, maxCount: 1 });
      if (event === undefined || event.id !== parked.eventId) {
        failed.push({ parked, error: `event ${parked.eventId} is not at position ${parked.position}` });
        continue;
      }
      const tx = await RedisReadModelTx.prepare(redis, generationKeys, projection, [event]);
      const outcome = await tx.apply(projection, event);
      if (!outcome.ok) {
        failed.push({ parked, error: describeError(outcome.error) });
        continue;
      }
      const write = await commitWrite(redis, target, tx.encode(), {
        from: checkpoint,
        checkpoint: undefined,
        halt: '',
        push: [],
        remove: [raw],
      });
      if (write.status !== 'OK') throw new Error(`${projection.name}: retry write refused (${write.status})`);
      succeeded.push(parked);
    }
    let resumed = false;
    if (failed.length === 0 && (await redis.exists(generationKeys.halted)) === 1) {
      const write = await commitWrite(
        redis,
        target,
        { keys: [], args: [] },
        { from: checkpoint, checkpoint: undefined, halt: 'del', push: [], remove: [] },
      );
      resumed = write.status === 'OK';
    }
    return { projection: projection.name, succeeded, failed, resumed };
  } finally {
    await takeover.end();
  }
}
