import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandBus } from '@nestjs/cqrs';
import type { Redis } from 'ioredis';
import { ApplicationModule, REDIS } from '@ismap/application';
import { loadConfig } from '@ismap/config';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import { PROJECTIONS, RedisReadView, SERVICES, headPosition, projectionKeys } from '@ismap/read-models';
import { projectionsCommand } from '../../apps/cli/src/commands/projections.command';
import { rebuildWithProgress } from '../../apps/cli/src/commands/rebuild.command';
import { runDemo } from '../../apps/cli/src/demo/demo-2021';
import { ProjectionsService } from '../../apps/worker/src/projections.service';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { waitForCondition } from '../support/http';

/** The worker's projections and the operator's CLI commands on one DATA_DIR and Redis prefix, as in production. */
describe('worker ProjectionsService with cli projections / rebuild', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-worker-projections-'));
  const prefix = `test-worker-rm-${process.pid}:`;
  const config = loadConfig({ DATA_DIR: dataDir, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'error' });
  let app: INestApplicationContext;
  let redis: Redis;
  let store: EventStore;

  beforeAll(async () => {
    @Module({ imports: [ApplicationModule.forRoot(config), WorkerModule] })
    class WorkerTestModule {}
    // Quiet: the assertions say what went wrong; the reactions' own logging is not this test's subject.
    app = await NestFactory.createApplicationContext(WorkerTestModule, { logger: false });
    app.enableShutdownHooks();
    redis = app.get<Redis>(REDIS);
    store = app.get<EventStore>(EVENT_STORE);
  });

  afterAll(async () => {
    const cleanup = redis.duplicate();
    await app.close();
    let cursor = '0';
    do {
      const [next, keys] = await cleanup.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await cleanup.unlink(...keys);
    } while (cursor !== '0');
    await cleanup.quit();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const where = async (): Promise<string> => {
    const head = await headPosition(store);
    const statuses = await app.get(ProjectionsService).status();
    const rows = statuses.map((s) => `${s.name} ${s.state} ${s.checkpoint ?? '-'} parked ${s.parked}`);
    return `every projection at ${head ?? '-'}: ${rows.join('; ')}`;
  };

  const allCaughtUp = async (): Promise<boolean> => {
    const head = await headPosition(store);
    const statuses = await app.get(ProjectionsService).status();
    return statuses.every((s) => s.checkpoint === head && s.state === 'live');
  };

  it('runs every projection of PROJECTIONS live; the CLI table shows them; a CLI rebuild switches under it', async () => {
    await runDemo(app.get(CommandBus), new Date('2026-11-21T03:00:00Z'), () => undefined);
    await waitForCondition(allCaughtUp, {
      timeoutMs: 20_000,
      intervalMs: 25,
      what: `every projection to catch up (at the start: ${await where()})`,
    });
    const statuses = await app.get(ProjectionsService).status();
    expect(statuses.map((s) => s.name)).toEqual(PROJECTIONS.map((p) => p.name));
    expect(statuses.filter((s) => s.parked > 0 || s.halted !== undefined)).toEqual([]);
    const view = new RedisReadView(redis, prefix, 'registrations');
    expect(await view.all(SERVICES)).toHaveLength(20);

    const lines: string[] = [];
    expect(await projectionsCommand([], config, (line) => lines.push(line))).toBe(0);
    const table = lines.join('\n').split('\n');
    expect(table[0]).toMatch(/^projection\s+version\s+live gen\s+checkpoint\s+lag\s+parked\s+state$/);
    for (const projection of PROJECTIONS) {
      expect(table.find((row) => row.startsWith(`${projection.name} `))).toMatch(
        /\s1\s+\d+\s+0\s+0\s+running$/,
      );
    }

    // `cli rebuild` in its own application context (as the CLI process would be) beside the running worker.
    const written: string[] = [];
    const outcomes = await rebuildWithProgress(PROJECTIONS, {
      store,
      redis,
      keyPrefix: prefix,
      out: { isTTY: false, write: (text) => written.push(text) },
    });
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    expect(written.at(-1)).toMatch(/100\.0%/);
    await waitForCondition(allCaughtUp, {
      timeoutMs: 20_000,
      intervalMs: 25,
      what: `every projection to catch up (at the start: ${await where()})`,
    });
    for (const [i, status] of (await app.get(ProjectionsService).status()).entries()) {
      const outcome = outcomes[i]!;
      expect(outcome.ok && status.generation === outcome.result.generation).toBe(true);
    }
    expect(await view.all(SERVICES)).toHaveLength(20);
  }, 60_000);

  it('releases every lease on shutdown', async () => {
    const service = app.get(ProjectionsService);
    await service.onApplicationShutdown();
    for (const projection of PROJECTIONS) {
      expect(await redis.exists(projectionKeys(prefix, projection.name).lease)).toBe(0);
    }
  });
});
