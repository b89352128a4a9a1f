import type { EventStore, Position, RecordedEvent } from '@ismap/event-store';
import { comparePositions, START } from '@ismap/event-store';
import { MemoryReadModel } from './memory-read-model';
import type { Projection } from './projection';

export interface TimeTravelPoint {
  /** The read model as decided by this business date: facts dated later are left out. */
  readonly asOf?: string;
  /** The read model as the system had recorded it at this log position (inclusive). */
  readonly atPosition?: Position;
}

const PAGE_SIZE = 4096;

/**
 * Replays the log into a fresh in-memory model with the projection's own evolve: the time-travel queries use the
 * same rules as the live read model, not a second implementation of them.
 */
export async function replayInMemory(
  store: EventStore,
  projection: Projection,
  point: TimeTravelPoint,
): Promise<MemoryReadModel> {
  const model = new MemoryReadModel();
  const identity = new Set(projection.identityEventTypes ?? []);
  const filter =
    projection.eventTypes === undefined ? undefined : { eventTypePrefixes: projection.eventTypes };
  let from: Position | typeof START = START;
  let skipFirst = false;
  for (;;) {
    const page: RecordedEvent[] = await store.readAll({
      fromPosition: from,
      maxCount: PAGE_SIZE,
      ...(filter === undefined ? {} : { filter }),
    });
    const events = skipFirst ? page.slice(1) : page;
    for (const event of events) {
      if (point.atPosition !== undefined && comparePositions(event.position, point.atPosition) > 0)
        return model;
      if (point.asOf !== undefined && event.metadata.occurredOn > point.asOf && !identity.has(event.type))
        continue;
      model.apply(projection, event);
    }
    const last = page[page.length - 1];
    if (last === undefined || page.length < PAGE_SIZE) return model;
    // readAll's start is inclusive: the next page starts at the last event seen and skips it.
    from = last.position;
    skipFirst = true;
  }
}
