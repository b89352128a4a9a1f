import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { corporateNumberCheckDigit } from '@ismap/domain';
import { SqliteEventStore, type RecordedEvent } from '@ismap/event-store';
import { builtEntry } from '../support/built';
import { freePort, http, waitForCondition } from '../support/http';

/**
 * docs/adr/0004: the server is killed (SIGKILL) right after a REGISTER ruling is appended and before its effects;
 * after a restart the process manager registers the service and closes the application, exactly once.
 */
const SERVER = builtEntry('server');
const CLI = builtEntry('cli');

describe('crash between a ruling and its effects (built server, embedded store, real Redis)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-crash-'));
  const prefix = `test-crash-${process.pid}:`;
  let port: number;
  let baseUrl: string;
  const children = new Set<ChildProcess>();

  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    REDIS_KEY_PREFIX: prefix,
    ...extra,
  });
  const token = (...args: string[]): string => {
    const result = spawnSync(process.execPath, [CLI, 'token', ...args], { env: env(), encoding: 'utf8' });
    if (result.status !== 0) throw new Error(result.stderr);
    return result.stdout.trim();
  };
  async function start(extra: Record<string, string> = {}): Promise<ChildProcess> {
    const child = spawn(process.execPath, [SERVER], { env: env(extra), stdio: 'ignore' });
    children.add(child);
    child.once('exit', () => children.delete(child));
    await waitForCondition(async () => (await http(baseUrl, 'GET', '/health/ready')).status === 200, {
      timeoutMs: 20_000,
      what: 'the server to be ready',
    });
    return child;
  }
  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve(child.signalCode)
      : new Promise<NodeJS.Signals | null>((done) => child.once('exit', (_code, signal) => done(signal)));
  async function readLog(): Promise<RecordedEvent[]> {
    const store = await SqliteEventStore.open({ file: join(dataDir, 'events.sqlite') });
    try {
      return await store.readAll();
    } finally {
      await store.close();
    }
  }
  const post = async (path: string, tokenValue: string, body: unknown, expected: number) => {
    const response = await http(baseUrl, 'POST', path, { token: tokenValue, body });
    if (response.status !== expected) throw new Error(`${path}: ${response.status} ${response.text}`);
    return response.json;
  };

  beforeAll(async () => {
    if (!existsSync(SERVER))
      throw new Error(`${SERVER} is missing: run "npm run build" (npm test does it first)`);
    port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    const redis = new Redis();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers the service exactly once after the restart, and again exactly once after a full replay', async () => {
    const secretariat = token('--role', 'secretariat');
    const reviewer = token('--role', 'ipa-reviewer');

    // 1. A normal run sets the scene: a registered audit body and an application referred to a meeting.
    const first = await start();
    const { providerId } = await post(
      '/providers',
      secretariat,
      {
        name: '障害試験株式会社',
        corporateNumber: `${corporateNumberCheckDigit('300000000003')}300000000003`,
      },
      201,
    );
    const csp = token('--role', 'csp', '--org', String(providerId));
    const { auditBodyId } = await post(
      '/audit-bodies',
      reviewer,
      {
        name: '試験監査法人',
        corporateNumber: `${corporateNumberCheckDigit('400000000004')}400000000004`,
        organisationType: 'AUDIT_CORPORATION',
      },
      201,
    );
    const m1 = await post('/committee/meetings', secretariat, { number: 1, heldOn: '2023-01-20' }, 201);
    await post(
      `/committee/meetings/${String(m1['meetingId'])}/rulings`,
      secretariat,
      {
        subject: { auditBodyId },
        decision: 'AUDIT_BODY_REGISTER',
        rationale: 'Meets the audit body requirements',
      },
      201,
    );
    const m2 = await post('/committee/meetings', secretariat, { number: 2, heldOn: '2023-09-15' }, 201);
    const { applicationId, serviceId } = await post(
      '/applications',
      csp,
      {
        kind: 'NEW',
        track: 'ISMAP',
        serviceName: '障害試験クラウド',
        serviceModel: 'SaaS',
        scope: { description: 'Whole service', regions: ['Tokyo'] },
        auditBodyId,
        auditPeriod: { start: '2022-04-01', end: '2023-03-31' },
        auditReportDate: '2023-05-31',
        submittedOn: '2023-06-05',
        excludedObjectives: [],
      },
      201,
    );
    await post(`/applications/${String(applicationId)}/accept`, reviewer, { acceptedOn: '2023-06-20' }, 200);
    await post(
      `/applications/${String(applicationId)}/refer`,
      reviewer,
      { meetingId: m2['meetingId'], occurredOn: '2023-08-30' },
      200,
    );
    first.kill('SIGTERM');
    await exited(first);

    // 2. The faulty run dies right after appending the ruling.
    const faulty = await start({ ISMAP_FAULT_INJECTION: 'crash-after-ruling-append' });
    await expect(
      http(baseUrl, 'POST', `/committee/meetings/${String(m2['meetingId'])}/rulings`, {
        token: secretariat,
        body: { subject: { applicationId }, decision: 'REGISTER', rationale: 'Meets the ISMAP requirements' },
      }),
    ).rejects.toThrow();
    expect(await exited(faulty)).toBe('SIGKILL');
    const afterCrash = await readLog();
    expect(
      afterCrash.filter((e) => e.type === 'RulingRecorded' && e.data['decision'] === 'REGISTER'),
    ).toHaveLength(1);
    expect(afterCrash.filter((e) => e.type === 'ServiceRegistered')).toHaveLength(0);
    expect(afterCrash.filter((e) => e.type === 'ApplicationDecided')).toHaveLength(0);

    // 3. A normal restart: the process manager applies the ruling's effects from the log.
    const second = await start();
    await waitForCondition(async () => (await readLog()).some((e) => e.type === 'ApplicationDecided'), {
      timeoutMs: 15_000,
      what: 'the process manager to apply the ruling',
    });
    const recovered = await readLog();
    const registered = recovered.filter((e) => e.type === 'ServiceRegistered');
    expect(registered).toHaveLength(1);
    expect(registered[0]?.streamName).toBe(`service-${String(serviceId)}`);
    expect(registered[0]?.data['registrationNumber']).toBe('C23-0001-1');
    expect(registered[0]?.metadata.actor.sub).toBe('system:reactions');
    expect(recovered.filter((e) => e.type === 'ApplicationDecided')).toHaveLength(1);
    second.kill('SIGTERM');
    await exited(second);

    // 4. Forget the checkpoint: a full replay of every reaction appends nothing new.
    const redis = new Redis();
    await redis.del(`${prefix}checkpoint:reactions`);
    const third = await start();
    await waitForCondition(async () => (await redis.get(`${prefix}checkpoint:reactions`)) !== null, {
      timeoutMs: 15_000,
      what: 'the process manager to replay the log',
    });
    const ruling = recovered.find((e) => e.type === 'RulingRecorded' && e.data['decision'] === 'REGISTER');
    await waitForCondition(
      async () =>
        BigInt((await redis.get(`${prefix}checkpoint:reactions`)) ?? '0') >= BigInt(ruling?.position ?? '0'),
      {
        timeoutMs: 15_000,
        what: 'the replay to pass the ruling',
      },
    );
    redis.disconnect();
    third.kill('SIGTERM');
    await exited(third);
    const replayed = await readLog();
    expect(replayed.length).toBe(recovered.length);
  });
});
