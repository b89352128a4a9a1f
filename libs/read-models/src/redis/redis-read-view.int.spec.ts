import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { RecordedEvent } from '@ismap/event-store';
import { SqliteEventStore } from '@ismap/event-store';
import { MemoryReadModel, memoryView } from '../memory-read-model';
import type { Projection } from '../projection';
import { ProjectionRunner } from '../runner/projection-runner';
import { rebuildProjection } from '../runner/rebuild';
import {
  connectRedis,
  deleteByPrefix,
  readWholeLog,
  testEvent,
  uniquePrefix,
  waitUntil,
} from '../runner/testing/redis-test-support';
import { headPosition } from './generations';
import { RedisReadView } from './redis-read-view';

/** Documents, an index with ties and negative scores, a deletion and two counters. */
const notes: Projection = {
  name: 'test-notes',
  version: 1,
  eventTypes: ['NoteWritten', 'NoteDeleted'],
  onError: 'continue',
  prefetch: () => [],
  counters: () => ['written', 'deleted'],
  evolve(tx, event: RecordedEvent) {
    const id = event.data['id'] as string;
    if (event.type === 'NoteDeleted') {
      tx.delete('notes', id);
      tx.increment('deleted');
      return;
    }
    tx.put('notes', id, { id, text: event.data['text'], tags: ['日本語', 'x'] });
    tx.index('byScore', id, event.data['score'] as number);
    tx.increment('written');
  },
};

const root = mkdtempSync(join(tmpdir(), 'ismap-view-'));
let redis: Redis;
let prefix: string;

beforeAll(() => {
  redis = connectRedis();
  prefix = uniquePrefix();
});
afterAll(async () => {
  await deleteByPrefix(redis, prefix);
  await redis.quit();
  rmSync(root, { recursive: true, force: true });
});

describe('RedisReadView', () => {
  it('answers every query as the in-memory view does, and sees a rebuild switch within a second', async () => {
    const store = await SqliteEventStore.open({ file: join(root, 'events.db') });
    const view = new RedisReadView(redis, prefix, notes.name);
    expect(await view.get('notes', 'n1')).toBeUndefined();
    expect(await view.range('byScore', { limit: 10 })).toEqual([]);
    expect(await view.counter('written')).toBe(0);

    for (let i = 0; i < 40; i++) {
      await store.appendToStream(
        'notes-1',
        [testEvent('NoteWritten', { id: `n${i}`, text: `note ${i}`, score: (i % 10) - 3 + (i % 3) * 0.25 })],
        { expectedRevision: 'any' },
      );
    }
    await store.appendToStream('notes-1', [testEvent('NoteDeleted', { id: 'n7' })], {
      expectedRevision: 'any',
    });
    const runner = new ProjectionRunner({
      store,
      redis,
      keyPrefix: prefix,
      projection: notes,
      idleTickMs: 50,
    });
    runner.start();
    try {
      const head = await headPosition(store);
      await waitUntil(async () => (await view.checkpoint()) === head, 'the runner to reach the head');
      const model = new MemoryReadModel();
      for (const event of await readWholeLog(store)) model.apply(notes, event);
      const memory = memoryView(model);

      expect(await view.get('notes', 'n3')).toEqual(await memory.get('notes', 'n3'));
      expect(await view.get('notes', 'n7')).toBeUndefined();
      expect(await view.getMany('notes', ['n1', 'n7', 'nope', 'n39'])).toEqual(
        await memory.getMany('notes', ['n1', 'n7', 'nope', 'n39']),
      );
      const byId = (docs: readonly { readonly [key: string]: unknown }[]) =>
        [...docs].sort((a, b) => String(a['id']).localeCompare(String(b['id'])));
      expect(byId(await view.all('notes'))).toEqual(byId(await memory.all('notes')));
      expect(await view.counter('written')).toBe(40);
      expect(await view.counter('deleted')).toBe(1);
      // Equal scores are ordered by member in Redis and by insertion in memory: compare the scores.
      const scores = (entries: readonly { score: number }[]) => entries.map((e) => e.score);
      for (const options of [
        { limit: 50 },
        { limit: 5, after: 0 },
        { limit: 5, after: 1.5, direction: 'backwards' as const },
        { limit: 50, direction: 'backwards' as const },
      ]) {
        expect(scores(await view.range('byScore', options))).toEqual(
          scores(await memory.range('byScore', options)),
        );
      }

      // A rebuild switches the live generation; a view that cached the old number moves within its cache time,
      // and the old generation is kept until then.
      expect(await view.liveGeneration()).toBe(1);
      let seen: Promise<number> | undefined;
      const result = await rebuildProjection({
        store,
        redis,
        keyPrefix: prefix,
        projection: notes,
        idleTickMs: 50,
        onProgress: (progress) => {
          if (progress.phase !== 'cleaning' || seen !== undefined) return;
          const switchedAt = Date.now();
          seen = (async () => {
            while ((await view.liveGeneration()) !== progress.generation) {
              expect(await view.get('notes', 'n3')).toEqual(await memory.get('notes', 'n3'));
            }
            return Date.now() - switchedAt;
          })();
        },
      });
      expect(result.previousGeneration).toBe(1);
      expect(await seen).toBeLessThan(1000);
      expect(await view.get('notes', 'n3')).toEqual(await memory.get('notes', 'n3'));
      expect(await view.counter('written')).toBe(40);
    } finally {
      await runner.stop();
      await store.close();
    }
  });
});
