import type { Redis } from 'ioredis';
import type { EventStore, Position } from '@ismap/event-store';
import { END } from '@ismap/event-store';
import type { GenerationKeys, ProjectionKeys } from './keys';
import { globEscape, parseGeneration } from './keys';

/** One event a projection could not apply, as kept in its `parked` list. */
export interface ParkedEvent {
  readonly position: Position;
  readonly eventId: string;
  readonly type: string;
  readonly streamName: string;
  readonly revision: number;
  readonly error: string;
  readonly parkedAt: string;
}

export interface GenerationMeta {
  readonly version: number | undefined;
  readonly createdAt: string | undefined;
  readonly liveSince: string | undefined;
}

export async function readLiveGeneration(redis: Redis, keys: ProjectionKeys): Promise<number | undefined> {
  return parseGeneration(await redis.get(keys.live));
}

export async function readMeta(redis: Redis, keys: GenerationKeys): Promise<GenerationMeta> {
  const meta = await redis.hgetall(keys.meta);
  const version = meta['version'];
  return {
    version: version === undefined ? undefined : Number(version),
    createdAt: meta['createdAt'],
    liveSince: meta['liveSince'],
  };
}

export async function readCheckpoint(redis: Redis, keys: GenerationKeys): Promise<Position | undefined> {
  return (await redis.get(keys.checkpoint)) ?? undefined;
}

export async function readParked(
  redis: Redis,
  listKey: string,
): Promise<{ raw: string; event: ParkedEvent }[]> {
  const raw = await redis.lrange(listKey, 0, -1);
  return raw.map((entry) => ({ raw: entry, event: JSON.parse(entry) as ParkedEvent }));
}

/** The newest position of the log (undefined when it is empty). */
export async function headPosition(store: EventStore): Promise<Position | undefined> {
  const [last] = await store.readAll({ direction: 'backwards', fromPosition: END, maxCount: 1 });
  return last?.position;
}

/**
 * How far a checkpoint is behind the head, in positions: events on the embedded store (positions are a gapless
 * sequence), bytes of the transaction log on EventStoreDB.
 */
export function positionLag(head: Position | undefined, checkpoint: Position | undefined): bigint {
  if (head === undefined) return 0n;
  const lag = BigInt(head) - BigInt(checkpoint ?? '0');
  return lag > 0n ? lag : 0n;
}

/** Generations that have keys, live or not (SCAN: never blocks Redis on a large key space). */
export async function listGenerations(redis: Redis, keys: ProjectionKeys): Promise<number[]> {
  const found = new Set<number>();
  const pattern = `${globEscape(keys.base)}g*`;
  const prefix = keys.base.length + 1;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const key of batch) {
      const generation = parseGeneration(key.slice(prefix, key.indexOf(':', prefix)));
      if (generation !== undefined) found.add(generation);
    }
  } while (cursor !== '0');
  return [...found].sort((a, b) => a - b);
}

/** Deletes every key of a generation with SCAN + UNLINK in chunks, so Redis frees the memory in the background. */
export async function deleteGeneration(redis: Redis, keys: GenerationKeys, chunk = 500): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${globEscape(keys.base)}*`, 'COUNT', chunk);
    cursor = next;
    for (let i = 0; i < batch.length; i += chunk) {
      deleted += await redis.unlink(...batch.slice(i, i + chunk));
    }
  } while (cursor !== '0');
  return deleted;
}

export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
