import type { Redis } from 'ioredis';
import type { RecordedEvent } from '@ismap/event-store';
import type { Doc, DocRef, Projection, ReadModelTx } from '../projection';
import type { GenerationKeys } from './keys';

/**
 * A document as loaded (its JSON, parsed when first read) or as put (its frozen value, serialised once per batch
 * when the batch is written). `json: null` is an absent or deleted document.
 */
interface Entry {
  json?: string | null;
  doc?: Doc | undefined;
}

/** Thrown inside evolve when it reads what nobody loaded; the batch loads it and runs the event again. */
export class NotLoaded extends Error {
  constructor(
    readonly collection: string | undefined,
    readonly id: string,
  ) {
    super(`read-model tx: ${collection ?? 'counter'} ${id} was not loaded`);
  }
}

export type EventOutcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

const APPLIED: EventOutcome = { ok: true };

/** The data part of one atomic write: keys and, per key, the encoded operations (see WRITE_BATCH). */
export interface EncodedWrite {
  readonly keys: string[];
  readonly args: (string | number)[];
}

const SEP = '\u0000';
const docKey = (collection: string, id: string): string => `${collection}${SEP}${id}`;

/**
 * The transaction a runner applies one batch of events through. Loads every document and counter the batch's
 * events name in `prefetch`/`counters` in one pipelined round trip, applies each event to an overlay of the
 * batch's changes (a failing event's changes are undone), and encodes all changes for one atomic write.
 *
 * Reads are answered from the batch's changes, then from what was loaded. A read of something a projection forgot
 * to prefetch is not answered with "absent": the event is run again after loading it, so the result never depends
 * on how the log was cut into batches. Prefetching is an optimisation, not a correctness rule.
 */
export class RedisReadModelTx implements ReadModelTx {
  private readonly loaded = new Map<string, Entry>();
  private readonly loadedCounters = new Map<string, number>();
  private readonly docs = new Map<string, Entry>();
  private readonly indexes = new Map<string, Map<string, number>>();
  private readonly counterValues = new Map<string, number>();
  /** What the event being applied changed, to undo it if evolve throws (one log per batch, not per event). */
  private readonly undoDocs: [string, Entry | undefined][] = [];
  private readonly undoIndexes: [Map<string, number>, string, number | undefined][] = [];
  private readonly undoCounters: [string, number | undefined][] = [];
  /** Round trips spent on reads that prefetch did not announce (a hint for projection authors). */
  misses = 0;

  private constructor(
    private readonly redis: Redis,
    private readonly keys: GenerationKeys,
  ) {}

  /**
   * Loads what the events announce; an event whose `prefetch` throws is simply loaded nothing for.
   *
   * `carry`: the previous batch's transaction, whose write may still be on its way to Redis. Its changes are taken
   * as loaded (they are what Redis holds once that write succeeds; if it fails, this batch's write is refused too,
   * since it expects the checkpoint that write stores), so this batch can be computed while that one is written.
   * Everything else that batch did not change reads the same from Redis before and after its write.
   */
  static async prepare(
    redis: Redis,
    keys: GenerationKeys,
    projection: Projection,
    events: readonly RecordedEvent[],
    carry?: RedisReadModelTx,
  ): Promise<RedisReadModelTx> {
    const tx = new RedisReadModelTx(redis, keys);
    if (carry !== undefined) {
      for (const [key, entry] of carry.docs) tx.loaded.set(key, entry);
      for (const [counter, value] of carry.counterValues) tx.loadedCounters.set(counter, value);
    }
    const refs: DocRef[] = [];
    const counters: string[] = [];
    for (const event of events) {
      try {
        for (const ref of projection.prefetch(event)) refs.push(ref);
        if (projection.counters !== undefined) for (const c of projection.counters(event)) counters.push(c);
      } catch {
        // The event will fail the same way in evolve's turn and be parked there with its error.
      }
    }
    await tx.load(refs, counters);
    return tx;
  }

  get(collection: string, id: string): Doc | undefined {
    const key = docKey(collection, id);
    const entry = this.docs.get(key) ?? this.loaded.get(key);
    if (entry === undefined) throw new NotLoaded(collection, id);
    if (entry.doc === undefined && typeof entry.json === 'string') {
      entry.doc = deepFreeze(JSON.parse(entry.json) as Doc);
    }
    return entry.doc;
  }

  put(collection: string, id: string, doc: Doc): void {
    if (doc === null || typeof doc !== 'object')
      throw new TypeError(`${collection}/${id}: not a JSON document`);
    // Kept as is and serialised when the batch is written; frozen so that changing it after the put (evolve must
    // not) fails on that event rather than changing what is stored.
    Object.freeze(doc);
    this.set(docKey(collection, id), { doc });
  }

  delete(collection: string, id: string): void {
    this.set(docKey(collection, id), { json: null });
  }

  index(index: string, member: string, score: number): void {
    // Redis would refuse the score halfway through the write script; refuse it here, where it parks one event.
    if (!Number.isFinite(score))
      throw new RangeError(`index ${index}: score ${score} is not a finite number`);
    let members = this.indexes.get(index);
    if (members === undefined) {
      members = new Map();
      this.indexes.set(index, members);
    }
    this.undoIndexes.push([members, member, members.get(member)]);
    members.set(member, score);
  }

  increment(counter: string, by = 1): number {
    if (!Number.isFinite(by))
      throw new RangeError(`counter ${counter}: increment ${by} is not a finite number`);
    const changed = this.counterValues.get(counter);
    const current = changed ?? this.loadedCounters.get(counter);
    if (current === undefined) throw new NotLoaded(undefined, counter);
    this.undoCounters.push([counter, changed]);
    const value = current + by;
    this.counterValues.set(counter, value);
    return value;
  }

  /**
   * Applies one event. Its changes stay in the batch when evolve returns and are undone when it throws. An event
   * that read something not loaded is undone and reported as `NotLoaded`: `load` it, then apply the event again.
   */
  tryApply(projection: Projection, event: RecordedEvent): EventOutcome | NotLoaded {
    this.undoDocs.length = 0;
    this.undoIndexes.length = 0;
    this.undoCounters.length = 0;
    try {
      projection.evolve(this, event);
      return APPLIED;
    } catch (error) {
      this.undo();
      if (error instanceof NotLoaded) {
        this.misses += 1;
        return error;
      }
      return { ok: false, error };
    }
  }

  /** `tryApply`, loading what evolve reads without having announced it. */
  async apply(projection: Projection, event: RecordedEvent): Promise<EventOutcome> {
    for (;;) {
      const outcome = this.tryApply(projection, event);
      if (!(outcome instanceof NotLoaded)) return outcome;
      await this.loadMissing(outcome);
    }
  }

  loadMissing(missing: NotLoaded): Promise<void> {
    return missing.collection === undefined
      ? this.load([], [missing.id])
      : this.load([{ collection: missing.collection, id: missing.id }], []);
  }

  private set(key: string, entry: Entry): void {
    this.undoDocs.push([key, this.docs.get(key)]);
    this.docs.set(key, entry);
  }

  private undo(): void {
    for (let i = this.undoDocs.length - 1; i >= 0; i--) {
      const [key, previous] = this.undoDocs[i]!;
      if (previous === undefined) this.docs.delete(key);
      else this.docs.set(key, previous);
    }
    for (let i = this.undoIndexes.length - 1; i >= 0; i--) {
      const [members, member, previous] = this.undoIndexes[i]!;
      if (previous === undefined) members.delete(member);
      else members.set(member, previous);
    }
    for (let i = this.undoCounters.length - 1; i >= 0; i--) {
      const [counter, previous] = this.undoCounters[i]!;
      if (previous === undefined) this.counterValues.delete(counter);
      else this.counterValues.set(counter, previous);
    }
  }

  /** Every change of the batch as absolute values (documents, index scores, counter values). */
  encode(): EncodedWrite {
    const keys: string[] = [];
    const args: (string | number)[] = [];
    const byCollection = new Map<string, { sets: string[]; dels: string[] }>();
    for (const [key, entry] of this.docs) {
      const at = key.indexOf(SEP);
      const collection = key.slice(0, at);
      const id = key.slice(at + 1);
      let ops = byCollection.get(collection);
      if (ops === undefined) {
        ops = { sets: [], dels: [] };
        byCollection.set(collection, ops);
      }
      if (entry.doc === undefined) ops.dels.push(id);
      else ops.sets.push(id, JSON.stringify(entry.doc));
    }
    for (const [collection, { sets, dels }] of byCollection) {
      keys.push(this.keys.collection(collection));
      pushPairs(args, 'h', sets, dels);
    }
    for (const [index, members] of this.indexes) {
      if (members.size === 0) continue;
      keys.push(this.keys.index(index));
      const pairs: string[] = [];
      for (const [member, score] of members) pairs.push(String(score), member);
      pushPairs(args, 'z', pairs, []);
    }
    if (this.counterValues.size > 0) {
      keys.push(this.keys.counters);
      const pairs: string[] = [];
      for (const [counter, value] of this.counterValues) pairs.push(counter, String(value));
      pushPairs(args, 'h', pairs, []);
    }
    return { keys, args };
  }

  get changed(): boolean {
    return this.docs.size > 0 || this.indexes.size > 0 || this.counterValues.size > 0;
  }

  private async load(refs: readonly DocRef[], counters: readonly string[]): Promise<void> {
    const wanted = new Map<string, Set<string>>();
    for (const { collection, id } of refs) {
      if (this.loaded.has(docKey(collection, id))) continue;
      let ids = wanted.get(collection);
      if (ids === undefined) {
        ids = new Set();
        wanted.set(collection, ids);
      }
      ids.add(id);
    }
    const counterNames = [...new Set(counters)].filter((name) => !this.loadedCounters.has(name));
    if (wanted.size === 0 && counterNames.length === 0) return;
    const pipeline = this.redis.pipeline();
    const order: [string, string[]][] = [];
    for (const [collection, ids] of wanted) {
      const list = [...ids];
      order.push([collection, list]);
      pipeline.hmget(this.keys.collection(collection), ...list);
    }
    if (counterNames.length > 0) pipeline.hmget(this.keys.counters, ...counterNames);
    const replies = (await pipeline.exec()) ?? [];
    const values = replies.map(([error, value]) => {
      if (error !== null) throw error;
      return value as (string | null)[];
    });
    order.forEach(([collection, ids], i) => {
      const found = values[i] ?? [];
      ids.forEach((id, j) => this.loaded.set(docKey(collection, id), { json: found[j] ?? null }));
    });
    if (counterNames.length > 0) {
      const found = values[order.length] ?? [];
      counterNames.forEach((name, j) => {
        const raw = found[j];
        this.loadedCounters.set(name, raw === null || raw === undefined ? 0 : Number(raw));
      });
    }
  }
}

/** Joins a packed key's strings; JSON text never holds it raw (JSON.stringify escapes U+0000). */
const PACK_SEPARATOR = '\u0000';

/**
 * Whether a name of the pairs (a hash's field, a sorted set's member) holds the separator. Only names are looked at:
 * a hash's values are document JSON or counter numbers and a score is a number, none of which can hold it.
 */
function namesHoldSeparator(kind: 'h' | 'z', pairs: readonly string[]): boolean {
  for (let i = kind === 'h' ? 0 : 1; i < pairs.length; i += 2) {
    if (pairs[i]!.includes(PACK_SEPARATOR)) return true;
  }
  return false;
}

/**
 * One data key's changes: its pairs (field value | score member) as one string, joined by U+0000, which the
 * script splits, instead of two arguments per pair (each one costs the client its own length scan and protocol
 * framing, the bulk of a batch's encoding), then the fields to delete. Documents are JSON text and cannot hold the
 * separator; a key whose field, member or counter name does (any text is allowed there) goes pair by pair, as
 * plain arguments.
 */
function pushPairs(
  args: (string | number)[],
  kind: 'h' | 'z',
  pairs: readonly string[],
  deletes: readonly string[],
): void {
  if (pairs.length > 0 && !namesHoldSeparator(kind, pairs)) {
    args.push(kind === 'z' ? 'Z' : 'H', pairs.join(PACK_SEPARATOR));
  } else {
    args.push(kind, pairs.length / 2);
    for (const value of pairs) args.push(value);
  }
  args.push(deletes.length);
  for (const value of deletes) args.push(value);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
