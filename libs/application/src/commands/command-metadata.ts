import { randomUUID } from 'node:crypto';
import type { Actor } from '@ismap/event-store';
import type { CommandContext } from '@ismap/domain';
import { tokyoDateOf } from '@ismap/domain';

/** Everything a command carries besides its data: who, when (both clocks), and how it is correlated. */
export interface CommandMetadata {
  readonly commandId: string;
  readonly actor: Actor;
  readonly correlationId: string;
  readonly causationId: string;
  /** Business date (YYYY-MM-DD, Asia/Tokyo). */
  readonly occurredOn: string;
  /** Recording instant (ISO-8601 UTC), read from the clock at the edge. */
  readonly now: string;
  /** From `If-Match`: the revision the caller saw; a moved stream answers 412. */
  readonly expectedRevision?: number;
}

export function commandContextOf(metadata: CommandMetadata): CommandContext {
  return {
    commandId: metadata.commandId,
    actor: metadata.actor,
    occurredOn: metadata.occurredOn,
    now: metadata.now,
    today: tokyoDateOf(new Date(metadata.now)),
  };
}

export function newCommandId(): string {
  return randomUUID();
}
