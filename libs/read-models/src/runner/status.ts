import type { Redis } from 'ioredis';
import type { EventStore, Position } from '@ismap/event-store';
import type { Projection } from '../projection';
import type { ParkedEvent, PendingUpgrade } from '../redis/generations';
import {
  headPosition,
  positionLag,
  readLiveGeneration,
  readMeta,
  readParkedPage,
  readPendingUpgrade,
} from '../redis/generations';
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
  /**
   * A new version's generation the worker is building, or whose build halted (`halted` set: the live generation
   * keeps serving, not updated, until `projections retry` or new code).
   */
  readonly upgrade: PendingUpgrade | undefined;
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
  const [checkpoint, halted, parked, leased, rebuilding, upgrade] = await Promise.all([
    generationKeys === undefined ? null : redis.get(generationKeys.checkpoint),
    generationKeys === undefined ? null : redis.get(generationKeys.halted),
    redis.llen(keys.parked),
    redis.exists(keys.lease),
    redis.exists(keys.buildLease),
    readPendingUpgrade(redis, keys),
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
    upgrade: upgrade?.generation === generation ? undefined : upgrade,
  };
}

/** One parked list as `cli projections parked` shows it: its first entries and how many there are. */
export interface ParkedList {
  /** `live`: the projection's list; `upgrade`: the list of a new version's generation being built. */
  readonly scope: 'live' | 'upgrade';
  readonly generation: number | undefined;
  /** The projection version whose code parked them (undefined: unknown, no live generation). */
  readonly version: number | undefined;
  readonly total: number;
  /** In log order; `event` undefined for an entry that is not a parked event's JSON. */
  readonly entries: readonly { readonly raw: string; readonly event: ParkedEvent | undefined }[];
}

/** The live list and, if there is one, the pending upgrade's list, each up to `limit` entries (one read each). */
export async function readParkedLists(
  redis: Redis,
  keyPrefix: string,
  projection: Projection,
  limit: number,
): Promise<ParkedList[]> {
  const keys = projectionKeys(keyPrefix, projection.name);
  const generation = await readLiveGeneration(redis, keys);
  const [total, entries, meta, upgrade] = await Promise.all([
    redis.llen(keys.parked),
    readParkedPage(redis, keys.parked, 0, limit),
    generation === undefined ? undefined : readMeta(redis, keys.generation(generation)),
    readPendingUpgrade(redis, keys),
  ]);
  const lists: ParkedList[] = [{ scope: 'live', generation, version: meta?.version, total, entries }];
  if (upgrade !== undefined && upgrade.generation !== generation) {
    const list = keys.generation(upgrade.generation).buildParked;
    lists.push({
      scope: 'upgrade',
      generation: upgrade.generation,
      version: upgrade.version,
      total: await redis.llen(list),
      entries: await readParkedPage(redis, list, 0, limit),
    });
  }
  return lists;
}
