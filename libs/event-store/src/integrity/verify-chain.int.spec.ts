/**
 * Chain verification over the embedded store's file, edited behind the store's back with SQL as an intruder
 * with file access would: the verifier reads as stored, page by page, and names the stream and revision.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../embedded/sqlite-event-store';
import type { EventMetadata, EventToAppend } from '../event-store.port';
import { readAllAsStored, verifyStoreChains } from './verify-chain';

const root = mkdtempSync(join(tmpdir(), 'ismap-verify-chain-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const metadata: EventMetadata = {
  actor: { sub: 'verify-spec', roles: ['secretariat'] },
  correlationId: 'c',
  causationId: 'c',
  commandId: 'c',
  occurredOn: '2024-04-01',
  recordedAt: '2024-04-01T00:00:00.000Z',
  schemaVersion: 1,
  rulesetVersion: '2023.1',
};

function event(n: number): EventToAppend {
  return { id: randomUUID(), type: 'Noted', data: { n, text: `記録 ${n}` }, metadata };
}

/** Three streams of ten events, interleaved: 30 events at positions 1..30. */
async function seeded(name: string): Promise<string> {
  const file = join(root, name, 'events.db');
  const store = await SqliteEventStore.open({ file, watchFiles: false });
  for (let revision = 0; revision < 10; revision++) {
    for (const stream of ['a', 'b', 'c']) {
      await store.appendToStream(stream, [event(revision)], {
        expectedRevision: revision - 1 < 0 ? 'no_stream' : revision - 1,
      });
    }
  }
  await store.close();
  return file;
}

function edit(file: string, sql: string, ...params: unknown[]): void {
  const db = new Database(file);
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

async function verify(file: string, options = {}) {
  const store = await SqliteEventStore.open({ file, watchFiles: false });
  try {
    const result = await verifyStoreChains(store, { pageSize: 7, ...options });
    return {
      ...result,
      found: result.breaks.map(({ kind, streamName, revision }) => `${kind} ${streamName}@${revision}`),
    };
  } finally {
    await store.close();
  }
}

describe('verifyStoreChains on the embedded store', () => {
  it('passes an untouched store, reading every event once across pages', async () => {
    const file = await seeded('intact');
    const result = await verify(file);
    expect(result).toMatchObject({ ok: true, eventsChecked: 30, streamsChecked: 3, found: [] });
  });

  it('reads as stored, not through the upcaster', async () => {
    const file = await seeded('as-stored');
    const store = await SqliteEventStore.open({
      file,
      watchFiles: false,
      upcast: (recorded) => ({ ...recorded, data: { upcast: true } }),
    });
    try {
      const events = [];
      for await (const stored of readAllAsStored(store, { pageSize: 4 })) events.push(stored);
      expect(events).toHaveLength(30);
      expect(
        events.every((stored) => 'data' in stored && (stored.data as { n?: number }).n !== undefined),
      ).toBe(true);
      expect((await store.readAll({ maxCount: 1 }))[0]?.data).toEqual({ upcast: true });
      await expect(verifyStoreChains(store)).resolves.toMatchObject({ ok: true });
    } finally {
      await store.close();
    }
  });

  it('names an edited byte, a deleted row, two swapped rows and a cut-off tail', async () => {
    const file = await seeded('tampered');
    // a@3: one character of the data changed, still valid JSON.
    edit(
      file,
      "UPDATE events SET data = replace(data, '記録 3', '記緑 3') WHERE stream_name = 'a' AND revision = 3",
    );
    // b@5: the row is gone.
    edit(file, "DELETE FROM events WHERE stream_name = 'b' AND revision = 5");
    // c@6 and c@7: their contents swapped, revisions and positions kept.
    const db = new Database(file);
    const rows = db
      .prepare<[], { revision: number; event_id: string; data: string; metadata: string }>(
        "SELECT revision, event_id, data, metadata FROM events WHERE stream_name = 'c' AND revision IN (6, 7) ORDER BY revision",
      )
      .all();
    db.prepare(
      "UPDATE events SET event_id = 'x-' || event_id WHERE stream_name = 'c' AND revision IN (6, 7)",
    ).run();
    for (const [row, other] of [
      [rows[0]!, rows[1]!],
      [rows[1]!, rows[0]!],
    ] as const) {
      db.prepare(
        "UPDATE events SET event_id = ?, data = ?, metadata = ? WHERE stream_name = 'c' AND revision = ?",
      ).run(other.event_id, other.data, other.metadata, row.revision);
    }
    // a@8 and a@9: the tail cut off.
    db.prepare("DELETE FROM events WHERE stream_name = 'a' AND revision >= 8").run();
    db.close();

    const result = await verify(file, {
      expectedHeads: ['a', 'b', 'c'].map((streamName) => ({ streamName, revision: 9 })),
    });
    expect(result.found.sort()).toEqual(['changed a@3', 'missing b@5', 'reordered c@6', 'truncated a@8']);
  });

  it('names an event whose stored text no longer parses, and reads on past it', async () => {
    const file = await seeded('unparseable');
    edit(file, "UPDATE events SET data = substr(data, 2) WHERE stream_name = 'b' AND revision = 4");
    const result = await verify(file);
    expect(result.found).toEqual(['changed b@4']);
    expect(result.eventsChecked).toBe(30);
  });
});
