import { createHash } from 'node:crypto';
import type { Actor, EventStore, RecordedEvent } from '@ismap/event-store';
import {
  EventIdConflictError,
  StreamNotFoundError,
  WrongExpectedVersionError,
  deriveEventId,
} from '@ismap/event-store';
import { tokyoDateOf } from '@ismap/domain';

/** What a replayed request gets back: the first response, as it was sent. */
export interface StoredResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

export type IdempotencyClaim =
  | { readonly status: 'claimed'; readonly commandId: string }
  | { readonly status: 'completed'; readonly response: StoredResponse }
  | { readonly status: 'in_progress'; readonly retryAfterSeconds: number };

/** The key was used before for a different request. */
export class IdempotencyKeyReusedError extends Error {
  constructor() {
    super('This Idempotency-Key was already used with a different request');
    this.name = 'IdempotencyKeyReusedError';
  }
}

const CLAIMED = 'IdempotencyKeyClaimed';
const RESPONDED = 'IdempotentResponseRecorded';
const RELEASED = 'IdempotencyKeyReleased';

/**
 * Idempotency keys kept in the event store itself (stream category `idempotency`), so they are as durable as
 * the events they guard and survive restarts on either adapter. A claim older than the lease may be taken over:
 * the command's id derives from the key, so executing it again appends nothing new.
 */
export class IdempotencyStore {
  constructor(
    private readonly store: EventStore,
    private readonly leaseMs = 30_000,
  ) {}

  static streamName(scope: string, key: string): string {
    return `idempotency-${createHash('sha256').update(`${scope}\n${key}`).digest('hex').slice(0, 40)}`;
  }

  static commandIdFor(scope: string, key: string): string {
    return deriveEventId(`idempotency:${scope}\n${key}`, 0);
  }

  async claim(
    scope: string,
    key: string,
    requestHash: string,
    actor: Actor,
    now: Date,
  ): Promise<IdempotencyClaim> {
    const streamName = IdempotencyStore.streamName(scope, key);
    const commandId = IdempotencyStore.commandIdFor(scope, key);
    for (let attempt = 0; attempt < 3; attempt++) {
      const events = await this.read(streamName);
      const first = events[0];
      if (first !== undefined && first.data['requestHash'] !== requestHash)
        throw new IdempotencyKeyReusedError();
      const response = events.find((event) => event.type === RESPONDED);
      if (response !== undefined)
        return { status: 'completed', response: response.data['response'] as unknown as StoredResponse };
      const lastClaim = events[events.length - 1];
      if (lastClaim !== undefined && lastClaim.type === CLAIMED) {
        const age = now.getTime() - Date.parse(lastClaim.metadata.recordedAt);
        if (age < this.leaseMs) {
          return {
            status: 'in_progress',
            retryAfterSeconds: Math.max(1, Math.ceil((this.leaseMs - age) / 1000)),
          };
        }
      }
      try {
        await this.store.appendToStream(
          streamName,
          [
            {
              id: deriveEventId(`${commandId}:claim:${events.length}`, 0),
              type: CLAIMED,
              data: { requestHash },
              metadata: this.metadata(actor, commandId, now),
            },
          ],
          { expectedRevision: lastClaim === undefined ? 'no_stream' : lastClaim.revision },
        );
        return { status: 'claimed', commandId };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
      }
    }
    return { status: 'in_progress', retryAfterSeconds: 1 };
  }

  async complete(
    scope: string,
    key: string,
    response: StoredResponse,
    actor: Actor,
    now: Date,
  ): Promise<void> {
    const commandId = IdempotencyStore.commandIdFor(scope, key);
    try {
      await this.store.appendToStream(
        IdempotencyStore.streamName(scope, key),
        [
          {
            id: deriveEventId(`${commandId}:response`, 0),
            type: RESPONDED,
            data: { response: JSON.parse(JSON.stringify(response)) as never },
            metadata: this.metadata(actor, commandId, now),
          },
        ],
        { expectedRevision: 'stream_exists' },
      );
    } catch (error) {
      // A request that took over an expired claim completed too: the first recorded response stands.
      if (!(error instanceof EventIdConflictError)) throw error;
    }
  }

  /** The request failed: the key may be used again for the same request. */
  async release(scope: string, key: string, actor: Actor, now: Date): Promise<void> {
    const streamName = IdempotencyStore.streamName(scope, key);
    const commandId = IdempotencyStore.commandIdFor(scope, key);
    const events = await this.read(streamName);
    const last = events[events.length - 1];
    if (last === undefined || last.type !== CLAIMED) return;
    try {
      await this.store.appendToStream(
        streamName,
        [
          {
            id: deriveEventId(`${commandId}:release:${events.length}`, 0),
            type: RELEASED,
            data: {},
            metadata: this.metadata(actor, commandId, now),
          },
        ],
        { expectedRevision: last.revision },
      );
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
    }
  }

  private async read(streamName: string): Promise<RecordedEvent[]> {
    try {
      return await this.store.readStream(streamName);
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }

  private metadata(actor: Actor, commandId: string, now: Date) {
    const recordedAt = now.toISOString();
    return {
      actor,
      correlationId: commandId,
      causationId: commandId,
      commandId,
      occurredOn: tokyoDateOf(now),
      recordedAt,
      schemaVersion: 1,
      rulesetVersion: 'n/a',
    };
  }
}
