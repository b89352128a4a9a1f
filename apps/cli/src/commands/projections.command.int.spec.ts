import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '@ismap/config';
import type { ParkedEvent } from '@ismap/read-models';
import { Lease, PROJECTIONS, projectionKeys } from '@ismap/read-models';
// Fault injection at the Redis boundary: the script the retry's writes go through.
import { WRITE_BATCH } from '@ismap/read-models/redis/scripts';
import { waitUntil } from '@ismap/read-models/runner/testing/redis-test-support';
import { projectionsCommand } from './projections.command';

/**
 * `cli projections retry` / `parked` as the operator runs them: their own application context on a DATA_DIR and
 * Redis prefix, against projection state written into Redis as a worker (or older code) would have left it.
 */
describe('cli projections (real Redis)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-cli-projections-'));
  const projection = PROJECTIONS[0]!;
  let redis: Redis;
  let prefix: string;
  let seq = 0;

  beforeAll(() => {
    redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
  });
  afterAll(async () => {
    await redis.quit();
    rmSync(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    prefix = `test-cli-projections-${process.pid}-${seq++}:`;
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  });

  const config = () => loadConfig({ DATA_DIR: dataDir, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'error' });
  const keys = () => projectionKeys(prefix, projection.name);
  const entry = (position: string, error: string): ParkedEvent => ({
    position,
    eventId: `event-at-${position}`,
    type: 'RulingRecorded',
    streamName: 'meeting-M1',
    revision: 0,
    error,
    parkedAt: '2026-11-22T00:00:00.000Z',
  });

  /** A live generation halted on an event whose entry is no longer parked (code that lifted the halt apart). */
  async function haltedWithEmptyList(): Promise<void> {
    const generation = keys().generation(1);
    await redis.set(keys().live, '1');
    await redis.hset(generation.meta, { version: projection.version, createdAt: '2026-11-22T00:00:00.000Z' });
    await redis.set(generation.halted, JSON.stringify(entry('41', 'Error: boom')));
  }

  async function run(words: readonly string[]): Promise<{ code: number; lines: string[] }> {
    const lines: string[] = [];
    const code = await projectionsCommand(words, config(), (line) => lines.push(line));
    return { code, lines };
  }

  it('retry lifts a halt whose parked list is already empty', async () => {
    await haltedWithEmptyList();
    const { code, lines } = await run(['retry', projection.name]);
    expect(lines).toEqual([`${projection.name}: 0 replayed, 0 still parked; resumed`]);
    expect(code).toBe(0);
    expect(await redis.exists(keys().generation(1).halted)).toBe(0);
  });

  it('retry whose final write is refused (the lease was lost) fails with exit code 1', async () => {
    await haltedWithEmptyList();
    const write = WRITE_BATCH.run.bind(WRITE_BATCH);
    jest.spyOn(WRITE_BATCH, 'run').mockImplementation(async (connection, scriptKeys, args) => {
      // Someone else holds the live lease by the time the write arrives.
      await redis.set(keys().lease, 'another-runner');
      return write(connection, scriptKeys, args);
    });
    const { code, lines } = await run(['retry', projection.name]);
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^${projection.name}: FAILED: .*refused \\(LEASE\\)`)),
    ]);
    expect(code).toBe(1);
    expect(await redis.exists(keys().generation(1).halted)).toBe(1);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'retry interrupted by %s while the holder has not handed over withdraws its request and exits 1',
    async (signal) => {
      await haltedWithEmptyList();
      // A holder that never looks at handover requests: the retry waits for it.
      const holder = new Lease(redis, {
        key: keys().lease,
        handoverKey: `${keys().handover}:ignored`,
        ttlMs: 5000,
      });
      expect(await holder.tryAcquire()).toBe(true);
      // Only the command's own handler may see the emitted signal (a test runner's would end the run).
      const others = process.listeners(signal);
      process.removeAllListeners(signal);
      try {
        let settled = false;
        const command = run(['retry', projection.name]).finally(() => (settled = true));
        await waitUntil(async () => (await redis.exists(keys().handover)) === 1, 'the handover request');
        process.emit(signal, signal);
        await waitUntil(() => settled, `the command to stop after ${signal}`, 3000);
        const result = await command;
        expect(result.code).toBe(1);
        expect(result.lines).toEqual([
          expect.stringMatching(new RegExp(`^${projection.name}: FAILED: .*interrupted`)),
          'interrupted',
        ]);
        expect(await redis.exists(keys().handover)).toBe(0);
        expect(process.listenerCount(signal)).toBe(0);
      } finally {
        for (const listener of others) process.on(signal, listener);
        await holder.release();
      }
    },
  );

  it('parked lists each parked event on one line, up to --limit', async () => {
    await redis.set(keys().live, '1');
    await redis.hset(keys().generation(1).meta, { version: projection.version });
    await redis.rpush(
      keys().parked,
      JSON.stringify(entry('7', 'TypeError: Cannot read properties of undefined\n    (reading "x")')),
      JSON.stringify(entry('19', 'Error: boom')),
      JSON.stringify(entry('23', 'Error: later')),
    );
    const { code, lines } = await run(['parked', projection.name, '--limit', '2']);
    expect(code).toBe(0);
    expect(lines).toEqual([
      `${projection.name}: 3 parked (live generation 1, v${projection.version})`,
      '  position  event id     type            stream      parked at                 error',
      '         7  event-at-7   RulingRecorded  meeting-M1  2026-11-22T00:00:00.000Z  ' +
        'TypeError: Cannot read properties of undefined (reading "x")',
      '        19  event-at-19  RulingRecorded  meeting-M1  2026-11-22T00:00:00.000Z  Error: boom',
      '  … 1 more (--limit 3 shows all)',
    ]);
  });
});
