import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '@ismap/config';
import type { EventStore, EventToAppend, Position } from '@ismap/event-store';
import { SqliteEventStore } from '@ismap/event-store';
import { projectionKeys, SERVICES } from '@ismap/read-models';
import { testEvent } from '@ismap/read-models/runner/testing/redis-test-support';
import { ProblemException } from '../http/problem';
import { ReadModels } from './read-models.service';

/** An event the registrations projection does not handle: it never holds that projection back. */
const unrelatedEvent = (): EventToAppend => testEvent('ReadModelsSpecNoted');

/** Read-your-writes (X-Min-Log-Position) against the real Redis, each test in its own key prefix. */
describe('ReadModels.waitFor (embedded store, real Redis)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-read-models-'));
  const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  let store: EventStore;
  const prefixes: string[] = [];
  let positions: Position[];

  /** ReadModels over a key prefix of its own, as the API builds it. */
  const readModelsOn = (prefix: string): ReadModels =>
    new ReadModels(
      redis,
      loadConfig({ DATA_DIR: dataDir, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'silent' }),
      store,
    );
  const newPrefix = (): string => {
    const prefix = `test-read-models-${randomUUID().slice(0, 8)}:`;
    prefixes.push(prefix);
    return prefix;
  };

  beforeAll(async () => {
    store = await SqliteEventStore.open({ file: join(dataDir, 'events.db') });
    positions = [];
    for (let i = 0; i < 3; i++) {
      positions.push(
        (await store.appendToStream(`spec-${i}`, [unrelatedEvent()], { expectedRevision: 'any' })).position,
      );
    }
  });

  afterAll(async () => {
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis.disconnect();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('after a switch of generations, a read that waited for a position reads the generation that reached it', async () => {
    const prefix = newPrefix();
    const keys = projectionKeys(prefix, 'registrations');
    const [first, , last] = positions as [Position, Position, Position];
    await redis.multi().set(keys.generation(1).checkpoint, first).set(keys.live, '1').exec();
    const readModels = readModelsOn(prefix);
    // Warms the view on generation 1.
    expect(await readModels.live('registrations').get(SERVICES, 'S-X')).toBeUndefined();
    expect(await readModels.stamp('registrations')).toBe(`1:${first}`);

    // What a rebuild's switch leaves: generation 2 live, holding X, applied up to the position of the write.
    const second = keys.generation(2);
    await redis
      .multi()
      .hset(second.collection(SERVICES), 'S-X', JSON.stringify({ serviceId: 'S-X' }))
      .set(second.checkpoint, last)
      .set(keys.live, '2')
      .exec();

    await readModels.waitFor(last, ['registrations']);
    expect(await readModels.live('registrations').get(SERVICES, 'S-X')).toEqual({ serviceId: 'S-X' });
    // The lists' cache key names the same generation (lists.controller.ts `cached`).
    expect(await readModels.stamp('registrations', { fresh: true })).toBe(`2:${last}`);
  });

  it('a position within the log, behind only by events the projection ignores, is caught up with at once', async () => {
    const prefix = newPrefix();
    const keys = projectionKeys(prefix, 'registrations');
    const [first, , last] = positions as [Position, Position, Position];
    await redis.multi().set(keys.generation(1).checkpoint, first).set(keys.live, '1').exec();
    await expect(readModelsOn(prefix).waitFor(last, ['registrations'])).resolves.toBeUndefined();
  });

  it('a position the log has not reached is not caught up with: after the wait, 503 with Retry-After', async () => {
    const prefix = newPrefix();
    const keys = projectionKeys(prefix, 'registrations');
    const last = positions[positions.length - 1] ?? '0';
    await redis.multi().set(keys.generation(1).checkpoint, last).set(keys.live, '1').exec();
    const readModels = readModelsOn(prefix);
    // The largest position there is, and the next one this log will hand out (a position from another data
    // directory looks like that).
    const outcomes = await Promise.all(
      ['18446744073709551615', String(BigInt(last) + 1n)].map((position) =>
        readModels.waitFor(position, ['registrations']).then(
          () => 'answered at once',
          (error: unknown) => error,
        ),
      ),
    );
    for (const outcome of outcomes) {
      expect(outcome).toBeInstanceOf(ProblemException);
      const { problem, headers } = outcome as ProblemException;
      expect([problem.status, problem.code, headers['retry-after']]).toEqual([
        503,
        'READ_MODEL.NOT_CAUGHT_UP',
        '1',
      ]);
    }
  });

  it('refuses a malformed position with 400 REQUEST.INVALID_MIN_LOG_POSITION', async () => {
    const outcome = await readModelsOn(newPrefix())
      .waitFor('yesterday', ['registrations'])
      .then(
        () => 'answered',
        (error: unknown) => error,
      );
    expect(outcome).toBeInstanceOf(ProblemException);
    expect((outcome as ProblemException).problem).toMatchObject({
      status: 400,
      code: 'REQUEST.INVALID_MIN_LOG_POSITION',
    });
  });
});
