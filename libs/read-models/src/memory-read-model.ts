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
  readonly indexes = new Map<string, Map<string, number>>();
  readonly counters = new Map<string, number>();

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
    let members = this.indexes.get(index);
    if (members === undefined) {
      members = new Map();
      this.indexes.set(index, members);
    }
    members.set(member, score);
  }

  increment(counter: string, by = 1): number {
    const value = (this.counters.get(counter) ?? 0) + by;
    this.counters.set(counter, value);
    return value;
  }

  all(collection: string): Doc[] {
    return [...(this.collections.get(collection)?.values() ?? [])];
  }

  /** Index members in score order. */
  members(index: string): string[] {
    return [...(this.indexes.get(index)?.entries() ?? [])]
      .sort((a, b) => a[1] - b[1])
      .map(([member]) => member);
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
      const entries = [...(model.indexes.get(index)?.entries() ?? [])]
        .map(([member, score]) => ({ member, score }))
        .filter((e) => after === undefined || (direction === 'forwards' ? e.score > after : e.score < after))
        .sort((a, b) => (direction === 'forwards' ? a.score - b.score : b.score - a.score));
      return Promise.resolve(entries.slice(0, limit));
    },
  };
}
