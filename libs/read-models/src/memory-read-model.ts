import type { ReadView } from './read-view';
import type { RecordedEvent } from '@ismap/event-store';
import type { Doc, Projection, ReadModelTx } from './projection';

/**
 * One collection's documents by id, in the order they were first put (as a Map keeps them).
 *
 * Ids "1", "2", "3"… put in that order (the audit trail's entries, one per event) are kept in an array for as long
 * as they keep coming that way: a Map of a million entries costs several times more per put (its table grows and is
 * rebuilt, and every entry is one more object for the garbage collector to move). Any other id, or a delete, moves
 * the documents into a Map, once, in the same order.
 */
export class DocTable implements ReadonlyMap<string, Doc> {
  /** `sequence[i]` is the document of id `String(i + 1)`; undefined once the ids stopped being 1, 2, 3… */
  private sequence: Doc[] | undefined = [];
  private readonly byId = new Map<string, Doc>();

  get size(): number {
    return this.sequence === undefined ? this.byId.size : this.sequence.length;
  }

  get(id: string): Doc | undefined {
    if (this.sequence === undefined) return this.byId.get(id);
    const at = sequenceIndex(id);
    return at < this.sequence.length ? this.sequence[at] : undefined;
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  set(id: string, doc: Doc): void {
    const sequence = this.sequence;
    if (sequence !== undefined) {
      if (id === String(sequence.length + 1)) {
        sequence.push(doc);
        return;
      }
      const at = sequenceIndex(id);
      if (at < sequence.length) {
        sequence[at] = doc;
        return;
      }
      this.leaveSequence();
    }
    this.byId.set(id, doc);
  }

  delete(id: string): boolean {
    if (this.sequence !== undefined) this.leaveSequence();
    return this.byId.delete(id);
  }

  *entries(): MapIterator<[string, Doc]> {
    if (this.sequence === undefined) {
      yield* this.byId.entries();
      return;
    }
    const sequence = this.sequence;
    for (let i = 0; i < sequence.length; i++) yield [String(i + 1), sequence[i]!];
  }

  *keys(): MapIterator<string> {
    for (const [id] of this.entries()) yield id;
  }

  values(): MapIterator<Doc> {
    return this.sequence === undefined ? this.byId.values() : this.sequence.values();
  }

  [Symbol.iterator](): MapIterator<[string, Doc]> {
    return this.entries();
  }

  forEach(callback: (doc: Doc, id: string, table: ReadonlyMap<string, Doc>) => void): void {
    for (const [id, doc] of this.entries()) callback(doc, id, this);
  }

  private leaveSequence(): void {
    const sequence = this.sequence!;
    this.sequence = undefined;
    for (let i = 0; i < sequence.length; i++) this.byId.set(String(i + 1), sequence[i]!);
  }
}

/** The array index of an id "1", "2", "3"… (written as String(n) writes it); MAX_SAFE_INTEGER for any other id. */
function sequenceIndex(id: string): number {
  const n = Number(id);
  return Number.isSafeInteger(n) && n >= 1 && String(n) === id ? n - 1 : Number.MAX_SAFE_INTEGER;
}

/**
 * A read model held in memory: the time-travel queries replay the log into it with the very projection code the
 * runner uses for Redis, and unit tests of `evolve` run against it. Stored documents are frozen (shallowly, in place:
 * a copy per put would cost more than the replay itself), so a projection cannot change one behind the
 * transaction's back; projections build new documents instead of editing old ones.
 */
export class MemoryReadModel implements ReadModelTx {
  readonly collections = new Map<string, DocTable>();
  readonly counters = new Map<string, number>();
  /** Indexes someone has read: member → score, kept up to date from then on. */
  private readonly built = new Map<string, Map<string, number>>();
  /**
   * Index writes not read yet, in order (member, score, member, score…). A replay writes far more index entries than
   * anyone reads (the audit trail files every event under five indexes; a time-travel query walks one), and
   * appending to an array costs a fraction of a map insertion, so the map of an index is built on its first read.
   */
  private readonly pending = new Map<string, (string | number)[]>();

  get(collection: string, id: string): Doc | undefined {
    return this.collections.get(collection)?.get(id);
  }

  put(collection: string, id: string, doc: Doc): void {
    let docs = this.collections.get(collection);
    if (docs === undefined) {
      docs = new DocTable();
      this.collections.set(collection, docs);
    }
    // Frozen where it is, as RedisReadModelTx does: evolve hands over a document it built and keeps no claim on it, so
    // a copy per put would only feed the garbage collector.
    docs.set(id, Object.freeze(doc));
  }

  delete(collection: string, id: string): void {
    this.collections.get(collection)?.delete(id);
  }

  index(index: string, member: string, score: number): void {
    const log = this.pending.get(index);
    if (log !== undefined) {
      log.push(member, score);
      return;
    }
    const members = this.built.get(index);
    if (members !== undefined) members.set(member, score);
    else this.pending.set(index, [member, score]);
  }

  increment(counter: string, by = 1): number {
    const value = (this.counters.get(counter) ?? 0) + by;
    this.counters.set(counter, value);
    return value;
  }

  /** Every index as member → score (a later write of a member moves it, as ZADD does). */
  get indexes(): Map<string, Map<string, number>> {
    for (const index of [...this.pending.keys()]) this.indexOf(index);
    return this.built;
  }

  /** One index as member → score; undefined when nothing was ever filed under it. */
  indexOf(index: string): ReadonlyMap<string, number> | undefined {
    const log = this.pending.get(index);
    if (log === undefined) return this.built.get(index);
    const members = new Map<string, number>();
    for (let i = 0; i < log.length; i += 2) members.set(log[i] as string, log[i + 1] as number);
    this.pending.delete(index);
    this.built.set(index, members);
    return members;
  }

  all(collection: string): Doc[] {
    return [...(this.collections.get(collection)?.values() ?? [])];
  }

  /** Index members in score order. */
  members(index: string): string[] {
    return [...(this.indexOf(index)?.entries() ?? [])].sort((a, b) => a[1] - b[1]).map(([member]) => member);
  }

  apply(projection: Projection, event: RecordedEvent): void {
    if (projection.eventTypes !== undefined && !projection.eventTypes.includes(event.type)) return;
    projection.evolve(this, event);
  }
}

/** The in-memory model as a ReadView, for the same query functions the API runs against Redis. */
export function memoryView(model: MemoryReadModel): ReadView {
  return {
    get: (collection, id) => Promise.resolve(model.get(collection, id)),
    getMany: (collection, ids) => Promise.resolve(ids.map((id) => model.get(collection, id))),
    all: (collection) => Promise.resolve(model.all(collection)),
    counter: (name) => Promise.resolve(model.counters.get(name) ?? 0),
    range: (index, { after, limit, direction = 'forwards' }) => {
      const entries = [...(model.indexOf(index)?.entries() ?? [])]
        .map(([member, score]) => ({ member, score }))
        .filter((e) => after === undefined || (direction === 'forwards' ? e.score > after : e.score < after))
        .sort((a, b) => (direction === 'forwards' ? a.score - b.score : b.score - a.score));
      return Promise.resolve(entries.slice(0, limit));
    },
  };
}
