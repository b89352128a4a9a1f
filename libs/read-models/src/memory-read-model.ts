import type { ReadView } from './read-view';
import type { RecordedEvent } from '@ismap/event-store';
import type { Doc, Projection, ReadModelTx } from './projection';

/**
 * A read model held in memory: the time-travel queries replay the log into it with the very projection code the
 * runner uses for Redis, and unit tests of `evolve` run against it. Stored documents are frozen (shallowly, in place:
 * a copy per put would cost more than the replay itself), so a projection cannot change one behind the
 * transaction's back; projections build new documents instead of editing old ones.
 */
export class MemoryReadModel implements ReadModelTx {
  readonly collections = new Map<string, Map<string, Doc>>();
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
      docs = new Map();
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
