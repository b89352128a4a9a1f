import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '@ismap/config';
import { SEALS_STREAM } from '@ismap/domain';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import { listSeals } from '@ismap/integrity';
import { parseArgs } from '../../apps/cli/src/args';
import { withApplication } from '../../apps/cli/src/application-context';
import { demoCommand } from '../../apps/cli/src/commands/demo.command';
import { exportCommand } from '../../apps/cli/src/commands/export.command';
import { sealCommand } from '../../apps/cli/src/commands/seal.command';
import { verifyBundleCommand } from '../../apps/cli/src/commands/verify-bundle.command';
import { verifyCommand } from '../../apps/cli/src/commands/verify.command';
import { prng } from './trail-fixture';

/**
 * `cli demo` → `cli seal` → `cli export --out FILE` → `cli verify-bundle FILE`, in process through the CLI's own
 * command functions and the same command bus. verify-bundle takes no configuration at all: it cannot reach a
 * store or Redis. Then single-byte edits of the bundle must all fail it.
 */
describe('cli export and verify-bundle after the demo', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-bundle-'));
  const prefix = `test-bundle-${process.pid}:`;
  const config = loadConfig({ DATA_DIR: dataDir, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'silent' });
  const bundle = join(dataDir, 'trail.ndjson');
  const quiet = () => undefined;

  async function run(
    command: (say: (line: string) => void) => Promise<number>,
  ): Promise<{ code: number; output: string }> {
    const lines: string[] = [];
    const code = await command((line) => lines.push(line));
    return { code, output: lines.join('\n') };
  }

  beforeAll(async () => {
    await demoCommand(parseArgs(['demo']), config, quiet);
  }, 120_000);

  afterAll(async () => {
    const redis = new Redis(config.redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('seals the demo trail once: sealing again at the same position records nothing', async () => {
    const first = await run((say) => sealCommand(parseArgs(['seal']), config, say));
    expect(first.code).toBe(0);
    expect(first.output).toMatch(/^Sealed: \d+ events up to position \d+/);
    const again = await run((say) => sealCommand(parseArgs(['seal']), config, say));
    expect(again.output).toMatch(/^Already sealed/);
    const seals = await withApplication(config, (app) => listSeals(app.get<EventStore>(EVENT_STORE)));
    expect(seals).toHaveLength(1);
    const all = await withApplication(config, (app) => app.get<EventStore>(EVENT_STORE).readAll());
    // The seal covers every event but itself.
    expect(seals[0]?.eventCount).toBe(all.filter((e) => e.streamName !== SEALS_STREAM).length);
  });

  it('verifies the live trail with cli verify (exit 0)', async () => {
    const result = await run((say) => verifyCommand(parseArgs(['verify']), config, say));
    expect(result.output).toMatch(/^OK: \d+ events in \d+ streams checked; latest seal covers/);
    expect(result.code).toBe(0);
  });

  it('exports a bundle that verify-bundle accepts offline', async () => {
    const exported = await run((say) => exportCommand(parseArgs(['export', '--out', bundle]), config, say));
    expect(exported.code).toBe(0);
    const lines = readFileSync(bundle, 'utf8').trimEnd().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ format: 'ismap-ledger/trail-bundle', version: 1 });
    expect(JSON.parse(lines[lines.length - 1]!)).toMatchObject({ end: true, eventCount: lines.length - 2 });

    const verified = await run((say) => verifyBundleCommand(['verify-bundle', bundle], say));
    expect(verified.output).toMatch(/^OK: /);
    expect(verified.code).toBe(0);
  });

  it('fails when one byte of an event is edited, naming its stream and revision', async () => {
    const original = readFileSync(bundle);
    const text = original.toString('utf8');
    // A digit of the first registration number recorded in an event's data.
    const at = text.indexOf('"registrationNumber":"C21-') + '"registrationNumber":"C'.length + 1;
    const lineStart = text.lastIndexOf('\n', at) + 1;
    const line = JSON.parse(text.slice(lineStart, text.indexOf('\n', at))) as {
      streamName: string;
      revision: number;
    };
    // The bundle holds Japanese text: turn the string index into a byte offset before editing the bytes.
    const byte = Buffer.byteLength(text.slice(0, at), 'utf8');
    const edited = Buffer.from(original);
    expect(String.fromCharCode(edited[byte]!)).toMatch(/[0-9]/);
    edited[byte] = '9'.charCodeAt(0) === edited[byte] ? '8'.charCodeAt(0) : '9'.charCodeAt(0);
    const file = join(dataDir, 'edited.ndjson');
    writeFileSync(file, edited);
    const result = await run((say) => verifyBundleCommand(['verify-bundle', file], say));
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/^FAILED/);
    expect(result.output).toContain(`changed at ${line.streamName} revision ${line.revision}`);
    expect(result.output).toContain('the trailer digest does not match');
  });

  it('fails for every one of 40 single-byte edits at random places in the bundle', async () => {
    const original = readFileSync(bundle);
    const random = prng(7);
    const file = join(dataDir, 'random-edit.ndjson');
    const passed: number[] = [];
    for (let trial = 0; trial < 40; trial++) {
      const at = Math.floor(random() * original.length);
      const edited = Buffer.from(original);
      // Another printable ASCII byte, never the same one.
      edited[at] = 0x21 + ((((original[at]! - 0x21 + 1 + Math.floor(random() * 90)) % 94) + 94) % 94);
      writeFileSync(file, edited);
      const result = await run((say) => verifyBundleCommand(['verify-bundle', file], say));
      if (result.code !== 1) passed.push(at);
    }
    expect(passed).toEqual([]);
  });

  it('cli verify exits 1 naming the stream and revision of an event changed in the store file', async () => {
    const [target] = await withApplication(config, (app) =>
      app
        .get<EventStore>(EVENT_STORE)
        .readAll({ filter: { eventTypePrefixes: ['ServiceRegistered'] }, maxCount: 1 }),
    );
    const db = new Database(join(dataDir, 'events.sqlite'));
    try {
      db.prepare("UPDATE events SET data = replace(data, 'C21-', 'C22-') WHERE event_id = ?").run(target!.id);
    } finally {
      db.close();
    }
    const result = await run((say) => verifyCommand(parseArgs(['verify']), config, say));
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/^FAILED/);
    expect(result.output).toContain(`changed at ${target!.streamName} revision ${target!.revision}`);
  });

  it('cli verify --against the earlier export names a cut-off tail at its first missing event', async () => {
    const all = await withApplication(config, (app) => app.get<EventStore>(EVENT_STORE).readAll());
    const cut = all[all.length - 5]!;
    const db = new Database(join(dataDir, 'events.sqlite'));
    try {
      db.prepare('DELETE FROM events WHERE position >= ?').run(Number(cut.position));
    } finally {
      db.close();
    }
    const result = await run((say) => verifyCommand(parseArgs(['verify', '--against', bundle]), config, say));
    expect(result.code).toBe(1);
    expect(result.output).toContain(`truncated at ${cut.streamName} revision ${cut.revision}`);
  });

  it('pins the seal key: a bundle verified against another key id fails', async () => {
    const result = await run((say) =>
      verifyBundleCommand(['verify-bundle', bundle, '--key-id', `ed25519:${'0'.repeat(64)}`], say),
    );
    expect(result.code).toBe(1);
    expect(result.output).toContain('does not carry the expected key');
  });
});
