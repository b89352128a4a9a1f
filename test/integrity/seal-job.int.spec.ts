import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { ApplicationModule } from '@ismap/application';
import { loadConfig } from '@ismap/config';
import { EVENT_STORE, SqliteEventStore, type EventStore } from '@ismap/event-store';
import { listSeals } from '@ismap/integrity';
import { bullConnection, bullPrefix, deriveJobId, QUEUES } from '@ismap/jobs';
import { SEAL_SCHEDULE } from '../../apps/worker/src/seals/seal-payload';
import { SealsWorkerModule } from '../../apps/worker/src/seals/seals-worker.module';
import { appendRandomTrail, prng } from './trail-fixture';

/** The daily seal on the `seals` queue with the real Redis and BullMQ. */
describe('seal job (real Redis, BullMQ)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-seal-job-'));
  const prefix = `test-seal-job-${process.pid}:`;
  const config = loadConfig({ DATA_DIR: dataDir, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'error' });
  const connection = bullConnection(config.redisUrl);
  const queue = new Queue(QUEUES.seals, { connection, prefix: bullPrefix(prefix) });
  const events = new QueueEvents(QUEUES.seals, { connection, prefix: bullPrefix(prefix) });
  let app: INestApplicationContext;

  beforeAll(async () => {
    const store = await SqliteEventStore.open({ file: join(dataDir, 'events.sqlite'), watchFiles: false });
    await appendRandomTrail(store, prng(3), 40, 6, 'job');
    await store.close();
    @Module({ imports: [ApplicationModule.forRoot(config), SealsWorkerModule] })
    class SealWorkerTestModule {}
    app = await NestFactory.createApplicationContext(SealWorkerTestModule, { logger: false });
    await app.init();
    await events.waitUntilReady();
  });

  afterAll(async () => {
    await app.close();
    await events.close();
    await queue.close();
    const redis = new Redis(config.redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('schedules one daily seal on Tokyo time', async () => {
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers).toEqual([
      expect.objectContaining({ key: SEAL_SCHEDULE.schedulerId, pattern: '30 0 * * *', tz: 'Asia/Tokyo' }),
    ]);
  });

  it('seals the trail once: the same day twice is one job, another run at the same position records nothing', async () => {
    const store = app.get<EventStore>(EVENT_STORE);
    const data = { correlationId: 'test:seal-job' };
    const jobId = deriveJobId('seal', '2026-11-22');
    const first = await queue.add('seal-trail', data, { jobId });
    expect((await first.waitUntilFinished(events, 30_000)) as unknown).toMatchObject({
      sealed: true,
      eventCount: 40,
    });
    const duplicate = await queue.add('seal-trail', data, { jobId });
    expect(duplicate.id).toBe(jobId);
    const next = await queue.add('seal-trail', data, { jobId: deriveJobId('seal', '2026-11-23') });
    expect((await next.waitUntilFinished(events, 30_000)) as unknown).toMatchObject({
      sealed: false,
      eventCount: 40,
    });
    const seals = await listSeals(store);
    expect(seals).toHaveLength(1);
    expect(seals[0]).toMatchObject({ eventCount: 40, previous: null });
  });
});
