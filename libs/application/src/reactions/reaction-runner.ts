import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Reaction } from '@ismap/domain';
import {
  applicationDecider,
  applicationStreamName,
  auditBodyDecider,
  auditBodyStreamName,
  reactionsTo,
  serviceDecider,
  serviceStreamName,
} from '@ismap/domain';
import type { RecordedEvent } from '@ismap/event-store';
import {
  comparePositions,
  deriveEventId,
  EVENT_STORE,
  EventIdConflictError,
  WrongExpectedVersionError,
  type EventStore,
  type Position,
} from '@ismap/event-store';
import { handleCommand } from '../commands/handle-command';

/** The later of two positions (the second may be absent). */
export function newest(a: Position, b: Position | undefined): Position {
  return b !== undefined && comparePositions(b, a) > 0 ? b : a;
}

export const REACTION_ACTOR = { sub: 'system:reactions', roles: ['system'] } as const;

/**
 * Event types whose reactions exist; the process manager subscribes to exactly these. A heavy ruling's effect
 * comes from its RulingConfirmed (four eyes), every other ruling's from its RulingRecorded.
 */
export const REACTING_EVENT_TYPES = [
  'RulingRecorded',
  'RulingConfirmed',
  'ApplicationSubmitted',
  'ApplicationWithdrawn',
] as const;

const MAX_CONFLICT_RETRIES = 5;

/**
 * Applies the cross-aggregate effects of an event (docs/adr/0004). Idempotent: each reaction's command id derives
 * from the causing event's id, so running it twice — inline after the command and again from the process
 * manager's subscription, or again after a crash — appends its events once.
 */
@Injectable()
export class ReactionRunner {
  private readonly logger = new Logger(ReactionRunner.name);

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** Applies the event's reactions; returns the newest log position they reached (undefined when there were none). */
  async react(event: RecordedEvent, now: Date = new Date()): Promise<Position | undefined> {
    const reactions = reactionsTo(event);
    let newest: Position | undefined;
    for (const [index, reaction] of reactions.entries()) {
      const position = await this.apply(event, reaction, deriveEventId(`reaction:${event.id}`, index), now);
      if (newest === undefined || comparePositions(position, newest) > 0) newest = position;
    }
    return newest;
  }

  private async apply(
    cause: RecordedEvent,
    reaction: Reaction,
    commandId: string,
    now: Date,
  ): Promise<Position> {
    const metadata = {
      commandId,
      actor: REACTION_ACTOR,
      correlationId: cause.metadata.correlationId,
      causationId: cause.id,
      occurredOn: reaction.occurredOn,
      now: now.toISOString(),
    };
    for (let attempt = 0; ; attempt++) {
      try {
        switch (reaction.target) {
          case 'application':
            return (
              await handleCommand(
                this.store,
                applicationStreamName(reaction.id),
                applicationDecider,
                reaction.command,
                metadata,
              )
            ).position;
          case 'service':
            return (
              await handleCommand(
                this.store,
                serviceStreamName(reaction.id),
                serviceDecider,
                reaction.command,
                metadata,
              )
            ).position;
          case 'auditBody':
            return (
              await handleCommand(
                this.store,
                auditBodyStreamName(reaction.id),
                auditBodyDecider,
                reaction.command,
                metadata,
              )
            ).position;
        }
      } catch (error) {
        // Another runner appended first (the embedded store reports the same derived event id recorded at another
        // instant as a conflict): re-reading finds its command id and returns its result.
        const raced = error instanceof WrongExpectedVersionError || error instanceof EventIdConflictError;
        if (raced && attempt < MAX_CONFLICT_RETRIES) continue;
        this.logger.error(
          { err: error, eventId: cause.id, reaction: reaction.command.type },
          'reaction failed',
        );
        throw error;
      }
    }
  }
}
