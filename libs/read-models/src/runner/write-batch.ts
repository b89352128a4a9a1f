import type { Redis } from 'ioredis';
import type { Position, RecordedEvent } from '@ismap/event-store';
import { comparePositions } from '@ismap/event-store';
import type { Projection } from '../projection';
import type { ParkedEvent } from '../redis/generations';
import { describeError } from '../redis/generations';
import type { GenerationKeys, ProjectionKeys } from '../redis/keys';
import type { EncodedWrite } from '../redis/redis-read-model-tx';
import { NotLoaded, RedisReadModelTx } from '../redis/redis-read-model-tx';
import { WRITE_BATCH } from '../redis/scripts';

/**
 * Where a batch goes: the live generation under the projection's lease, or a generation being built under the
 * rebuild lease (parked events stay with that generation until it goes live).
 */
export interface WriteTarget {
  readonly mode: 'live' | 'build';
  readonly projection: Projection;
  readonly keys: ProjectionKeys;
  readonly generation: GenerationKeys;
  readonly leaseKey: string;
  readonly token: string;
}

export type WriteStatus = 'OK' | 'LEASE' | 'GENERATION' | 'CHECKPOINT';

export interface BatchOutcome {
  readonly status: WriteStatus;
  readonly handoverRequested: boolean;
  /** The stored checkpoint after the write (unchanged unless OK). */
  readonly checkpoint: Position | undefined;
  readonly applied: number;
  readonly parked: readonly ParkedEvent[];
  /** A `stop` projection parked this event and is now halted. */
  readonly halted: ParkedEvent | undefined;
  /** Round trips for reads prefetch did not announce. */
  readonly misses: number;
}

export function parkedEntry(event: RecordedEvent, error: unknown, now: Date = new Date()): ParkedEvent {
  return {
    position: event.position,
    eventId: event.id,
    type: event.type,
    streamName: event.streamName,
    revision: event.revision,
    error: describeError(error),
    parkedAt: now.toISOString(),
  };
}

/**
 * Applies a batch and writes its changes and checkpoint in one script call. `from` is the checkpoint the batch
 * starts after (as stored), `through` the checkpoint to store when it succeeds. A `stop` projection's batch ends
 * at its first failing event: that event is parked, the checkpoint stops on it and the generation is halted, so
 * nothing after it is applied before an operator retried it.
 */
export async function writeBatch(
  redis: Redis,
  target: WriteTarget,
  events: readonly RecordedEvent[],
  from: Position | undefined,
  through: Position | undefined,
): Promise<BatchOutcome> {
  const computed = await computeWrite(redis, target, events, from, through);
  if (!('unencodable' in computed)) return sendWrite(redis, target, computed);
  // A document JSON cannot hold (a BigInt, a cycle): find its event by writing the batch one event at a time.
  if (events.length > 1) return writeOneByOne(redis, target, events, from, through);
  if (events.length === 0) throw computed.unencodable;
  const { projection } = target;
  return writeBatch(
    redis,
    { ...target, projection: refuse(projection, computed.unencodable) },
    events,
    from,
    through,
  );
}

/** A batch applied and encoded, not yet written: `sendWrite` writes it. */
export interface ComputedWrite {
  readonly tx: RedisReadModelTx;
  readonly data: EncodedWrite;
  readonly from: Position | undefined;
  /** The checkpoint the write stores (undefined: unchanged). */
  readonly checkpoint: Position | undefined;
  readonly applied: number;
  readonly parked: readonly ParkedEvent[];
  readonly halted: ParkedEvent | undefined;
}

/**
 * The first half of `writeBatch`: loads, applies and encodes, or says which error kept a document from being
 * encoded. `carry`: the previous batch's transaction when its write may still be under way (see
 * `RedisReadModelTx.prepare`); `from` is then the checkpoint that write stores.
 */
export async function computeWrite(
  redis: Redis,
  target: WriteTarget,
  events: readonly RecordedEvent[],
  from: Position | undefined,
  through: Position | undefined,
  carry?: RedisReadModelTx,
): Promise<ComputedWrite | { readonly unencodable: unknown }> {
  const { projection } = target;
  const tx = await RedisReadModelTx.prepare(redis, target.generation, projection, events, carry);
  const parked: ParkedEvent[] = [];
  let halted: ParkedEvent | undefined;
  let applied = 0;
  let checkpoint = through;
  for (const event of events) {
    let outcome = tx.tryApply(projection, event);
    while (outcome instanceof NotLoaded) {
      await tx.loadMissing(outcome);
      outcome = tx.tryApply(projection, event);
    }
    if (outcome.ok) {
      applied += 1;
      continue;
    }
    const entry = parkedEntry(event, outcome.error);
    parked.push(entry);
    if (projection.onError === 'stop') {
      halted = entry;
      checkpoint = event.position;
      break;
    }
  }
  if (checkpoint !== undefined && from !== undefined && comparePositions(checkpoint, from) < 0) {
    checkpoint = from;
  }
  try {
    return { tx, data: tx.encode(), from, checkpoint, applied, parked, halted };
  } catch (error) {
    return { unencodable: error };
  }
}

/** The second half of `writeBatch`: one script call, all or nothing. */
export async function sendWrite(
  redis: Redis,
  target: WriteTarget,
  computed: ComputedWrite,
): Promise<BatchOutcome> {
  const { from, checkpoint, parked, halted, applied, tx } = computed;
  const { status, handoverRequested } = await commitWrite(redis, target, computed.data, {
    from,
    checkpoint,
    halt: halted === undefined ? '' : JSON.stringify(halted),
    push: parked.map((entry) => JSON.stringify(entry)),
    remove: [],
  });
  return {
    status,
    handoverRequested,
    checkpoint: status === 'OK' ? (checkpoint ?? from) : from,
    applied: status === 'OK' ? applied : 0,
    parked: status === 'OK' ? parked : [],
    halted: status === 'OK' ? halted : undefined,
    misses: tx.misses,
  };
}

async function writeOneByOne(
  redis: Redis,
  target: WriteTarget,
  events: readonly RecordedEvent[],
  from: Position | undefined,
  through: Position | undefined,
): Promise<BatchOutcome> {
  let checkpoint = from;
  let applied = 0;
  let misses = 0;
  const parked: ParkedEvent[] = [];
  for (const [i, event] of events.entries()) {
    const last = i === events.length - 1;
    const outcome = await writeBatch(redis, target, [event], checkpoint, last ? through : event.position);
    applied += outcome.applied;
    misses += outcome.misses;
    parked.push(...outcome.parked);
    if (outcome.status !== 'OK' || outcome.halted !== undefined || last) {
      return { ...outcome, applied, parked, misses };
    }
    checkpoint = outcome.checkpoint;
  }
  throw new Error('unreachable: an empty batch has nothing to encode');
}

/** The projection as it behaves for an event whose documents cannot be stored: evolve fails with the reason. */
function refuse(projection: Projection, error: unknown): Projection {
  return {
    ...projection,
    evolve: () => {
      throw error;
    },
  };
}

export interface CommitOptions {
  /** The checkpoint the changes were computed after, as stored ('' or undefined: none yet). */
  readonly from: Position | undefined;
  /** The checkpoint to store; undefined leaves it as it is. */
  readonly checkpoint: Position | undefined;
  /**
   * '' leaves the halt flag alone, 'del' clears it, 'lift' clears it if the parked list is empty after this
   * write's removals, anything else is stored as the halt reason.
   */
  readonly halt: string;
  readonly push: readonly string[];
  readonly remove: readonly string[];
}

/** One call of the WRITE_BATCH script for a target: the only way anything is written into a generation. */
export async function commitWrite(
  redis: Redis,
  target: WriteTarget,
  data: EncodedWrite,
  options: CommitOptions,
): Promise<{ readonly status: WriteStatus; readonly handoverRequested: boolean; readonly lifted: boolean }> {
  const live = target.mode === 'live';
  const reply = (await WRITE_BATCH.run(
    redis,
    [
      target.leaseKey,
      target.keys.live,
      target.generation.checkpoint,
      live ? target.keys.parked : target.generation.buildParked,
      target.generation.halted,
      // A build does not yield to handovers (they are for the live lease): its own lease key never differs.
      live ? target.keys.handover : target.leaseKey,
      ...data.keys,
    ],
    [
      target.token,
      live ? String(target.generation.generation) : '',
      options.from ?? '',
      options.checkpoint ?? '',
      options.halt,
      options.push.length,
      ...options.push,
      options.remove.length,
      ...options.remove,
      ...data.args,
    ],
  )) as [WriteStatus, number, number];
  return { status: reply[0], handoverRequested: reply[1] === 1, lifted: reply[2] === 1 };
}
