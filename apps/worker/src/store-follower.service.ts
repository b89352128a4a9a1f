import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Position, StoreSubscription } from '@ismap/event-store';
import { comparePositions, END, EVENT_STORE, type EventStore } from '@ismap/event-store';

type Waiter = { readonly position: Position; readonly resolve: (reached: boolean) => void };

/**
 * Follows the live end of `$all` and knows the newest position this process has seen, whoever appended it
 * (this process, the CLI, another replica). Waiting for a position is how reads will honour X-Min-Log-Position.
 */
@Injectable()
export class StoreFollowerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StoreFollowerService.name);
  private subscription: StoreSubscription | undefined;
  private running: Promise<void> | undefined;
  private latest: Position | undefined;
  private waiters: Waiter[] = [];

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  onApplicationBootstrap(): void {
    const subscription = this.store.subscribeToAll({
      fromPosition: END,
      onCheckpoint: (p) => this.advance(p),
    });
    this.subscription = subscription;
    this.running = (async () => {
      try {
        for await (const event of subscription) this.advance(event.position);
      } catch (error) {
        this.logger.error({ err: error }, 'store subscription ended with an error');
      }
    })();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
    await this.running;
    for (const waiter of this.waiters) waiter.resolve(false);
    this.waiters = [];
  }

  lastSeenPosition(): Position | undefined {
    return this.latest;
  }

  /** Resolves true once an event at or after `position` has been seen, false after `timeoutMs`. */
  waitFor(position: Position, timeoutMs: number): Promise<boolean> {
    if (this.latest !== undefined && comparePositions(this.latest, position) >= 0)
      return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter: Waiter = {
        position,
        resolve: (reached) => {
          clearTimeout(timer);
          resolve(reached);
        },
      };
      this.waiters.push(waiter);
    });
  }

  private advance(position: Position): void {
    if (this.latest !== undefined && comparePositions(position, this.latest) <= 0) return;
    this.latest = position;
    const reached = this.waiters.filter((w) => comparePositions(position, w.position) >= 0);
    if (reached.length === 0) return;
    this.waiters = this.waiters.filter((w) => !reached.includes(w));
    for (const waiter of reached) waiter.resolve(true);
  }
}
