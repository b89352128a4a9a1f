import type { Redis } from 'ioredis';
import { DomainError } from '@ismap/domain';
import type { EventStore, RecordedEvent } from '@ismap/event-store';
import { CheckpointedSubscription } from '../subscriptions/checkpointed-subscription';
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
export class ReactionProcessManager extends CheckpointedSubscription {
  protected readonly filter = { eventTypePrefixes: [...REACTING_EVENT_TYPES] };

  constructor(
    store: EventStore,
    redis: Redis,
    private readonly runner: ReactionRunner,
    private readonly keyPrefix: string,
    retryDelayMs = 1000,
  ) {
    super(store, redis, reactionKeys(keyPrefix).checkpoint, 'reaction subscription', retryDelayMs);
  }

  protected async handle(event: RecordedEvent): Promise<void> {
    try {
      await this.runner.react(event);
    } catch (error) {
      // A business rule refusing a reaction will refuse it again: park it for an operator, go on.
      if (!(error instanceof DomainError)) throw error;
      await this.redis.rpush(
        reactionKeys(this.keyPrefix).parked,
        JSON.stringify({
          eventId: event.id,
          position: event.position,
          type: event.type,
          code: error.code,
          message: error.message,
        }),
      );
    }
  }
}
