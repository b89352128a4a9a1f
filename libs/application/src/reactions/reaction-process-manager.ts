import type { Redis } from 'ioredis';
import { Logger } from '@nestjs/common';
import { DomainError } from '@ismap/domain';
import type { EventStore, Position, StoreSubscription } from '@ismap/event-store';
import { START } from '@ismap/event-store';
import type { ReactionRunner } from './reaction-runner';
import { REACTING_EVENT_TYPES } from './reaction-runner';

export const reactionKeys = (prefix: string) => ({
  checkpoint: `${prefix}checkpoint:reactions`,
  parked: `${prefix}parked:reactions`,
});

/**
 * The durable half of the reactions: a checkpointed `$all` subscription that applies every reaction the log
 * asks for, whether or not the command that caused it got to apply it inline. The checkpoint is written after
 * the reaction, so a crash in between replays the event, and the reaction's derived command id makes that a no-op.
 */
export class ReactionProcessManager {
  private readonly logger = new Logger(ReactionProcessManager.name);
  private subscription: StoreSubscription | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private lastHandled: Position | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly redis: Redis,
    private readonly runner: ReactionRunner,
    private readonly keyPrefix: string,
    private readonly retryDelayMs = 1000,
  ) {}

  private get keys() {
    return reactionKeys(this.keyPrefix);
  }

  start(): void {
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
    await this.loop;
  }

  /** The position up to which every reaction has been applied (undefined before the first). */
  checkpoint(): Position | undefined {
    return this.lastHandled;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const from = (await this.redis.get(this.keys.checkpoint)) ?? START;
        // No onCheckpoint: a checkpoint may only pass events that were handled, not merely delivered.
        const subscription = this.store.subscribeToAll({
          fromPosition: from,
          filter: { eventTypePrefixes: [...REACTING_EVENT_TYPES] },
        });
        this.subscription = subscription;
        for await (const event of subscription) {
          try {
            await this.runner.react(event);
          } catch (error) {
            // A business rule refusing a reaction will refuse it again: park it for an operator, go on.
            if (!(error instanceof DomainError)) throw error;
            await this.redis.rpush(
              this.keys.parked,
              JSON.stringify({
                eventId: event.id,
                position: event.position,
                type: event.type,
                code: error.code,
                message: error.message,
              }),
            );
          }
          await this.save(event.position);
        }
      } catch (error) {
        if (this.stopped) break;
        this.logger.error({ err: error }, 'reaction subscription failed; resuming from the checkpoint');
        await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
      }
    }
  }

  private async save(position: Position): Promise<void> {
    await this.redis.set(this.keys.checkpoint, position);
    this.lastHandled = position;
  }
}
