import type { RecordedEvent } from '@ismap/event-store';

/** A JSON document of a read model (plain data: strings, numbers, booleans, null, arrays, objects). */
export type Doc = { readonly [key: string]: unknown };

/** The address of one document: a collection (one Redis hash per collection) and the document's id in it. */
export interface DocRef {
  readonly collection: string;
  readonly id: string;
}

/**
 * What `evolve` may do to a read model. Reads are served only from documents the projection named in
 * `prefetch` (or wrote earlier in the same batch): evolve stays synchronous and free of I/O, and the runner
 * knows every document it must load before a batch and write after it.
 */
export interface ReadModelTx {
  get(collection: string, id: string): Doc | undefined;
  put(collection: string, id: string, doc: Doc): void;
  delete(collection: string, id: string): void;
  /** Adds (or moves) a member of a sorted index, e.g. the audit trail by sequence. */
  index(index: string, member: string, score: number): void;
  /** A counter shared by the projection (e.g. the audit trail's sequence); returns the new value. */
  increment(counter: string, by?: number): number;
}

export interface Projection {
  /** Stable name: part of every key the projection writes. */
  readonly name: string;
  /** Bump when evolve changes meaning: the projection is then rebuilt into a new key space. */
  readonly version: number;
  /** Event types it wants; undefined = every event. */
  readonly eventTypes?: readonly string[];
  /**
   * Event types that describe who someone is (a provider's name) rather than what happened on a date: a replay
   * "as of" a business date applies them whatever their date, so a provider entered late still names its 2021
   * services.
   */
  readonly identityEventTypes?: readonly string[];
  /** What happens when evolve throws: `continue` parks the event and goes on; `stop` parks it and halts. */
  readonly onError: 'continue' | 'stop';
  /** The documents evolve will read for this event (documents it only writes need not be named). */
  prefetch(event: RecordedEvent): readonly DocRef[];
  /** Counters evolve will read or increment for this event. */
  counters?(event: RecordedEvent): readonly string[];
  /** Pure: applies one event to the read model through the transaction. */
  evolve(tx: ReadModelTx, event: RecordedEvent): void;
}
