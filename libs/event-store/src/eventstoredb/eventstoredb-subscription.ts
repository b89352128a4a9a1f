import { END, START, eventTypeFilter, streamNameFilter } from '@eventstore/db-client';
import type {
  AllStreamResolvedEvent,
  AllStreamSubscription,
  EventStoreDBClient,
  Filter,
} from '@eventstore/db-client';
import type {
  EventUpcaster,
  Position,
  RecordedEvent,
  StoreSubscription,
  SubscribeToAllOptions,
} from '../event-store.port';
import { comparePositions, isPosition } from '../event-store.port';
import { StoreUnavailableError } from '../errors';
import { acceptsEvent, toRecordedEvent } from './conversions';
import { mapClientError } from './error-mapping';

type Item =
  | { readonly kind: 'event'; readonly event: RecordedEvent }
  | { readonly kind: 'checkpoint'; readonly position: Position };

export interface SubscriptionTuning {
  /** Server checkpoints come every `multiplier × 32` events the server looked at (its search window). */
  readonly checkpointIntervalMultiplier: number;
  /** Events buffered ahead of the consumer before the gRPC stream is paused. */
  readonly highWaterMark: number;
  readonly upcast: EventUpcaster;
}

/**
 * The server filters on one dimension (event type or stream name) and always excludes system events; the other
 * dimension, if given, is checked here. Server checkpoints stay truthful under the narrower client-side filter.
 */
function serverFilter(
  options: SubscribeToAllOptions,
  tuning: SubscriptionTuning,
  checkpointReached: Filter['checkpointReached'],
): Filter {
  const common = { checkpointInterval: tuning.checkpointIntervalMultiplier, checkpointReached };
  const types = options.filter?.eventTypePrefixes ?? [];
  const streams = options.filter?.streamNamePrefixes ?? [];
  if (types.length > 0) return eventTypeFilter({ prefixes: [...types], ...common });
  if (streams.length > 0) return streamNameFilter({ prefixes: [...streams], ...common });
  return eventTypeFilter({ regex: '^[^$]', ...common });
}

/**
 * Adapts the client's catch-up subscription (a Node stream plus a checkpoint callback) to the port's
 * AsyncIterable. Events and checkpoints travel through one queue, so `onCheckpoint` runs only after the consumer
 * has taken every event before it: a checkpoint stored from there never skips an undelivered event.
 */
export class EventStoreDbSubscription implements StoreSubscription {
  private readonly queue: Item[] = [];
  private readonly stream: AllStreamSubscription;
  private failure: Error | undefined;
  private closed = false;
  private paused = false;
  private waiter: (() => void) | undefined;
  /** Highest position delivered or checkpointed; checkpoints at or below it would only move a consumer back. */
  private mark: bigint | undefined;
  private iterated = false;

  constructor(
    client: EventStoreDBClient,
    private readonly options: SubscribeToAllOptions,
    private readonly tuning: SubscriptionTuning,
    private readonly onClosed: (subscription: EventStoreDbSubscription) => void,
  ) {
    const from = options.fromPosition ?? START;
    let fromPosition: typeof START | typeof END | { commit: bigint; prepare: bigint };
    if (from === START || from === END) {
      fromPosition = from;
    } else {
      if (!isPosition(from)) throw new RangeError(`Not a log position: ${from}`);
      this.mark = BigInt(from);
      // Single node: an event's prepare position equals its commit position.
      fromPosition = { commit: BigInt(from), prepare: BigInt(from) };
    }
    this.stream = client.subscribeToAll({
      fromPosition,
      filter: serverFilter(options, tuning, (_subscription, position) =>
        this.onServerCheckpoint(position.commit),
      ),
    });
    this.stream.on('data', (resolved: AllStreamResolvedEvent) => this.onEvent(resolved));
    this.stream.on('error', (error: unknown) => this.fail(mapClientError(error)));
    this.stream.on('end', () => this.fail(new StoreUnavailableError('EventStoreDB ended the subscription')));
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    if (this.iterated) throw new Error('A store subscription can be iterated once');
    this.iterated = true;
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.wake();
    this.onClosed(this);
    try {
      await this.stream.unsubscribe();
    } catch {
      // The stream may already have failed; there is nothing left to release.
    }
  }

  private async next(): Promise<IteratorResult<RecordedEvent>> {
    for (;;) {
      if (this.closed) return { done: true, value: undefined };
      const item = this.queue.shift();
      if (item !== undefined) {
        if (this.paused && this.queue.length <= this.tuning.highWaterMark / 2) {
          this.paused = false;
          this.stream.resume();
        }
        const position = BigInt(item.kind === 'event' ? item.event.position : item.position);
        if (item.kind === 'event') {
          this.mark = position;
          return { done: false, value: item.event };
        }
        if (this.mark === undefined || position > this.mark) {
          this.mark = position;
          await this.options.onCheckpoint?.(item.position);
        }
        continue;
      }
      if (this.failure !== undefined) throw this.failure;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  private onEvent(resolved: AllStreamResolvedEvent): void {
    const event = resolved.event;
    if (this.closed || event === undefined) return;
    if (!acceptsEvent(this.options.filter, event.type, event.streamId)) return;
    try {
      this.push({ kind: 'event', event: this.tuning.upcast(toRecordedEvent(event)) });
    } catch (error) {
      this.fail(error);
    }
    if (!this.paused && this.queue.length >= this.tuning.highWaterMark) {
      this.paused = true;
      this.stream.pause();
    }
  }

  /**
   * Awaited by the client before it transforms the next server message. Events before the checkpoint may still sit
   * in the client stream's buffer; the checkpoint joins the queue only after they have.
   */
  private async onServerCheckpoint(commit: bigint): Promise<void> {
    await this.bufferDrained();
    if (this.closed) return;
    const position = commit.toString(10);
    const last = this.queue[this.queue.length - 1];
    // A newer checkpoint makes a pending older one redundant.
    if (last?.kind === 'checkpoint' && comparePositions(last.position, position) < 0) this.queue.pop();
    this.push({ kind: 'checkpoint', position });
  }

  private bufferDrained(): Promise<void> {
    if (this.stream.readableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.stream.readableLength > 0 && !this.closed && !this.stream.destroyed) return;
        this.stream.off('data', check);
        this.stream.off('close', check);
        resolve();
      };
      this.stream.on('data', check);
      this.stream.on('close', check);
    });
  }

  private push(item: Item): void {
    this.queue.push(item);
    this.wake();
  }

  private fail(error: unknown): void {
    if (this.closed || this.failure !== undefined) return;
    this.failure =
      error instanceof Error ? error : new StoreUnavailableError('Subscription failed', { cause: error });
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
