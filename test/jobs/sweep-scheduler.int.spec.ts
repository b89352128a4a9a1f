import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ApplicationModule } from '@ismap/application';
import { loadConfig } from '@ismap/config';
import { tokyoDateOf } from '@ismap/domain';
import { SqliteEventStore, type EventStore } from '@ismap/event-store';
import type { SweepResult } from '@ismap/jobs';
import { bullConnection, bullPrefix, EXPIRY_SCHEDULE, QUEUES, scheduledDayOf } from '@ismap/jobs';
import { SweepWorkerModule } from '../../apps/worker/src/sweep/sweep-worker.module';
import { waitForCondition } from '../support/http';
import { appendSweepFixture, SWEEP_FIXTURE as F } from './sweep-fixture';

/**
 * The daily Job Scheduler with the real Redis and BullMQ, the worker restarted five times. Only `Date` is faked
 * (timers, Redis and BullMQ run for real): each restart happens on its own day, and the next run's instant
 * arriving is the delayed job being promoted, which is what BullMQ does when the time comes.
 */
describe('daily registration sweep scheduler across worker restarts (real Redis, BullMQ)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-sweep-schedule-'));
  const prefix = `test-sweep-schedule-${process.pid}:`;
  const config = loadConfig({ DATA_DIR: dataDir, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'error' });
  const queue = new Queue(QUEUES.expiry, {
    connection: bullConnection(config.redisUrl),
    prefix: bullPrefix(prefix),
  });

  let app: INestApplicationContext | undefined;

  /** The first 00:05 Tokyo after `instant`. */
  const nextRunAfter = (instant: Date): Date => {
    const today = new Date(`${tokyoDateOf(instant)}T00:05:00+09:00`);
    return today > instant ? today : new Date(today.getTime() + 24 * 3600_000);
  };

  async function startWorker(): Promise<INestApplicationContext> {
    @Module({ imports: [ApplicationModule.forRoot(config), SweepWorkerModule] })
    class SweepWorkerTestModule {}
    return NestFactory.createApplicationContext(SweepWorkerTestModule, { logger: false });
  }

  beforeAll(async () => {
    const store = await SqliteEventStore.open({ file: join(dataDir, 'events.sqlite') });
    await appendSweepFixture(store);
    await store.close();
    jest.useFakeTimers({
      doNotFake: [
        'nextTick',
        'setImmediate',
        'clearImmediate',
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'clearInterval',
        'queueMicrotask',
        'hrtime',
        'performance',
      ],
      now: new Date('2024-02-26T12:00:00+09:00'),
    });
  });

  afterAll(async () => {
    jest.useRealTimers();
    await app?.close();
    await queue.close();
    const redis = new Redis(config.redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('queues exactly one sweep per day, for that day, and each day expires what it must', async () => {
    const restarts = [
      '2024-02-26T12:00:00+09:00',
      '2024-02-27T23:59:00+09:00',
      '2024-02-29T00:04:59+09:00',
      '2024-02-29T09:30:00+09:00',
      '2024-03-01T18:00:00+09:00',
    ];
    for (const [index, restartAt] of restarts.entries()) {
      jest.setSystemTime(new Date(restartAt));
      app = await startWorker();
      // Restarting (upserting the scheduler again) left one scheduler and one next run: tomorrow 00:05 Tokyo.
      expect(await queue.getJobSchedulersCount()).toBe(1);
      const delayed = await queue.getDelayed();
      const next = nextRunAfter(new Date(restartAt));
      expect(delayed.map((job) => scheduledDayOf(job))).toEqual([tokyoDateOf(next)]);
      const [job] = delayed;
      expect(job!.opts.prevMillis).toBe(next.getTime());
      expect(job!.id).toBe(`repeat:${EXPIRY_SCHEDULE.schedulerId}:${job!.opts.prevMillis}`);

      // 00:05 Tokyo arrives: the run is due and the worker takes it.
      jest.setSystemTime(new Date(job!.opts.prevMillis! + 1000));
      await job!.promote();
      await waitForCondition(async () => (await queue.getCompletedCount()) === index + 1, {
        timeoutMs: 15_000,
        what: `the sweep of ${scheduledDayOf(job!)} to complete`,
      });
      await app.close();
      app = undefined;
    }

    const completed = await queue.getCompleted();
    const byDay = new Map(completed.map((job) => [scheduledDayOf(job), job.returnvalue as SweepResult]));
    expect(completed).toHaveLength(5);
    expect([...byDay.keys()].sort()).toEqual([
      '2024-02-27',
      '2024-02-28',
      '2024-02-29',
      '2024-03-01',
      '2024-03-02',
    ]);
    expect([...byDay.entries()].map(([day, result]) => [day, result.asOf])).toEqual(
      [...byDay.keys()].map((day) => [day, day]),
    );
    const expiredOn = (day: string) => byDay.get(day)!.expired.map((e) => e.serviceId);
    expect(expiredOn('2024-02-27')).toEqual([F.rejected]);
    expect(expiredOn('2024-02-28')).toEqual([]);
    expect(expiredOn('2024-02-29')).toEqual([F.leapEve]);
    expect(expiredOn('2024-03-01')).toEqual([F.leapDay]);
    expect(expiredOn('2024-03-02')).toEqual([F.march]);
    expect((await queue.getDelayed()).map((job) => scheduledDayOf(job))).toEqual(['2024-03-03']);

    const store: EventStore = await SqliteEventStore.open({ file: join(dataDir, 'events.sqlite') });
    try {
      const expiries = (await store.readAll()).filter((e) => e.type === 'RegistrationExpired');
      expect(expiries.map((e) => e.data['serviceId']).sort()).toEqual([
        F.leapDay,
        F.leapEve,
        F.march,
        F.rejected,
      ]);
    } finally {
      await store.close();
    }
  }, 120_000);
});
