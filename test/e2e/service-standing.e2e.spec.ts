import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandBus } from '@nestjs/cqrs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import pino from 'pino';
import { loadConfig } from '@ismap/config';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import { createApiApplication } from '../../apps/api/src/bootstrap';
import { runDemo } from '../../apps/cli/src/demo/demo-2021';
import { WorkerModule } from '../../apps/worker/src/worker.module';

/**
 * `GET /services/:id` says where a service stands today by the rule the lists use. The demo's 2021 registrations were
 * never renewed and their validity ended in 2022, but nothing has recorded the lapse (the expiry sweep has not run
 * here): the service view must agree with today's list, which no longer shows them.
 */
describe('a service’s status over HTTP is judged on today, as the list is', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-service-standing-'));
  const prefix = `test-service-standing-${process.pid}:`;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let head: string;
  let serviceIds: string[];

  const store = () => app.get<EventStore>(EVENT_STORE);
  const get = async (path: string) => {
    const response = await fetch(`${baseUrl}${path}`, { headers: { 'x-min-log-position': head } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    const config = loadConfig({ DATA_DIR: dataDir, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'silent' });
    app = await createApiApplication(config, [WorkerModule], pino({ level: 'silent' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    await runDemo(app.get(CommandBus), new Date(), () => undefined);
    const [last] = await store().readAll({ direction: 'backwards', maxCount: 1 });
    head = last?.position ?? '0';
    const registered = await store().readAll({ filter: { eventTypePrefixes: ['ServiceRegistered'] } });
    serviceIds = registered.map((event) => (event.data as { serviceId: string }).serviceId);
  });

  afterAll(async () => {
    await app.close();
    const redis = new Redis();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers EXPIRED for a lapsed registration no expiry was recorded for, as today’s list leaves it out', async () => {
    expect(serviceIds).toHaveLength(20);
    const today = await get('/lists/ismap');
    expect(today.body['count']).toBe(0);
    const then = await get('/lists/ismap?asOf=2021-09-30');
    expect(then.body['count']).toBe(20);

    const lapsed = await store().readAll({ filter: { eventTypePrefixes: ['RegistrationExpired'] } });
    expect(lapsed).toEqual([]);
    for (const serviceId of serviceIds) {
      const service = await get(`/services/${serviceId}`);
      expect([service.status, service.body['status']]).toEqual([200, 'EXPIRED']);
    }
  });
});
