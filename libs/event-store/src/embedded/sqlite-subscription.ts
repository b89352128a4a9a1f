import type { EventFilter, Position, RecordedEvent, StoreSubscription } from '../event-store.port';
import type { ChangeNotifier } from './change-notifier';

/** One page of the log after a position, as read by the store. */
export interface LogPage {
  readonly events: readonly RecordedEvent[];
  /** Every position up to this one has been looked at (matched or not). Equal to `after` when nothing is new. */
  readonly scannedTo: number;
}

export interface SubscriptionSource {
  readPage(after: number, filter: EventFilter | undefined): LogPage;
  readonly notifier: ChangeNotifier;
  /** Called once when the subscription ends, so the store stops tracking it. */
  detach(subscription: SqliteSubscription): void;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * A pull-based `$all` subscription: a page is read only when the consumer has taken every event of the previous
 * one, so a slow consumer holds at most one page in memory. Catch-up and live are the same loop; live just waits
 * for the notifier when a read finds nothing new.
 */
export class SqliteSubscription implements StoreSubscription {
  private buffer: readonly RecordedEvent[] = [];
  private next = 0;
  private checkpointed: number;
  private closed = false;
  private waiting: { readonly cancel: () => void } | undefined;
  /** Serialises `next()` calls, so concurrent callers cannot read the same page twice. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly source: SubscriptionSource,
    /** Exclusive: the last position already handled by the consumer. */
    private cursor: number,
    private readonly filter: EventFilter | undefined,
    private readonly onCheckpoint: ((position: Position) => void | Promise<void>) | undefined,
    /** Set when the store could not start the subscription; surfaces from the first `next()`. */
    private startError?: Error,
  ) {
    this.checkpointed = cursor;
    if (startError === undefined) {
      source.notifier.acquire();
    } else {
      this.closed = true;
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return {
      next: () => this.enqueue(),
      return: async () => {
        await this.close();
        return DONE;
      },
    };
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.buffer = [];
      this.waiting?.cancel();
      this.source.notifier.release();
      this.source.detach(this);
    }
    return Promise.resolve();
  }

  private enqueue(): Promise<IteratorResult<RecordedEvent>> {
    const result = this.queue.then(() => this.pull());
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async pull(): Promise<IteratorResult<RecordedEvent>> {
    if (this.startError !== undefined) {
      const error = this.startError;
      this.startError = undefined;
      throw error;
    }
    try {
      for (;;) {
        if (this.closed) return DONE;
        const event = this.buffer[this.next];
        if (event !== undefined) {
          this.next += 1;
          return { done: false, value: event };
        }
        // The consumer asked for more, so it has handled everything up to the cursor: only now is the
        // checkpoint true.
        if (this.onCheckpoint !== undefined && this.cursor > this.checkpointed) {
          const position = this.cursor;
          await this.onCheckpoint(String(position));
          this.checkpointed = position;
          continue;
        }
        // Synchronous read, then synchronous registration: no commit can slip in between unnoticed.
        const page = this.source.readPage(this.cursor, this.filter);
        if (page.scannedTo > this.cursor) {
          this.cursor = page.scannedTo;
          this.buffer = page.events;
          this.next = 0;
          continue;
        }
        const wait = this.source.notifier.nextChange();
        this.waiting = wait;
        await wait.changed;
        this.waiting = undefined;
      }
    } catch (error) {
      const wasClosed = this.closed;
      await this.close();
      // A store closed under a live subscription ends it quietly; anything else is the consumer's business.
      if (wasClosed) return DONE;
      throw error;
    }
  }
}
