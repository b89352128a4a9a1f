/**
 * The event store port. Both adapters (embedded SQLite, EventStoreDB) implement it with the same semantics,
 * proven by the contract suite in ./contract.
 */

/**
 * A global log position. Opaque to callers: they hand it back (X-Log-Position, X-Min-Log-Position, checkpoints)
 * and compare it only through `comparePositions`. Both adapters encode it as the decimal string of an unsigned
 * 64-bit integer (the embedded store's sequence, EventStoreDB's commit position).
 */
export type Position = string;

export const START = 'start' as const;
export const END = 'end' as const;

/** `any`: no check; `no_stream`: the stream must not exist; `stream_exists`: it must; a number: its last revision. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface Actor {
  readonly sub: string;
  readonly roles: readonly string[];
  readonly org?: string;
}

export interface EventMetadata {
  readonly actor: Actor;
  readonly correlationId: string;
  readonly causationId: string;
  readonly commandId: string;
  /** Business date (YYYY-MM-DD, Asia/Tokyo) on which the fact happened. */
  readonly occurredOn: string;
  /** Instant (ISO-8601 UTC) at which the fact was recorded. */
  readonly recordedAt: string;
  readonly schemaVersion: number;
  readonly rulesetVersion: string;
  readonly [extension: string]: unknown;
}

export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type EventData = { readonly [key: string]: JsonValue };

export interface EventToAppend {
  /** UUID; derive it with `deriveEventId(commandId, index)` so that a retried command cannot append twice. */
  readonly id: string;
  /** Stable persisted type string, never a class name. */
  readonly type: string;
  readonly data: EventData;
  readonly metadata: EventMetadata;
}

export interface RecordedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: EventData;
  readonly metadata: EventMetadata;
  readonly streamName: string;
  /** 0-based revision of the event in its stream. */
  readonly revision: number;
  readonly position: Position;
}

export interface AppendResult {
  /** The stream's revision after the append (the revision of its last event). */
  readonly nextExpectedRevision: number;
  /** The position of the last appended event. */
  readonly position: Position;
}

export type Direction = 'forwards' | 'backwards';

/**
 * Turns an event recorded under an older schema into the current shape on read (readStream, readAll,
 * subscribeToAll), so projections, deciders and replays see only the latest shape; what is stored, and what its
 * hash covers, never changes. The composition root passes the domain's upcasters when it opens a store. Must
 * return the event itself, cheaply, when nothing applies.
 */
export type EventUpcaster = (event: RecordedEvent) => RecordedEvent;

/** Leaves events as they come. */
export const NO_UPCASTING: EventUpcaster = (event) => event;

export interface ReadStreamOptions {
  readonly direction?: Direction;
  /** Inclusive. Default: `start` forwards, `end` backwards. */
  readonly fromRevision?: number | typeof START | typeof END;
  readonly maxCount?: number;
  /** The events exactly as stored, not upcast: what their hashes cover (verification, export). */
  readonly asStored?: boolean;
}

export interface EventFilter {
  readonly eventTypePrefixes?: readonly string[];
  readonly streamNamePrefixes?: readonly string[];
}

export interface ReadAllOptions {
  readonly direction?: Direction;
  /** Inclusive. Default: `start` forwards, `end` backwards. */
  readonly fromPosition?: Position | typeof START | typeof END;
  readonly maxCount?: number;
  readonly filter?: EventFilter;
  /** The events exactly as stored, not upcast: what their hashes cover (verification, export). */
  readonly asStored?: boolean;
}

export interface SubscribeToAllOptions {
  /** Exclusive: the subscription delivers events strictly after this position (a stored checkpoint). */
  readonly fromPosition?: Position | typeof START | typeof END;
  readonly filter?: EventFilter;
  /**
   * Called with a position up to which every event matching the filter has been delivered, also when nothing
   * matched, so a filtered consumer can move its checkpoint over long runs of events it does not want.
   */
  readonly onCheckpoint?: (position: Position) => void | Promise<void>;
}

/** Catch-up then live. Iterate it; `close()` ends the iteration. Errors surface from the iterator. */
export interface StoreSubscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

export interface EventStore {
  appendToStream(
    streamName: string,
    events: readonly EventToAppend[],
    options: { readonly expectedRevision: ExpectedRevision },
  ): Promise<AppendResult>;
  /** @throws StreamNotFoundError when the stream has no events. */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options?: SubscribeToAllOptions): StoreSubscription;
  /** Resolves when the store answers; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Injection token for the EventStore port. */
export const EVENT_STORE = Symbol.for('ismap.EventStore');

export function comparePositions(a: Position, b: Position): -1 | 0 | 1 {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function isPosition(value: string): boolean {
  return /^(0|[1-9][0-9]{0,19})$/.test(value) && BigInt(value) <= 0xffffffffffffffffn;
}
