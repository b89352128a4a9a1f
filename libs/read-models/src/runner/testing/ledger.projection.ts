import type { RecordedEvent } from '@ismap/event-store';
import type { DocRef, Projection, ReadModelTx } from '../../projection';

/**
 * A test projection that makes double application visible: every event's document counts how often it was
 * applied, a counter counts all applications, and an index orders events by position. A replay applies each
 * event once, so any difference from a replay in memory is an event skipped or applied twice.
 */
export const ledgerProjection: Projection = {
  name: 'test-ledger',
  version: 1,
  onError: 'continue',
  prefetch(event: RecordedEvent): readonly DocRef[] {
    return [
      { collection: 'applied', id: event.id },
      { collection: 'streams', id: event.streamName },
    ];
  },
  counters(): readonly string[] {
    return ['applications'];
  },
  evolve(tx: ReadModelTx, event: RecordedEvent): void {
    const previous = tx.get('applied', event.id) as { readonly times: number } | undefined;
    tx.put('applied', event.id, {
      position: event.position,
      type: event.type,
      times: (previous?.times ?? 0) + 1,
    });
    const stream = tx.get('streams', event.streamName) as { readonly events: number } | undefined;
    tx.put('streams', event.streamName, { events: (stream?.events ?? 0) + 1, last: event.position });
    tx.increment('applications');
    tx.index('byPosition', event.id, Number(event.position));
  },
};
