import type { EventStore, Position, RecordedEvent, StoreSubscription } from '@ismap/event-store';
import { START } from '@ismap/event-store';
import { positionAfter } from './positions';

export interface Batch {
  /** The events the projection wants, in log order. */
  readonly events: readonly RecordedEvent[];
  /**
   * Every event of the log up to here is in this batch or an earlier one, or was not wanted: the checkpoint to
   * store with the batch. Beyond the last event when the subscription reported scanning past unwanted ones.
   */
  readonly through: Position | undefined;
  /** The subscription had nothing more ready: the batch reaches what the store had when it was cut. */
  readonly caughtUp: boolean;
}

const NOT_READY = Symbol('not ready');

/**
 * A `$all` subscription cut into batches. A batch ends at `maxBatch` events or as soon as the subscription has
 * nothing ready (the next event is not already in hand by the time the event loop turns), so catch-up writes full
 * batches and live events are written at once. Nothing is pulled while the caller writes a batch: at most one
 * `next()` is outstanding, and the subscription itself holds at most one page, so memory stays bounded however
 * far behind the projection is.
 */
export class BatchSource {
  private readonly subscription: StoreSubscription;
  private readonly iterator: AsyncIterator<RecordedEvent>;
  private pending: Promise<IteratorResult<RecordedEvent>> | undefined;
  private tick: Promise<typeof NOT_READY> | undefined;
  private through: Position | undefined;
  /** `through` as last handed out: a checkpoint that moved since (over unwanted events) is worth a batch. */
  private handedOut: Position | undefined;
  private ended = false;
  private checkpointed: (() => void) | undefined;

  constructor(
    store: EventStore,
    from: Position | undefined,
    private readonly eventTypes: ReadonlySet<string> | undefined,
    private readonly maxBatch: number,
  ) {
    this.through = from;
    this.handedOut = from;
    this.subscription = store.subscribeToAll({
      fromPosition: from ?? START,
      // Prefix filter on the server; `eventTypes` is checked exactly below.
      ...(eventTypes === undefined ? {} : { filter: { eventTypePrefixes: [...eventTypes] } }),
      onCheckpoint: (position) => {
        this.advance(position);
        this.checkpointed?.();
      },
    });
    this.iterator = this.subscription[Symbol.asyncIterator]();
  }

  /**
   * The next batch, or `nothing` when the subscription had nothing ready and has not moved (then `waitForMore`),
   * or `ended` when the subscription ended (it should not: it is catch-up then live).
   */
  async next(): Promise<Batch | 'nothing' | 'ended'> {
    if (this.ended) return 'ended';
    const events: RecordedEvent[] = [];
    for (;;) {
      if (events.length >= this.maxBatch) return this.batch(events, false);
      this.pending ??= this.iterator.next();
      const result = await Promise.race([this.pending, this.ready()]);
      if (result === NOT_READY) {
        if (events.length > 0 || this.through !== this.handedOut) return this.batch(events, true);
        return 'nothing';
      }
      this.pending = undefined;
      if (result.done === true) {
        this.ended = true;
        return events.length > 0 ? this.batch(events, true) : 'ended';
      }
      const event = result.value;
      this.advance(event.position);
      if (this.eventTypes === undefined || this.eventTypes.has(event.type)) events.push(event);
    }
  }

  /** Resolves when the subscription has something (an event, a checkpoint, its end) or `idle` resolves first. */
  async waitForMore(idle: Promise<void>): Promise<void> {
    this.pending ??= this.iterator.next();
    const checkpointed = new Promise<void>((resolve) => (this.checkpointed = resolve));
    try {
      await Promise.race([this.pending.then(() => undefined), checkpointed, idle]);
    } finally {
      this.checkpointed = undefined;
    }
  }

  async close(): Promise<void> {
    // A next() still outstanding settles (done) when the subscription closes; nobody awaits it any more.
    this.pending?.catch(() => undefined);
    await this.subscription.close();
  }

  private batch(events: readonly RecordedEvent[], caughtUp: boolean): Batch {
    this.handedOut = this.through;
    return { events, through: this.through, caughtUp };
  }

  private advance(position: Position): void {
    if (positionAfter(position, this.through)) this.through = position;
  }

  /** Resolves after the current macrotask: whatever the subscription had in hand has been delivered by then. */
  private ready(): Promise<typeof NOT_READY> {
    this.tick ??= new Promise((resolve) =>
      setImmediate(() => {
        this.tick = undefined;
        resolve(NOT_READY);
      }),
    );
    return this.tick;
  }
}
