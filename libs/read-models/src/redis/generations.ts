import type { Redis } from 'ioredis';
import type { EventStore, Position } from '@ismap/event-store';
import { END } from '@ismap/event-store';
import type { GenerationKeys, ProjectionKeys } from './keys';
import { globEscape, parseGeneration } from './keys';
import { DROP_GENERATION_KEYS } from './scripts';

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

/**
 * `count` parked entries from index `start` of a list (in log order: runners push in log order and a retry leaves
 * what still fails where it stands). An entry that is not a parked event's JSON comes back without `event`.
 */
export async function readParkedPage(
  redis: Redis,
  listKey: string,
  start: number,
  count: number,
): Promise<{ raw: string; event: ParkedEvent | undefined }[]> {
  if (count <= 0) return [];
  const raw = await redis.lrange(listKey, start, start + count - 1);
  return raw.map((entry) => ({ raw: entry, event: parseParked(entry) }));
}

function parseParked(raw: string): ParkedEvent | undefined {
  try {
    const value = JSON.parse(raw) as Partial<ParkedEvent> | null;
    return typeof value?.position === 'string' && typeof value.eventId === 'string'
      ? (value as ParkedEvent)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A generation a runner builds for a new projection version while the live one (an older version) serves. */
export interface PendingUpgrade {
  readonly generation: number;
  readonly version: number;
  readonly checkpoint: Position | undefined;
  /** Entries in the generation's own parked list (they become the projection's when it goes live). */
  readonly parked: number;
  /** Set when a `stop` projection's new code halted on an event: the upgrade waits for a retry or new code. */
  readonly halted: ParkedEvent | undefined;
}

/** The projection's pending upgrade, if its record names a generation that still exists with that version. */
export async function readPendingUpgrade(
  redis: Redis,
  keys: ProjectionKeys,
): Promise<PendingUpgrade | undefined> {
  const record = await redis.hgetall(keys.upgrade);
  const generation = parseGeneration(record['generation'] ?? null);
  const version = Number(record['version']);
  if (generation === undefined || !Number.isSafeInteger(version)) return undefined;
  const generationKeys = keys.generation(generation);
  const [built, checkpoint, halted, parked] = await Promise.all([
    redis.hget(generationKeys.meta, 'version'),
    redis.get(generationKeys.checkpoint),
    redis.get(generationKeys.halted),
    redis.llen(generationKeys.buildParked),
  ]);
  // A rebuild started by hand deletes the generation; another version's runner replaces the record.
  if (built === null || Number(built) !== version) return undefined;
  return {
    generation,
    version,
    checkpoint: checkpoint ?? undefined,
    parked,
    halted: halted === null ? undefined : parseParked(halted),
  };
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

export class GenerationLiveError extends Error {
  constructor(keys: GenerationKeys) {
    super(`generation ${keys.generation} (${keys.base}) is live; it is not deleted`);
    this.name = 'GenerationLiveError';
  }
}

/**
 * Deletes every key of a generation with SCAN + UNLINK in chunks, so Redis frees the memory in the background.
 * Each chunk is removed by a script that refuses while the generation is live, and the meta goes first, so a
 * switch still on its way (`SWITCH_LIVE` needs the meta) cannot make a half-deleted generation live. Throws
 * GenerationLiveError when the generation is live.
 */
export async function deleteGeneration(
  redis: Redis,
  keys: ProjectionKeys,
  generation: number,
  chunk = 500,
): Promise<number> {
  const generationKeys = keys.generation(generation);
  const drop = async (batch: readonly string[]): Promise<number> => {
    const removed = Number(await DROP_GENERATION_KEYS.run(redis, [keys.live, ...batch], [generation]));
    if (removed < 0) throw new GenerationLiveError(generationKeys);
    return removed;
  };
  let deleted = await drop([generationKeys.meta]);
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(
      cursor,
      'MATCH',
      `${globEscape(generationKeys.base)}*`,
      'COUNT',
      chunk,
    );
    cursor = next;
    for (let i = 0; i < batch.length; i += chunk) deleted += await drop(batch.slice(i, i + chunk));
  } while (cursor !== '0');
  return deleted;
}

export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
