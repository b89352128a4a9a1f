import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corporateNumberCheckDigit } from '@ismap/domain';
import { SqliteEventStore } from '@ismap/event-store';
import { builtEntry } from '../support/built';
import { freePort, http, waitForCondition } from '../support/http';

/**
 * The built product as separate OS processes (`npm test` builds first): what `npm start` and the CLI do on a
 * fresh DATA_DIR, including a SIGKILL right after an acknowledged command.
 */
const SERVER = builtEntry('server');
const CLI = builtEntry('cli');

describe('the product as processes (embedded store, real Redis)', () => {
  let dataDir: string;
  let port: number;
  let baseUrl: string;
  const children = new Set<ChildProcess>();

  const env = (): NodeJS.ProcessEnv => ({
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'warn',
  });

  async function startServer(): Promise<{ child: ChildProcess; readyAfterMs: number }> {
    const started = Date.now();
    const child = spawn(process.execPath, [SERVER], { env: env(), stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(child);
    child.once('exit', () => children.delete(child));
    await waitForCondition(async () => (await http(baseUrl, 'GET', '/health/ready')).status === 200, {
      timeoutMs: 20_000,
      what: 'GET /health/ready to answer 200',
    });
    return { child, readyAfterMs: Date.now() - started };
  }

  function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (child.exitCode !== null || child.signalCode !== null) {
      return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
    }
    return new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
  }

  function cli(...args: string[]) {
    return spawnSync(process.execPath, [CLI, ...args], { env: env(), encoding: 'utf8' });
  }

  beforeAll(async () => {
    if (!existsSync(SERVER))
      throw new Error(`${SERVER} is missing: run "npm run build" (npm test does it first)`);
    dataDir = mkdtempSync(join(tmpdir(), 'ismap-process-'));
    port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts on a fresh DATA_DIR, is ready, and the CLI token works against it', async () => {
    const { child, readyAfterMs } = await startServer();
    process.stdout.write(`server ready after ${readyAfterMs} ms\n`);

    const token = cli('token', '--role', 'secretariat', '--sub', 'suzuki@nisc');
    expect(token.status).toBe(0);
    expect(token.stdout).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
    expect(token.stderr).toBe('');

    const unknownRole = cli('token', '--role', 'emperor');
    expect(unknownRole.status).not.toBe(0);
    expect(unknownRole.stdout).toBe('');
    expect(unknownRole.stderr).toMatch(/role/i);

    const body = {
      name: 'プロセス試験株式会社',
      corporateNumber: `${corporateNumberCheckDigit('100000000001')}100000000001`,
    };
    const created = await http(baseUrl, 'POST', '/providers', { token: token.stdout.trim(), body });
    expect(created.status).toBe(201);

    child.kill('SIGTERM');
    expect(await exited(child)).toEqual({ code: 0, signal: null });
  });

  it('an event acknowledged with 201 survives SIGKILL right after the response', async () => {
    const { child } = await startServer();
    const token = cli('token', '--role', 'ipa-reviewer').stdout.trim();
    const body = {
      name: 'SIGKILL試験',
      corporateNumber: `${corporateNumberCheckDigit('200000000002')}200000000002`,
    };
    const created = await http(baseUrl, 'POST', '/providers', { token, body });
    expect(created.status).toBe(201);
    child.kill('SIGKILL');
    expect((await exited(child)).signal).toBe('SIGKILL');

    const store = await SqliteEventStore.open({ file: join(dataDir, 'events.sqlite') });
    try {
      const [event] = await store.readStream(`provider-${String(created.json['providerId'])}`);
      expect(event?.type).toBe('ProviderRegistered');
      expect(event?.position).toBe(created.json['position']);
    } finally {
      await store.close();
    }

    const restarted = await startServer();
    const again = await http(baseUrl, 'POST', '/providers', { token, body });
    expect(again.status).toBe(409);
    expect(again.json['code']).toBe('PROVIDER.ALREADY_REGISTERED');
    restarted.child.kill('SIGTERM');
    expect(await exited(restarted.child)).toEqual({ code: 0, signal: null });
  });

  it('refuses to start on invalid configuration, naming the variable', () => {
    const result = spawnSync(process.execPath, [SERVER], {
      env: { ...env(), PORT: 'eighty', REDIS_URL: 'http://nowhere' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/PORT="eighty"/);
    expect(result.stderr).toMatch(/REDIS_URL/);
  });
});
