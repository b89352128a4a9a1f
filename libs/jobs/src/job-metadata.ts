import type { Job } from 'bullmq';
import type { Actor } from '@ismap/event-store';
import { deriveEventId } from '@ismap/event-store';
import type { CommandMetadata } from '@ismap/application';
import { tokyoDateOf } from '@ismap/domain';
import type { JobPayload } from './job-payload';

/** The actor of every command a job issues: the log says "the system did it, because of job X". */
export const JOB_ACTOR: Actor = { sub: 'system:jobs', roles: ['system'] };

/**
 * Command metadata for a command a job issues: the payload's correlation id is carried into the command (and so
 * into every event it records); the causation is the payload's causing event, else the job itself. `commandId`
 * must be derived from what the job is about (never random), so a retried or duplicated job replays the first
 * result instead of appending again.
 */
export function jobCommandMetadata(
  job: Pick<Job, 'id'>,
  payload: JobPayload,
  command: { readonly commandId: string; readonly occurredOn?: string; readonly now?: Date },
): CommandMetadata {
  const now = command.now ?? new Date();
  return {
    commandId: command.commandId,
    actor: JOB_ACTOR,
    correlationId: payload.correlationId,
    causationId: payload.causationId ?? `job:${job.id ?? 'unknown'}`,
    occurredOn: command.occurredOn ?? tokyoDateOf(now),
    now: now.toISOString(),
  };
}

/**
 * A command id (UUID v5) derived from what the command is about, e.g. `deriveCommandId('expire-registration',
 * serviceId, validUntil)`: the same cause always yields the same id, so the command is handled once.
 */
export function deriveCommandId(kind: string, ...parts: readonly string[]): string {
  if (parts.length === 0) throw new Error('a command id needs at least one part');
  return deriveEventId(`${kind}\u0000${parts.join('\u0000')}`, 0);
}
