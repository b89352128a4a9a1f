import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { ApplicationModule } from '@ismap/application';
import { loadConfig } from '@ismap/config';
import type { RecordedEvent } from '@ismap/event-store';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import { RegistrationSweep } from '@ismap/jobs';
import { formatSweep } from '../../apps/cli/src/commands/expire.command';
import { appendSweepFixture, SWEEP_FIXTURE as F } from './sweep-fixture';

const NOW = new Date('2024-03-01T00:05:00+09:00');

/** One process's command side on a DATA_DIR: what a worker or `cli expire` runs the sweep with. */
async function openApp(dataDir: string, prefix: string): Promise<INestApplicationContext> {
  const config = loadConfig({ DATA_DIR: dataDir, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'error' });
  @Module({ imports: [ApplicationModule.forRoot(config)], providers: [RegistrationSweep] })
  class SweepTestModule {}
  return NestFactory.createApplicationContext(SweepTestModule, { logger: false });
}

const of = (events: readonly RecordedEvent[], type: string) => events.filter((e) => e.type === type);
const byService = (events: readonly RecordedEvent[]) =>
  events
    .map((e) => ({ serviceId: (e.data as { serviceId: string }).serviceId, ...e.data }))
    .sort((a, b) => a.serviceId.localeCompare(b.serviceId));

describe('registration sweep (embedded store, command bus, hand-built leap-year fixture)', () => {
  const dirs: string[] = [];
  const prefix = `test-sweep-${process.pid}-`;
  let n = 0;
  const apps: INestApplicationContext[] = [];

  async function fixture(): Promise<{ dataDir: string; prefix: string }> {
    const dataDir = mkdtempSync(join(tmpdir(), 'ismap-sweep-'));
    dirs.push(dataDir);
    const p = `${prefix}${n++}:`;
    const app = await openApp(dataDir, p);
    apps.push(app);
    await appendSweepFixture(app.get<EventStore>(EVENT_STORE));
    return { dataDir, prefix: p };
  }

  afterAll(async () => {
    for (const app of apps) await app.close();
    const redis = new Redis();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('expires exactly the registrations past validUntil without a pending renewal, dated the day after', async () => {
    const { dataDir, prefix: p } = await fixture();
    const app = await openApp(dataDir, p);
    apps.push(app);
    const sweep = app.get(RegistrationSweep);
    const store = app.get<EventStore>(EVENT_STORE);
    const run = (asOf: string) =>
      sweep.run({ asOf, correlationId: `sweep-${asOf}`, causationId: `test:${asOf}`, now: NOW });

    const leapDay = await run('2024-02-29');
    expect(leapDay.expired.map((e) => [e.serviceId, e.expiredOn, e.alreadyRecorded])).toEqual([
      [F.leapEve, '2024-02-29', false],
      [F.rejected, '2024-02-11', false],
    ]);
    expect(leapDay.reminded.map((r) => [r.serviceId, r.daysBefore])).toEqual([
      [F.leapDay, 7],
      [F.march, 7],
    ]);
    expect(leapDay.skipped).toEqual([]);

    const march = await run('2024-03-01');
    expect(march.expired.map((e) => [e.serviceId, e.expiredOn, e.validUntil])).toEqual([
      [F.leapDay, '2024-03-01', '2024-02-29'],
    ]);
    // SVC-MARCH's 7-day reminder was issued yesterday; today it is found, not issued again.
    expect(march.reminded.map((r) => [r.serviceId, r.daysBefore, r.alreadyRecorded])).toEqual([
      [F.march, 7, true],
      [F.may, 90, false],
    ]);
    expect(formatSweep(march)).toContain(
      'expired C22-0002-1 (service SVC-LEAP-DAY): valid until 2024-02-29, expired on 2024-03-01',
    );

    const log = await store.readAll();
    const expired = of(log, 'RegistrationExpired');
    expect(byService(expired)).toEqual([
      { serviceId: F.leapDay, expiredOn: '2024-03-01', validUntil: '2024-02-29' },
      { serviceId: F.leapEve, expiredOn: '2024-02-29', validUntil: '2024-02-28' },
      { serviceId: F.rejected, expiredOn: '2024-02-11', validUntil: '2024-02-10' },
    ]);
    // The business date of an expiry is the day after validUntil, whatever day the sweep ran.
    expect(expired.map((e) => e.metadata.occurredOn).sort()).toEqual([
      '2024-02-11',
      '2024-02-29',
      '2024-03-01',
    ]);
    expect(expired.map((e) => e.metadata.correlationId).sort()).toEqual([
      'sweep-2024-02-29',
      'sweep-2024-02-29',
      'sweep-2024-03-01',
    ]);
    const reminders = of(log, 'RenewalReminderIssued');
    expect(reminders.map((e) => [(e.data as { serviceId: string }).serviceId, e.data['daysBefore']])).toEqual(
      [
        [F.leapDay, 7],
        [F.march, 7],
        [F.may, 90],
      ],
    );
    expect(reminders.every((e) => e.metadata.actor.sub === 'system:jobs')).toBe(true);

    // Running a day again appends nothing.
    const again = await run('2024-03-01');
    expect(again.expired).toEqual([]);
    expect((await store.readAll()).length).toBe(log.length);
  });

  it('two workers sweeping the same day at once record each expiry and reminder once', async () => {
    const { dataDir, prefix: p } = await fixture();
    const one = await openApp(dataDir, p);
    const two = await openApp(dataDir, p);
    apps.push(one, two);
    const sweepOf = (app: INestApplicationContext, id: string) =>
      app.get(RegistrationSweep).run({ asOf: '2024-03-01', correlationId: id, causationId: id, now: NOW });

    const [a, b] = await Promise.all([sweepOf(one, 'worker-1'), sweepOf(two, 'worker-2')]);
    // Between them, every expiry is reported; whoever came second found it recorded.
    for (const serviceId of [F.leapEve, F.leapDay, F.rejected]) {
      const reports = [...a.expired, ...b.expired].filter((e) => e.serviceId === serviceId);
      expect(reports.filter((e) => !e.alreadyRecorded)).toHaveLength(1);
    }
    const log = await one.get<EventStore>(EVENT_STORE).readAll();
    expect(
      of(log, 'RegistrationExpired')
        .map((e) => e.data['serviceId'])
        .sort(),
    ).toEqual([F.leapDay, F.leapEve, F.rejected]);
    expect(
      of(log, 'RenewalReminderIssued')
        .map((e) => e.data['serviceId'])
        .sort(),
    ).toEqual([F.march, F.may]);
  });

  it('refuses a day that is not a date', async () => {
    const { dataDir, prefix: p } = await fixture();
    const app = await openApp(dataDir, p);
    apps.push(app);
    await expect(
      app.get(RegistrationSweep).run({ asOf: '2024-02-30', correlationId: 'c', causationId: 'c', now: NOW }),
    ).rejects.toThrow(/not a date/);
  });
});
