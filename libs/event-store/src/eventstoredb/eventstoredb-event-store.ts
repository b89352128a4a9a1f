import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  jsonEvent,
} from '@eventstore/db-client';
import type { AppendExpectedRevision, StreamingRead } from '@eventstore/db-client';
import type {
  AppendResult,
  EventStore,
  EventToAppend,
  EventUpcaster,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StoreSubscription,
  SubscribeToAllOptions,
} from '../event-store.port';
import { NO_UPCASTING, isPosition } from '../event-store.port';
import {
  EventIdConflictError,
  InvalidAppendError,
  StoreUnavailableError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../errors';
import {
  assertNoChainLink,
  chainLinks,
  prepareForChain,
  prevHashAfter,
  withoutChainLink,
} from '../integrity/chain-links';
import type { ChainPrepared } from '../integrity/chain-links';
import { GENESIS_HASH } from '../integrity/event-hash';
import { acceptsEvent, canonicalJson, revisionToNumber, toRecordedEvent } from './conversions';
import type { ClientRecorded } from './conversions';
import { mapClientError } from './error-mapping';
import type { ErrorContext } from './error-mapping';
import { EventStoreDbSubscription } from './eventstoredb-subscription';

export interface EventStoreDbEventStoreOptions {
  /**
   * Read back the events of every successful append and compare them with what was sent. EventStoreDB answers a
   * re-append of known event ids with success without looking at their payloads; this read is what turns "same id,
   * different payload" into EventIdConflictError. It costs one read of the appended events per append. Default on.
   */
  readonly verifyAppends?: boolean;
  /** A read that receives nothing for this long is abandoned as StoreUnavailableError. Default 10 s. */
  readonly readIdleTimeoutMs?: number;
  /** Deadline of `ping()`. Default 5 s. */
  readonly pingTimeoutMs?: number;
  /** Server checkpoints of `subscribeToAll` every `multiplier × 32` events looked at. Default 1. */
  readonly checkpointIntervalMultiplier?: number;
  /** Events a subscription buffers ahead of its consumer. Default 256. */
  readonly subscriptionHighWaterMark?: number;
  /** Applied to every event read, unless a read asks for events as stored. Default: none. */
  readonly upcast?: EventUpcaster;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type ClientRead = StreamingRead<{ event?: ClientRecorded }>;

/**
 * The EventStore port over EventStoreDB's gRPC client. Positions are commit positions (equal to prepare
 * positions on a single node); revisions are converted from the client's bigints.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly subscriptions = new Set<EventStoreDbSubscription>();
  private readonly verifyAppends: boolean;
  private readonly readIdleTimeoutMs: number;
  private readonly pingTimeoutMs: number;
  private readonly checkpointIntervalMultiplier: number;
  private readonly subscriptionHighWaterMark: number;
  private readonly upcast: EventUpcaster;
  private closed = false;

  constructor(
    private readonly client: EventStoreDBClient,
    options: EventStoreDbEventStoreOptions = {},
  ) {
    this.verifyAppends = options.verifyAppends ?? true;
    this.readIdleTimeoutMs = options.readIdleTimeoutMs ?? 10_000;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 5_000;
    this.checkpointIntervalMultiplier = options.checkpointIntervalMultiplier ?? 1;
    this.subscriptionHighWaterMark = options.subscriptionHighWaterMark ?? 256;
    this.upcast = options.upcast ?? NO_UPCASTING;
  }

  /** Connects lazily: the first call opens the channel, so start-up does not wait for the server. */
  static fromConnectionString(
    connectionString: string,
    options?: EventStoreDbEventStoreOptions,
  ): EventStoreDbEventStore {
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(connectionString), options);
  }

  static connect(
    connectionString: string,
    options?: EventStoreDbEventStoreOptions,
  ): Promise<EventStoreDbEventStore> {
    return Promise.resolve(EventStoreDbEventStore.fromConnectionString(connectionString, options));
  }

  /**
   * Every event carries its link in the stream's hash chain (metadata `prevHash`, `hash`), computed from the
   * stream's head read just before. The append is made at the revision that head had, so a concurrent writer
   * makes it fail rather than break the chain: with `any`/`stream_exists` the adapter then reads the new head
   * and tries again. A retry of an append that `any`/`stream_exists` already recorded is recognised while its
   * events are still the stream's last ones (the server itself recognises it only while its id cache holds it).
   */
  async appendToStream(
    streamName: string,
    events: readonly EventToAppend[],
    options: { readonly expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    this.assertOpen();
    const { expectedRevision } = options;
    validateAppend(streamName, events, expectedRevision);
    const prepared = events.map(prepareForChain);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.appendAtHead(streamName, events, prepared, expectedRevision);
      } catch (error) {
        const loose = expectedRevision === 'any' || expectedRevision === 'stream_exists';
        const raced = error instanceof WrongExpectedVersionError && error.actual !== 'no_stream';
        if (!loose || !raced || attempt >= MAX_HEAD_RACES) throw error;
      }
    }
  }

  private async appendAtHead(
    streamName: string,
    events: readonly EventToAppend[],
    prepared: readonly ChainPrepared[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    const loose = expectedRevision === 'any' || expectedRevision === 'stream_exists';
    // Newest first; `any`/`stream_exists` read as many events as are sent, to recognise a retry.
    const tail = await this.readTail(streamName, loose ? events.length : 1);
    const head = tail[0];
    const current = head?.revision ?? -1;
    let base: number;
    let clientExpected: AppendExpectedRevision;
    if (loose) {
      if (expectedRevision === 'stream_exists' && head === undefined) {
        throw new WrongExpectedVersionError(streamName, expectedRevision, 'no_stream');
      }
      const retried = retriedTail(streamName, events, tail);
      if (retried !== undefined) return retried;
      base = current;
      clientExpected = head === undefined ? NO_STREAM : BigInt(current);
    } else {
      base = expectedRevision === 'no_stream' ? -1 : expectedRevision;
      if (current < base) {
        // Refused now: were it sent, a writer could fill the gap first and the link computed here would be wrong.
        throw new WrongExpectedVersionError(
          streamName,
          expectedRevision,
          head === undefined ? 'no_stream' : current,
        );
      }
      clientExpected = toClientExpectedRevision(expectedRevision);
    }
    // The server writes only while the stream is still at `base`, whose last event is then `head`. When the
    // stream is past `base` it answers with a retry's first result or refuses, and these links are never stored.
    const links = chainLinks(
      streamName,
      base + 1,
      current === base ? prevHashAfter(head) : GENESIS_HASH,
      prepared,
    );
    const context: ErrorContext = { streamName, expectedRevision };
    const result = await this.call(context, () =>
      this.client.appendToStream(
        streamName,
        events.map((event, index) =>
          jsonEvent({
            id: event.id,
            type: event.type,
            data: event.data,
            metadata: { ...event.metadata, ...links[index] },
          }),
        ),
        { expectedRevision: clientExpected },
      ),
    );
    if (!result.success) {
      // Only with `throwOnAppendFailure=false` in the connection string; the port always throws.
      const actual =
        result.nextExpectedRevision < 0n ? 'no_stream' : revisionToNumber(result.nextExpectedRevision);
      throw new WrongExpectedVersionError(streamName, expectedRevision, actual);
    }
    const nextExpectedRevision = revisionToNumber(result.nextExpectedRevision);
    if (this.verifyAppends) {
      // Should this read fail, the append has still happened; a retry with the same ids is a harmless replay.
      const recorded = await this.readStreamAsStored(streamName, {
        fromRevision: nextExpectedRevision - events.length + 1,
        maxCount: events.length,
      });
      compareStored(streamName, events, recorded);
      return { nextExpectedRevision, position: recorded[recorded.length - 1]!.position };
    }
    if (result.position === undefined) {
      throw new StoreUnavailableError(`EventStoreDB reported no position for the append to ${streamName}`);
    }
    return { nextExpectedRevision, position: result.position.commit.toString(10) };
  }

  /** The stream's last `count` events, newest first; none when the stream does not exist. */
  private async readTail(streamName: string, count: number): Promise<RecordedEvent[]> {
    try {
      return await this.readStreamAsStored(streamName, { direction: 'backwards', maxCount: count });
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const events = await this.readStreamAsStored(streamName, options);
    return options.asStored === true ? events : events.map(this.upcast);
  }

  private async readStreamAsStored(
    streamName: string,
    options: ReadStreamOptions = {},
  ): Promise<RecordedEvent[]> {
    this.assertOpen();
    const direction = options.direction ?? 'forwards';
    const from = options.fromRevision ?? (direction === 'forwards' ? START : END);
    if (typeof from === 'number') assertCount('fromRevision', from);
    if (options.maxCount !== undefined) assertCount('maxCount', options.maxCount);
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const context: ErrorContext = { streamName };
    return this.call(context, async () => {
      const read = this.client.readStream(streamName, {
        direction: direction === 'forwards' ? FORWARDS : BACKWARDS,
        fromRevision: typeof from === 'number' ? BigInt(from) : from,
        maxCount,
      }) as ClientRead;
      const events: RecordedEvent[] = [];
      await this.consume(read, (event) => {
        events.push(toRecordedEvent(event));
        return true;
      });
      return events;
    });
  }

  /**
   * The client's readAll has no server-side filter, so filtering (including system events) happens here while the
   * events stream in, and `maxCount` counts only matching events; the read is cancelled once it has enough.
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const direction = options.direction ?? 'forwards';
    const from = options.fromPosition ?? (direction === 'forwards' ? START : END);
    if (from !== START && from !== END && !isPosition(from))
      throw new RangeError(`Not a log position: ${from}`);
    if (options.maxCount !== undefined) assertCount('maxCount', options.maxCount);
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (maxCount === 0) return [];
    const fromPosition =
      from === START || from === END ? from : { commit: BigInt(from), prepare: BigInt(from) };
    const events: RecordedEvent[] = [];
    const upcast = options.asStored === true ? NO_UPCASTING : this.upcast;
    const take = (event: ClientRecorded): boolean => {
      if (acceptsEvent(options.filter, event.type, event.streamId))
        events.push(upcast(toRecordedEvent(event)));
      return events.length < maxCount;
    };
    return this.call({}, async () => {
      if (direction === 'backwards' && typeof fromPosition === 'object') {
        // The server reads backwards from a position exclusively (it is the end of a record); the port includes it.
        await this.consume(
          this.client.readAll({ direction: FORWARDS, fromPosition, maxCount: 1 }),
          (event) => {
            if (event.position?.commit === fromPosition.commit) take(event);
            return false;
          },
        );
        if (events.length >= maxCount) return events;
      }
      const read = this.client.readAll({
        direction: direction === 'forwards' ? FORWARDS : BACKWARDS,
        fromPosition,
        maxCount: Number.MAX_SAFE_INTEGER,
      }) as ClientRead;
      await this.consume(read, take);
      return events;
    });
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): StoreSubscription {
    this.assertOpen();
    const subscription = new EventStoreDbSubscription(
      this.client,
      options,
      {
        checkpointIntervalMultiplier: this.checkpointIntervalMultiplier,
        highWaterMark: this.subscriptionHighWaterMark,
        upcast: this.upcast,
      },
      (closed) => this.subscriptions.delete(closed),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async ping(): Promise<void> {
    this.assertOpen();
    const read = this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }) as ClientRead;
    try {
      await this.consume(read, () => false, this.pingTimeoutMs);
    } catch (error) {
      const mapped = mapClientError(error);
      if (mapped instanceof StoreUnavailableError) throw mapped;
      throw new StoreUnavailableError(`EventStoreDB did not answer: ${String(error)}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.client.dispose();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('The EventStoreDB store is closed');
  }

  private async call<T>(context: ErrorContext, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw mapClientError(error, context);
    }
  }

  /**
   * Feeds the read's events to `take` until it returns false or the read ends, then releases the gRPC call. A
   * read that receives nothing for `idleTimeoutMs` fails as unavailable: the client sets no deadline on reads.
   */
  private async consume(
    read: ClientRead,
    take: (event: ClientRecorded) => boolean,
    idleTimeoutMs = this.readIdleTimeoutMs,
  ): Promise<void> {
    let finished = false;
    await new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (error?: unknown): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        read.off('data', onData);
        read.off('end', onEnd);
        read.off('error', onError);
        if (error === undefined) resolve();
        else reject(asError(error));
      };
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(
          () => settle(new StoreUnavailableError(`EventStoreDB sent nothing for ${idleTimeoutMs} ms`)),
          idleTimeoutMs,
        );
      };
      const onData = (resolved: { event?: ClientRecorded }): void => {
        arm();
        try {
          if (resolved.event !== undefined && !take(resolved.event)) settle();
        } catch (error) {
          settle(error);
        }
      };
      const onEnd = (): void => settle();
      const onError = (error: unknown): void => settle(error);
      read.on('data', onData);
      read.on('end', onEnd);
      read.on('error', onError);
      arm();
    }).finally(() => {
      // Swallow later errors of a read we abandoned (the cancellation itself is filtered by the client).
      read.on('error', () => undefined);
      if (!read.readableEnded) void read.cancel().catch(() => undefined);
    });
  }
}

/** Appends that lose the race for a stream's head to other writers this many times in a row fail. */
const MAX_HEAD_RACES = 10;

/**
 * `any`/`stream_exists`: when the stream ends with exactly the sent ids, this is a retry of a recorded append and
 * gets its result (after the payload check). Sent ids among the last events otherwise were recorded by another
 * append: refused, as the embedded store refuses them.
 */
function retriedTail(
  streamName: string,
  events: readonly EventToAppend[],
  tail: readonly RecordedEvent[],
): AppendResult | undefined {
  const sentIds = events.map((event) => event.id.toLowerCase());
  const recorded = [...tail].reverse();
  const head = tail[0];
  if (
    head !== undefined &&
    recorded.length === events.length &&
    recorded.every((event, index) => event.id.toLowerCase() === sentIds[index])
  ) {
    compareStored(streamName, events, recorded);
    return { nextExpectedRevision: head.revision, position: head.position };
  }
  const known = recorded.find((event) => sentIds.includes(event.id.toLowerCase()));
  if (known !== undefined) {
    throw new EventIdConflictError(
      known.id,
      `it was recorded at revision ${known.revision} by an earlier append, not by this one`,
    );
  }
  return undefined;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(`Non-error thrown: ${JSON.stringify(error)}`);
}

function toClientExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${name} must be a non-negative integer`);
}

function validateAppend(
  streamName: string,
  events: readonly EventToAppend[],
  expected: ExpectedRevision,
): void {
  if (typeof streamName !== 'string' || streamName.length === 0 || streamName.startsWith('$')) {
    throw new InvalidAppendError(`Invalid stream name: ${JSON.stringify(streamName)}`);
  }
  const valid =
    typeof expected === 'number'
      ? Number.isSafeInteger(expected) && expected >= 0
      : expected === 'any' || expected === 'no_stream' || expected === 'stream_exists';
  if (!valid) throw new InvalidAppendError(`Invalid expected revision: ${String(expected)}`);
  if (events.length === 0) throw new InvalidAppendError(`Append to ${streamName} without events`);
  const ids = new Set<string>();
  for (const event of events) {
    if (!UUID.test(event.id))
      throw new InvalidAppendError(`Event id is not a UUID: ${JSON.stringify(event.id)}`);
    if (ids.has(event.id.toLowerCase())) throw new InvalidAppendError(`Event id ${event.id} appears twice`);
    ids.add(event.id.toLowerCase());
    if (typeof event.type !== 'string' || event.type.length === 0 || event.type.startsWith('$')) {
      throw new InvalidAppendError(`Invalid event type: ${JSON.stringify(event.type)}`);
    }
    assertJsonObject(event.data, `Event ${event.id}: data`);
    assertJsonObject(event.metadata, `Event ${event.id}: metadata`);
    assertNoChainLink(event.metadata, `Event ${event.id}`);
  }
}

/**
 * Refuses what JSON would silently change or cannot hold, so that what is read back equals what was appended
 * (properties holding `undefined` are dropped, as optional fields carry them).
 */
function assertJsonObject(value: unknown, path: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidAppendError(`${path} must be a JSON object`);
  }
  const visit = (inner: unknown, at: string, ancestors: readonly object[]): void => {
    if (typeof inner === 'string' || typeof inner === 'boolean' || inner === null) return;
    if (typeof inner === 'number') {
      if (!Number.isFinite(inner)) throw new InvalidAppendError(`${at} is not a finite number`);
      return;
    }
    if (typeof inner !== 'object')
      throw new InvalidAppendError(`${at} is a ${typeof inner}, which JSON cannot hold`);
    if (ancestors.includes(inner)) throw new InvalidAppendError(`${at} is circular`);
    const path = [...ancestors, inner];
    if (Array.isArray(inner)) {
      inner.forEach((item: unknown, index) => {
        if (item === undefined) throw new InvalidAppendError(`${at}[${index}] is undefined`);
        visit(item, `${at}[${index}]`, path);
      });
      return;
    }
    const prototype: unknown = Object.getPrototypeOf(inner);
    if (prototype !== Object.prototype && prototype !== null) {
      throw new InvalidAppendError(`${at} is not a plain object (no Dates or class instances in events)`);
    }
    for (const [key, item] of Object.entries(inner))
      if (item !== undefined) visit(item, `${at}.${key}`, path);
  };
  visit(value, path, []);
}

/** Re-appended ids come back as success from the server; the payloads decide whether that was a true retry. */
function compareStored(
  streamName: string,
  sent: readonly EventToAppend[],
  stored: readonly RecordedEvent[],
): void {
  sent.forEach((event, index) => {
    const recorded = stored[index];
    if (recorded === undefined || recorded.id.toLowerCase() !== event.id.toLowerCase()) {
      throw new Error(
        `EventStoreDB acknowledged ${event.id} in ${streamName} but does not hold it where it said`,
      );
    }
    const differences = [
      recorded.streamName !== streamName ? 'stream' : undefined,
      recorded.type !== event.type ? 'type' : undefined,
      canonicalJson(recorded.data) !== canonicalJson(event.data) ? 'data' : undefined,
      // The stored metadata also holds the chain link, which the caller never sends.
      canonicalJson(withoutChainLink(recorded.metadata)) !== canonicalJson(event.metadata)
        ? 'metadata'
        : undefined,
    ].filter((difference) => difference !== undefined);
    if (differences.length > 0) {
      throw new EventIdConflictError(
        event.id,
        `stored with a different ${differences.join(', ')} in ${streamName}`,
      );
    }
  });
}
