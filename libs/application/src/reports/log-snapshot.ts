import type { EventStore, Position, ReadAllOptions, RecordedEvent } from '@ismap/event-store';
import { comparePositions, END, START } from '@ismap/event-store';

const PAGE = 4096;

/** The log up to `atPosition` (inclusive), in log order: what a report is computed from. */
export async function readLogUpTo(
  store: Pick<EventStore, 'readAll'>,
  atPosition: Position,
): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let from: Position | typeof START = START;
  let skipFirst = false;
  for (;;) {
    const page = await store.readAll({ fromPosition: from, maxCount: PAGE });
    for (const event of skipFirst ? page.slice(1) : page) {
      if (comparePositions(event.position, atPosition) > 0) return events;
      events.push(event);
    }
    const last = page[page.length - 1];
    if (last === undefined || page.length < PAGE) return events;
    from = last.position;
    skipFirst = true;
  }
}

/** The head of the log now: a report request fixes it. `0` for an empty log. */
export async function logHead(store: Pick<EventStore, 'readAll'>): Promise<Position> {
  const [last] = await store.readAll({ direction: 'backwards', fromPosition: END, maxCount: 1 });
  return last?.position ?? '0';
}

/**
 * A fixed, read-only slice of the log that answers `readAll` like the store did: the time-travel replay
 * (`replayInMemory`) runs over it unchanged, so the report judges "the list as of a date" with the very code the
 * API's `?asOf=` uses, without going back to the store for every date of a chart.
 */
export class LogSnapshot implements EventStore {
  private readonly events: readonly RecordedEvent[];

  constructor(events: readonly RecordedEvent[]) {
    this.events = [...events].sort((a, b) => comparePositions(a.position, b.position));
  }

  readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    if ((options.direction ?? 'forwards') !== 'forwards') {
      return Promise.reject(new Error('a log snapshot is read forwards'));
    }
    const from = options.fromPosition;
    const prefixes = options.filter?.eventTypePrefixes;
    const streams = options.filter?.streamNamePrefixes;
    const out: RecordedEvent[] = [];
    const max = options.maxCount ?? Number.POSITIVE_INFINITY;
    for (const event of this.events) {
      if (out.length >= max) break;
      if (from !== undefined && from !== START) {
        if (from === END || comparePositions(event.position, from) < 0) continue;
      }
      if (prefixes !== undefined && !prefixes.some((p) => event.type.startsWith(p))) continue;
      if (streams !== undefined && !streams.some((p) => event.streamName.startsWith(p))) continue;
      out.push(event);
    }
    return Promise.resolve(out);
  }

  appendToStream(): never {
    throw new Error('a log snapshot is read-only');
  }
  readStream(): never {
    throw new Error('a log snapshot answers readAll only');
  }
  subscribeToAll(): never {
    throw new Error('a log snapshot answers readAll only');
  }
  ping(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
