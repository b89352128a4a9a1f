import { deriveEventId } from '@ismap/event-store';

/**
 * New object ids derive from the command id, so a retried command (same Idempotency-Key, or a reaction replayed
 * after a crash) addresses the same stream instead of creating a second object.
 */
export function newIdFor(
  commandId: string,
  purpose: 'application' | 'service' | 'ruling' | 'incident',
): string {
  return deriveEventId(`${commandId}:${purpose}`, 0);
}
