import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { RecordedEvent } from '@ismap/event-store';
import { SqliteEventStore } from '@ismap/event-store';
import type { Projection } from '../projection';
import { rebuildProjection } from '../runner/rebuild';
import {
  connectRedis,
  deleteByPrefix,
  difference,
  dumpLive,
  readWholeLog,
  replayInMemory,
  testEvent,
  uniquePrefix,
} from '../runner/testing/redis-test-support';
import { readLiveGeneration } from './generations';
import { projectionKeys } from './keys';

/** Text a JSON round trip through Redis's decoder could change, if it were not carried exactly. */
const AWKWARD = [
  'nul \u0000 inside',
  'emoji 😀 and é',
  'line \u2028 separator',
  'quote " and \\ backslash',
  '',
];

/** Writes documents, index members and counters named and filled with awkward text; `lone` adds half a pair. */
const awkward: Projection = {
  name: 'test-awkward',
  version: 1,
  eventTypes: ['AwkwardWritten'],
  onError: 'continue',
  prefetch: () => [],
  counters: (event) => [`count ${event.data['n'] as number} \u0000😀`],
  evolve(tx, event: RecordedEvent) {
    const n = event.data['n'] as number;
    const text = AWKWARD[n % AWKWARD.length]!;
    const id = `${text}#${n}`;
    tx.put('things', id, { id, text, nested: { list: [text, n] } });
    tx.index('byN', id, n - 2.5);
    tx.index(`by text ${text}`, id, n);
    tx.increment(`count ${n} \u0000😀`, n);
    if (event.data['lone'] === true) tx.index('byN', `half a pair \ud800 #${n}`, n);
  },
};

const root = mkdtempSync(join(tmpdir(), 'ismap-packed-'));
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

describe('the batch write of documents, indexes and counters', () => {
  it('stores awkward text exactly as the in-memory model holds it, in batches of several changes', async () => {
    const store = await SqliteEventStore.open({ file: join(root, 'exact.db') });
    try {
      for (let n = 0; n < 40; n++) {
        await store.appendToStream(`awkward-${n}`, [testEvent('AwkwardWritten', { n })], {
          expectedRevision: 'any',
        });
      }
      await rebuildProjection({ store, redis, keyPrefix: prefix, projection: awkward, maxBatch: 16 });
      const expected = replayInMemory(awkward, await readWholeLog(store));
      const actual = await dumpLive(redis, prefix, awkward);
      expect(difference(actual, expected)).toEqual([]);
      expect(actual).toEqual(expected);
    } finally {
      await store.close();
    }
  });

  it('still writes a batch whose index member holds half a surrogate pair', async () => {
    const own = `${prefix}lone:`;
    const store = await SqliteEventStore.open({ file: join(root, 'lone.db') });
    try {
      await store.appendToStream('awkward-1', [testEvent('AwkwardWritten', { n: 1, lone: true })], {
        expectedRevision: 'any',
      });
      await store.appendToStream('awkward-2', [testEvent('AwkwardWritten', { n: 2 })], {
        expectedRevision: 'any',
      });
      const result = await rebuildProjection({ store, redis, keyPrefix: own, projection: awkward });
      expect(result.applied).toBe(2);
      const keys = projectionKeys(own, awkward.name);
      const generation = await readLiveGeneration(redis, keys);
      expect(generation).toBe(result.generation);
      const members = await redis.zrange(keys.generation(result.generation).index('byN'), 0, -1);
      // UTF-8 has no half pairs: the client sends the replacement character, as it does for any such text.
      expect(members).toEqual(['emoji 😀 and é#1', 'line \u2028 separator#2', 'half a pair \ufffd #1']);
    } finally {
      await store.close();
    }
  });
});
