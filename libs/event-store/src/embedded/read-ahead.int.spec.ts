import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventFilter, EventToAppend, RecordedEvent } from '../event-store.port';
import { PageReader } from './page-reader';
import { SqliteEventStore } from './sqlite-event-store';

const root = mkdtempSync(join(tmpdir(), 'ismap-read-ahead-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const PAGE = 256;
const TYPES = ['ApplicationSubmitted', 'AuditFindingRecorded', 'FindingResolved', 'RulingRecorded'];

function event(n: number): EventToAppend {
  return {
    id: randomUUID(),
    type: TYPES[n % TYPES.length]!,
    data: { n, note: `事象 ${n}`, nested: { list: [n, n + 1] } },
    metadata: {
      actor: { sub: `user-${n % 7}`, roles: ['secretariat'] },
      correlationId: `corr-${n}`,
      causationId: `cause-${n}`,
      commandId: `cmd-${n}`,
      occurredOn: '2024-04-01',
      recordedAt: '2024-04-01T00:00:00.000Z',
      schemaVersion: 1,
      rulesetVersion: '2023.1',
    },
  };
}

async function appendEvents(store: SqliteEventStore, first: number, count: number): Promise<void> {
  for (let n = first; n < first + count; n += 50) {
    const size = Math.min(50, first + count - n);
    await store.appendToStream(
      `application-A${n % 9}-${n}`,
      Array.from({ length: size }, (_, i) => event(n + i)),
      { expectedRevision: 'no_stream' },
    );
  }
}

/** Every event of the log, read forward page by page as a replay does. */
async function scan(store: SqliteEventStore, filter?: EventFilter): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let from: string | undefined;
  for (;;) {
    const page = await store.readAll({
      maxCount: PAGE,
      ...(from === undefined ? {} : { fromPosition: from }),
      ...(filter === undefined ? {} : { filter }),
    });
    events.push(...page);
    const last = page[page.length - 1];
    if (last === undefined || page.length < PAGE) return events;
    from = String(BigInt(last.position) + 1n);
  }
}

/** Scans until the reader thread has started and handed out a page (its start takes a moment). */
async function scanUntilReadAhead(store: SqliteEventStore): Promise<void> {
  const before = store.stats.pagesReadAhead;
  const deadline = Date.now() + 15_000;
  while (store.stats.pagesReadAhead === before) {
    if (Date.now() > deadline) throw new Error('the reader thread never handed out a page');
    await scan(store);
  }
}

/** Waits for the pages being read ahead to come back (private state, looked at by this test only). */
async function readAheadSettled(store: SqliteEventStore): Promise<void> {
  await Promise.all([...store['readingAhead'].values()]);
}

describe('SqliteEventStore read ahead (a second thread reads the next page of a forward $all scan)', () => {
  let file: string;
  let store: SqliteEventStore;
  let plain: SqliteEventStore;

  beforeAll(async () => {
    file = join(root, 'log', 'events.db');
    store = await SqliteEventStore.open({ file });
    plain = await SqliteEventStore.open({ file, readAhead: false });
    await appendEvents(store, 0, PAGE * 6 + 100);
    await scanUntilReadAhead(store);
  });
  afterAll(async () => {
    await store.close();
    await plain.close();
  });

  it('returns exactly what a scan without it returns, with and without a filter', async () => {
    const before = store.stats.pagesReadAhead;
    const ahead = await scan(store);
    expect(store.stats.pagesReadAhead - before).toBeGreaterThan(0);
    expect(ahead).toEqual(await scan(plain));
    expect(ahead).toHaveLength(PAGE * 6 + 100);

    const filter = { eventTypePrefixes: ['Finding', 'Ruling'] };
    const filtered = await scan(store, filter);
    expect(filtered).toEqual(await scan(plain, filter));
    expect(new Set(filtered.map((e) => e.type))).toEqual(new Set(['FindingResolved', 'RulingRecorded']));
  });

  it('hands out no short page read ahead: events appended since it was read are returned', async () => {
    const head = (await store.readAll({ direction: 'backwards', maxCount: 1 }))[0]!;
    // The last full page before the head: the page after it is short when read ahead.
    const from = String(BigInt(head.position) - BigInt(PAGE + 10) + 1n);
    const full = await store.readAll({ fromPosition: from, maxCount: PAGE });
    expect(full).toHaveLength(PAGE);
    await readAheadSettled(store);
    await appendEvents(store, 10_000, PAGE);
    const next = String(BigInt(full[PAGE - 1]!.position) + 1n);
    const page = await store.readAll({ fromPosition: next, maxCount: PAGE });
    expect(page).toHaveLength(PAGE);
    expect(page).toEqual(await plain.readAll({ fromPosition: next, maxCount: PAGE }));
  });

  it('leaves backward reads, small pages and other queries to the calling thread', async () => {
    const before = store.stats.pagesReadAhead;
    const backwards = await store.readAll({ direction: 'backwards', maxCount: PAGE });
    expect(backwards).toEqual(await plain.readAll({ direction: 'backwards', maxCount: PAGE }));
    const small = await store.readAll({ maxCount: PAGE - 1 });
    await store.readAll({ fromPosition: String(BigInt(small[PAGE - 2]!.position) + 1n), maxCount: PAGE - 1 });
    // A full page read ahead for one page size is not handed to a read of another size.
    const first = await store.readAll({ maxCount: PAGE });
    await readAheadSettled(store);
    const other = String(BigInt(first[PAGE - 1]!.position) + 1n);
    expect(await store.readAll({ fromPosition: other, maxCount: PAGE + 1 })).toEqual(
      await plain.readAll({ fromPosition: other, maxCount: PAGE + 1 }),
    );
    expect(store.stats.pagesReadAhead).toBe(before);
  });

  it('reads on the calling thread once the reader thread has failed', async () => {
    const own = await SqliteEventStore.open({ file });
    try {
      await scanUntilReadAhead(own);
      const first = await own.readAll({ maxCount: PAGE });
      // The reader thread stops while the next page is being read ahead.
      await own['pageReader']!.close();
      const before = own.stats.pagesReadAhead;
      expect(await scan(own)).toEqual(await scan(plain));
      const next = String(BigInt(first[PAGE - 1]!.position) + 1n);
      expect(await own.readAll({ fromPosition: next, maxCount: PAGE })).toEqual(
        await plain.readAll({ fromPosition: next, maxCount: PAGE }),
      );
      expect(own.stats.pagesReadAhead).toBe(before);
    } finally {
      await own.close();
    }
  });

  it('refuses reads once the store is closed, even one that was waiting for a page read ahead', async () => {
    const own = await SqliteEventStore.open({ file });
    await scanUntilReadAhead(own);
    const first = await own.readAll({ maxCount: PAGE });
    const waiting = own.readAll({
      fromPosition: String(BigInt(first[PAGE - 1]!.position) + 1n),
      maxCount: PAGE,
    });
    const refused = expect(waiting).rejects.toThrow('The event store is closed');
    await own.close();
    await refused;
    await expect(own.readAll({ maxCount: PAGE })).rejects.toThrow('The event store is closed');
  });
});

describe('PageReader', () => {
  it('answers a SELECT with the rows the statement returns, raw', async () => {
    const file = join(root, 'reader', 'events.db');
    const store = await SqliteEventStore.open({ file, readAhead: false });
    await appendEvents(store, 0, 3);
    const reader = new PageReader(file, 1000);
    try {
      const rows = await reader.read(
        'SELECT position, type FROM events WHERE position >= ? ORDER BY position LIMIT ?',
        [2, 10],
      );
      expect(rows).toEqual([
        [2, TYPES[1]],
        [3, TYPES[2]],
      ]);
      expect(reader.ready).toBe(true);
      await expect(reader.read("UPDATE events SET type = 'X'", [])).rejects.toThrow('only reads');
      await expect(reader.read('SELECT nothing FROM nowhere', [])).rejects.toThrow('The page reader failed');
      // A failed statement does not stop the thread.
      expect(await reader.read('SELECT count(*) FROM events', [])).toEqual([[3]]);
    } finally {
      await reader.close();
      await store.close();
    }
    await expect(reader.read('SELECT 1', [])).rejects.toThrow('closed');
  });

  it('refuses every read when the file cannot be opened, and says why', async () => {
    const reader = new PageReader(join(root, 'missing', 'events.db'), 1000);
    await expect(reader.read('SELECT 1', [])).rejects.toThrow(/directory does not exist|unable to open/);
    expect(reader.failed).toBe(true);
    await expect(reader.read('SELECT 1', [])).rejects.toThrow(/directory does not exist|unable to open/);
    await reader.close();
  });
});
