import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { builtEntry } from '../support/built';

/**
 * The must-show as an operator runs it, with the built CLI: `cli demo`, `cli seal`, `cli export --out FILE`, then
 * `cli verify-bundle FILE` on a machine with no store and no Redis (an empty DATA_DIR that is never created, a
 * REDIS_URL nobody listens on); then one byte of the bundle edited.
 */
describe('cli export + cli verify-bundle after cli demo (built CLI)', () => {
  const CLI = builtEntry('cli');
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-bundle-cli-'));
  const offlineDir = join(tmpdir(), `ismap-offline-${process.pid}-never-created`);
  const prefix = `test-bundle-cli-${process.pid}:`;
  const bundle = join(dataDir, 'trail.ndjson');

  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, ...args], {
      env: { ...process.env, DATA_DIR: dataDir, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'warn', ...env },
      encoding: 'utf8',
      timeout: 90_000,
    });
  const offline = (args: string[]) => cli(args, { DATA_DIR: offlineDir, REDIS_URL: 'redis://127.0.0.1:1' });

  beforeAll(() => {
    if (!existsSync(CLI))
      throw new Error(`${CLI} is missing: build first (see ISMAP_DIST_DIR in test/support/built.ts)`);
    for (const args of [['demo'], ['seal'], ['export', '--out', bundle]]) {
      const result = cli(args);
      if (result.status !== 0)
        throw new Error(`cli ${args[0]} exited ${String(result.status)}: ${result.stderr}`);
    }
  }, 180_000);

  afterAll(async () => {
    const redis = new Redis();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('verifies the exported bundle offline (exit 0) and names the seal key', () => {
    const result = offline(['verify-bundle', bundle]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^OK: \d+ events in \d+ streams checked; latest seal covers \d+ events/);
    expect(result.stdout).toMatch(/seal key\(s\) in the bundle: ed25519:[0-9a-f]{64}/);
    expect(existsSync(offlineDir)).toBe(false);
  });

  it('fails (exit 1) once one byte of the bundle is edited, and says where', () => {
    const original = readFileSync(bundle);
    const text = original.toString('utf8');
    // One digit of a registration number inside an event's data.
    const at = text.indexOf('"registrationNumber":"C21-') + '"registrationNumber":"C21-'.length;
    const line = JSON.parse(text.slice(text.lastIndexOf('\n', at) + 1, text.indexOf('\n', at))) as {
      streamName: string;
      revision: number;
    };
    const edited = Buffer.from(original);
    edited[at] = edited[at] === 0x39 ? 0x38 : 0x39;
    const file = join(dataDir, 'edited.ndjson');
    writeFileSync(file, edited);
    const result = offline(['verify-bundle', file]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^FAILED/);
    expect(result.stdout).toContain(`changed at ${line.streamName} revision ${line.revision}`);
  });
});
