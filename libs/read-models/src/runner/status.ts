import type { Redis } from 'ioredis';
import type { EventStore, Position } from '@ismap/event-store';
import type { Projection } from '../projection';
import type { ParkedEvent } from '../redis/generations';
import { headPosition, positionLag, readLiveGeneration, readMeta } from '../redis/generations';
import { projectionKeys } from '../redis/keys';

export interface ProjectionStatus {
  readonly name: string;
  /** The version in the code. */
  readonly version: number;
  /** The version that built the live generation; differs from `version` until the worker rebuilt it. */
  readonly liveVersion: number | undefined;
  readonly generation: number | undefined;
  readonly checkpoint: Position | undefined;
  readonly head: Position | undefined;
  /** Head minus checkpoint, in log positions (events on the embedded store). */
  readonly lag: bigint;
  readonly parked: number;
  /** Set when a `stop` projection halted on a parked event. */
  readonly halted: ParkedEvent | undefined;
  /** Whether some runner holds the projection's lease now. */
  readonly leased: boolean;
  /** Whether a rebuild holds the rebuild lease now. */
  readonly rebuilding: boolean;
}

/** What `cli projections` shows, read from Redis and the store only: works with or without a running worker. */
export async function readProjectionStatus(
  store: EventStore,
  redis: Redis,
  keyPrefix: string,
  projection: Projection,
  head?: Position,
): Promise<ProjectionStatus> {
  const keys = projectionKeys(keyPrefix, projection.name);
  const generation = await readLiveGeneration(redis, keys);
  const generationKeys = generation === undefined ? undefined : keys.generation(generation);
  const [checkpoint, halted, parked, leased, rebuilding] = await Promise.all([
    generationKeys === undefined ? null : redis.get(generationKeys.checkpoint),
    generationKeys === undefined ? null : redis.get(generationKeys.halted),
    redis.llen(keys.parked),
    redis.exists(keys.lease),
    redis.exists(keys.buildLease),
  ]);
  const meta = generationKeys === undefined ? undefined : await readMeta(redis, generationKeys);
  const logHead = head ?? (await headPosition(store));
  return {
    name: projection.name,
    version: projection.version,
    liveVersion: meta?.version,
    generation,
    checkpoint: checkpoint ?? undefined,
    head: logHead,
    lag: positionLag(logHead, checkpoint ?? undefined),
    parked,
    halted: halted === null ? undefined : (JSON.parse(halted) as ParkedEvent),
    leased: leased === 1,
    rebuilding: rebuilding === 1,
  };
}
