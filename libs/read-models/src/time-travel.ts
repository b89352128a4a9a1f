import type { EventStore, Position, RecordedEvent } from '@ismap/event-store';
import { START } from '@ismap/event-store';
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
 * `a > b` for log positions: decimal strings without leading zeros (isPosition), so the longer is the larger and
 * equal lengths compare as text. Allocation-free, unlike comparePositions' two BigInts, for it runs once per event.
 */
function isAfter(a: Position, b: Position): boolean {
  return a.length !== b.length ? a.length > b.length : a > b;
}

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
  // The store filters by prefix; this Set keeps the exact types (what MemoryReadModel.apply checks, per event).
  const wanted = projection.eventTypes === undefined ? undefined : new Set(projection.eventTypes);
  const { asOf } = point;
  // Canonical (no leading zeros) once, so isAfter may compare as text.
  const atPosition = point.atPosition === undefined ? undefined : BigInt(point.atPosition).toString();
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
    for (let i = skipFirst ? 1 : 0; i < page.length; i++) {
      const event = page[i]!;
      if (atPosition !== undefined && isAfter(event.position, atPosition)) return model;
      if (asOf !== undefined && event.metadata.occurredOn > asOf && !identity.has(event.type)) continue;
      if (wanted === undefined || wanted.has(event.type)) projection.evolve(model, event);
    }
    const last = page[page.length - 1];
    if (last === undefined || page.length < PAGE_SIZE) return model;
    // readAll's start is inclusive: the next page starts at the last event seen and skips it.
    from = last.position;
    skipFirst = true;
  }
}
