import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { SqliteEventStore, type RecordedEvent } from '@ismap/event-store';
import type { SweepResult } from '@ismap/jobs';
import {
  bullConnection,
  bullPrefix,
  QUEUES,
  RegistrationSweepPayload,
  sweepJobId,
  toJobData,
} from '@ismap/jobs';
import { builtEntry } from '../support/built';
import { freePort, waitForCondition } from '../support/http';
import { appendSweepFixture, SWEEP_FIXTURE as F } from './sweep-fixture';

const WORKER = builtEntry('worker');
const CLI = builtEntry('cli');
const REDIS_URL = 'redis://127.0.0.1:6379';

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The built worker as its own process, with the real Redis and BullMQ: a SIGKILL in the middle of a sweep job,
 * SIGTERM draining an active job, and the start-up check of Redis' eviction policy.
 */
describe('worker process: crash, drain and start-up checks (built worker, embedded store, real Redis)', () => {
  const dirs: string[] = [];
  const prefixes: string[] = [];
  const queues: Queue[] = [];
  const children = new Set<ChildProcess>();
  let extraRedis: ChildProcess | undefined;
  let n = 0;

  async function deployment(): Promise<{ dataDir: string; prefix: string; queue: Queue }> {
    const dataDir = mkdtempSync(join(tmpdir(), 'ismap-worker-jobs-'));
    const prefix = `test-worker-jobs-${process.pid}-${n++}:`;
    dirs.push(dataDir);
    prefixes.push(prefix);
    const store = await SqliteEventStore.open({ file: join(dataDir, 'events.sqlite') });
    await appendSweepFixture(store);
    await store.close();
    const queue = new Queue(QUEUES.expiry, {
      connection: bullConnection(REDIS_URL),
      prefix: bullPrefix(prefix),
    });
    queues.push(queue);
    return { dataDir, prefix, queue };
  }

  function startWorker(env: Record<string, string>): Started {
    const child = spawn(process.execPath, [WORKER], {
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', REDIS_URL, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    children.add(child);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.once('exit', (code, signal) => {
        children.delete(child);
        done({ code, signal });
      }),
    );
    return { child, output: () => output, exited };
  }

  const started = (worker: Started) =>
    waitForCondition(() => Promise.resolve(worker.output().includes('"msg":"worker started"')), {
      timeoutMs: 30_000,
      what: 'the worker to start',
    });

  async function readLog(dataDir: string): Promise<RecordedEvent[]> {
    const store = await SqliteEventStore.open({ file: join(dataDir, 'events.sqlite') });
    try {
      return await store.readAll();
    } finally {
      await store.close();
    }
  }
  const expiriesIn = async (dataDir: string) =>
    (await readLog(dataDir)).filter((e) => e.type === 'RegistrationExpired');

  const queueSweep = (queue: Queue, asOf: string, correlationId: string) =>
    queue.add(
      'registration-sweep',
      toJobData(
        RegistrationSweepPayload,
        Object.assign(new RegistrationSweepPayload(), { correlationId, asOf }),
      ),
      { jobId: sweepJobId(asOf), attempts: 3 },
    );

  beforeAll(() => {
    if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: build first (npm test does it)`);
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    extraRedis?.kill('SIGKILL');
    for (const queue of queues) await queue.close();
    const redis = new Redis(REDIS_URL);
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis.disconnect();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('a worker killed (SIGKILL) mid-sweep: the job is retried after a restart and each expiry is recorded once', async () => {
    const { dataDir, prefix, queue } = await deployment();
    const env = { DATA_DIR: dataDir, REDIS_KEY_PREFIX: prefix };
    const crashing = startWorker({ ...env, ISMAP_FAULT_INJECTION: 'crash-during-expiry-sweep' });
    const job = await queueSweep(queue, '2024-03-01', 'test-crash-sweep');

    // The fault point kills the worker right after the sweep's first expiry: durable, the job not finished.
    expect(await crashing.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect((await expiriesIn(dataDir)).map((e) => e.data['serviceId'])).toEqual([F.leapDay]);
    expect(await queue.getJobState(job.id!)).toBe('active');

    const restarted = startWorker(env);
    await waitForCondition(async () => (await queue.getJobState(job.id!)) === 'completed', {
      timeoutMs: 90_000,
      intervalMs: 250,
      what: 'the stalled sweep to be retried and completed',
    });
    const done = await queue.getJob(job.id!);
    // Retried by stalled-job recovery, not failed: the crash is not counted as a failed attempt.
    expect(done?.stalledCounter).toBe(1);
    expect(done?.attemptsMade).toBe(1);
    const result = done?.returnvalue as SweepResult;
    expect(result.expired.map((e) => e.serviceId)).toEqual([F.leapEve, F.rejected]);

    const expiries = await expiriesIn(dataDir);
    expect(expiries.map((e) => e.data['serviceId']).sort()).toEqual([F.leapDay, F.leapEve, F.rejected]);
    expect(expiries.every((e) => e.metadata.correlationId === 'test-crash-sweep')).toBe(true);
    expect(expiries.every((e) => e.metadata.causationId === `job:${job.id}`)).toBe(true);

    restarted.child.kill('SIGTERM');
    expect((await restarted.exited).code).toBe(0);
  }, 150_000);

  it('SIGTERM lets the active sweep finish, takes no new job, and exits 0', async () => {
    const { dataDir, prefix, queue } = await deployment();
    const worker = startWorker({
      DATA_DIR: dataDir,
      REDIS_KEY_PREFIX: prefix,
      ISMAP_FAULT_INJECTION: 'stall-during-expiry-sweep',
    });
    await started(worker);
    const job = await queueSweep(queue, '2024-03-01', 'test-drain');
    // The sweep holds 5 s after its first expiry: the job is active and unfinished when SIGTERM arrives.
    await waitForCondition(async () => (await expiriesIn(dataDir)).length === 1, {
      timeoutMs: 30_000,
      what: 'the sweep to record its first expiry',
    });
    worker.child.kill('SIGTERM');
    const later = await queueSweep(queue, '2024-03-02', 'test-drain-later');

    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(await queue.getJobState(job.id!)).toBe('completed');
    expect((await expiriesIn(dataDir)).map((e) => e.data['serviceId']).sort()).toEqual([
      F.leapDay,
      F.leapEve,
      F.rejected,
    ]);
    expect(await queue.getJobState(later.id!)).toBe('waiting');
    expect(worker.output()).toContain('job workers drained');
  }, 60_000);

  it('SIGTERM with a job that outlasts SHUTDOWN_TIMEOUT_MS: the job is abandoned to stalled recovery, not failed', async () => {
    const { dataDir, prefix, queue } = await deployment();
    const worker = startWorker({
      DATA_DIR: dataDir,
      REDIS_KEY_PREFIX: prefix,
      ISMAP_FAULT_INJECTION: 'stall-during-expiry-sweep',
      SHUTDOWN_TIMEOUT_MS: '3000',
    });
    await started(worker);
    const job = await queueSweep(queue, '2024-03-01', 'test-drain-timeout');
    await waitForCondition(async () => (await expiriesIn(dataDir)).length === 1, {
      timeoutMs: 30_000,
      what: 'the sweep to record its first expiry',
    });
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.output()).toContain('job drain timed out');
    expect(await queue.getJobState(job.id!)).toBe('active');
    expect(await expiriesIn(dataDir)).toHaveLength(1);
  }, 60_000);

  it('cli expire --on DATE prints what it expired; a second run expires nothing; a later day is refused', async () => {
    const { dataDir, prefix } = await deployment();
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [CLI, 'expire', ...args], {
        env: { ...process.env, NODE_ENV: 'test', DATA_DIR: dataDir, REDIS_KEY_PREFIX: prefix, REDIS_URL },
        encoding: 'utf8',
      });
    const first = cli('--on', '2024-02-29');
    expect(first.status).toBe(0);
    expect(first.stdout.trim().split('\n')).toEqual([
      'expired C22-0001-1 (service SVC-LEAP-EVE): valid until 2024-02-28, expired on 2024-02-29',
      'expired C22-0004-1 (service SVC-REJECTED): valid until 2024-02-10, expired on 2024-02-11',
      'reminded C22-0002-1 (service SVC-LEAP-DAY): 7 days before 2024-02-29',
      'reminded C22-0006-1 (service SVC-MARCH): 7 days before 2024-03-01',
      '2024-02-29: 2 registration(s) expired, 2 reminder(s) issued',
    ]);
    const again = cli('--on', '2024-02-29');
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('2024-02-29: 0 registration(s) expired, 0 reminder(s) issued');
    expect((await expiriesIn(dataDir)).map((e) => e.data['serviceId']).sort()).toEqual([
      F.leapEve,
      F.rejected,
    ]);

    const future = cli('--on', '2999-01-01');
    expect(future.status).toBe(2);
    expect(future.stderr).toContain('is later than today');
    expect(cli('--on', '2024-02-30').status).toBe(2);
  }, 60_000);

  it('refuses to start in production on a Redis that may evict keys, and only warns in test mode', async () => {
    const port = await freePort();
    extraRedis = spawn(
      'redis-server',
      ['--port', String(port), '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'allkeys-lru'],
      { stdio: 'ignore' },
    );
    const probe = new Redis(port, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    await waitForCondition(async () => (await probe.ping().catch(() => null)) === 'PONG', {
      timeoutMs: 10_000,
      what: 'the second Redis to answer',
    });
    probe.disconnect();
    const dataDir = mkdtempSync(join(tmpdir(), 'ismap-worker-policy-'));
    dirs.push(dataDir);
    const env = { DATA_DIR: dataDir, REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_KEY_PREFIX: 'policy:' };

    const production = startWorker({
      ...env,
      NODE_ENV: 'production',
      AUTH_JWKS_URL: 'https://issuer.example.invalid/jwks.json',
      WEBHOOK_SIGNING_KEY: 'a'.repeat(64),
      SEAL_KEY_FILE: join(dataDir, 'seal.pem'),
    });
    expect((await production.exited).code).toBe(1);
    expect(production.output()).toContain('maxmemory-policy is allkeys-lru; it must be noeviction');

    const test = startWorker(env);
    await started(test);
    expect(test.output()).toContain('maxmemory-policy is allkeys-lru; it must be noeviction');
    test.child.kill('SIGTERM');
    // The output comes with the code, so that a failed shutdown says why.
    const { code } = await test.exited;
    expect({ code, output: code === 0 ? '' : test.output() }).toEqual({ code: 0, output: '' });
  }, 60_000);
});
