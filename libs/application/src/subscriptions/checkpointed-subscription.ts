import type { Redis } from 'ioredis';
import { Logger } from '@nestjs/common';
import type { EventFilter, EventStore, Position, RecordedEvent, StoreSubscription } from '@ismap/event-store';
import { START } from '@ismap/event-store';

/**
 * A `$all` subscription that resumes from a checkpoint kept in Redis and writes it after each event is handled,
 * so a crash in between hands the event over again: handlers must be idempotent (derived command or job ids).
 * A failure other than a handled one closes the subscription, waits, and resumes from the checkpoint.
 */
export abstract class CheckpointedSubscription {
  private readonly logger: Logger;
  private subscription: StoreSubscription | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private lastHandled: Position | undefined;

  protected constructor(
    protected readonly store: EventStore,
    protected readonly redis: Redis,
    private readonly checkpointKey: string,
    private readonly what: string,
    private readonly retryDelayMs: number,
  ) {
    this.logger = new Logger(what);
  }

  /** Which events to receive. */
  protected abstract readonly filter: EventFilter;

  /** Handles one event; throwing resumes from the checkpoint after `retryDelayMs`. */
  protected abstract handle(event: RecordedEvent): Promise<void>;

  /** Runs before every (re)subscription, e.g. to load state the handler needs. */
  protected async beforeSubscribe(): Promise<void> {}

  start(): void {
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
    await this.loop;
  }

  /** The position up to which every event has been handled (undefined before the first). */
  checkpoint(): Position | undefined {
    return this.lastHandled;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.beforeSubscribe();
        const from = (await this.redis.get(this.checkpointKey)) ?? START;
        // No onCheckpoint: a checkpoint may only pass events that were handled, not merely delivered.
        const subscription = this.store.subscribeToAll({ fromPosition: from, filter: this.filter });
        this.subscription = subscription;
        for await (const event of subscription) {
          await this.handle(event);
          await this.redis.set(this.checkpointKey, event.position);
          this.lastHandled = event.position;
        }
      } catch (error) {
        if (this.stopped) break;
        this.logger.error({ err: error }, `${this.what} failed; resuming from the checkpoint`);
        await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
      }
    }
  }
}
