import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { DecisionTimeline } from '@ismap/read-models';
import { loadDemoRows } from '../../apps/cli/src/demo/demo-2021';
import { builtEntry } from '../support/built';

/** `cli replay` as the secretariat runs it: the built CLI, after `cli demo`, on its own DATA_DIR and Redis prefix. */
describe('cli replay after cli demo (built CLI, embedded store)', () => {
  const CLI = builtEntry('cli');
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-replay-'));
  const prefix = `test-replay-${process.pid}:`;
  const rows = loadDemoRows();
  const MEETING_DATES = ['2021-03-12', '2021-06-22', '2021-07-30', '2021-09-13'];

  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], {
      env: { ...process.env, DATA_DIR: dataDir, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      timeout: 60_000,
    });
  const json = (...args: string[]): DecisionTimeline => {
    const result = cli('replay', ...args, '--format', 'json');
    if (result.status !== 0) throw new Error(`replay exited ${String(result.status)}: ${result.stderr}`);
    return JSON.parse(result.stdout) as DecisionTimeline;
  };
  const YEAR_2021 = ['--from', '2021-01-01', '--to', '2021-12-31'];

  beforeAll(() => {
    if (!existsSync(CLI))
      throw new Error(`${CLI} is missing: build first (see ISMAP_DIST_DIR in test/support/built.ts)`);
    const demo = cli('demo');
    if (demo.status !== 0) throw new Error(`cli demo exited ${String(demo.status)}: ${demo.stderr}`);
  }, 120_000);

  afterAll(async () => {
    const redis = new Redis();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the four 2021 meetings with their 20 rulings in order, as readable text', () => {
    const result = cli('replay', ...YEAR_2021);
    expect(result.status).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('Committee decisions 2021-01-01 – 2021-12-31 (everything recorded)');
    expect(lines[1]).toBe('4 meeting(s), 20 ruling(s)');
    const meetings = lines.filter((l) => l.startsWith('== '));
    expect(meetings.map((l) => l.slice(3, 13))).toEqual(MEETING_DATES);
    expect(result.stdout).not.toContain('2020-10-30');
    expect(meetings[0]).toMatch(/^== 2021-03-12 {2}第2回 committee meeting \(M2\), 10 ruling\(s\)$/);

    // One line per ruling: number, date, decision, registration number, service name — in the order of the list.
    const rulings = lines.filter((l) => /^ {2}[ \d]\d\. /.test(l));
    const nth = (i: number): number =>
      rows.slice(0, i + 1).filter((r) => r.registeredOn === rows[i]?.registeredOn).length;
    expect(rulings).toEqual(
      rows.map(
        (r, i) =>
          `  ${String(nth(i)).padStart(2)}. ${r.registeredOn}  REGISTER  C21-${String(i + 1).padStart(4, '0')}-1  ${r.serviceName}`,
      ),
    );
    expect(lines.filter((l) => l.startsWith('      rationale   Meets the ISMAP requirements'))).toHaveLength(
      20,
    );
    expect(
      lines.filter((l) =>
        /^ {6}recorded {4}by demo:secretariat at \d{4}-\d\d-\d\dT.+Z \(log position \d+\)$/.test(l),
      ),
    ).toHaveLength(20);
    expect(
      lines.filter((l) => /^ {6}subject {5}application [0-9a-f-]{36} \(service [0-9a-f-]{36}\)$/.test(l)),
    ).toHaveLength(20);
  });

  it('gives the same history as JSON', () => {
    const timeline = json(...YEAR_2021);
    expect(timeline).toMatchObject({
      from: '2021-01-01',
      to: '2021-12-31',
      asOfPosition: null,
      meetingCount: 4,
      rulingCount: 20,
    });
    expect(timeline.meetings.map((m) => [m.heldOn, m.number])).toEqual([
      ['2021-03-12', 2],
      ['2021-06-22', 3],
      ['2021-07-30', 4],
      ['2021-09-13', 5],
    ]);
    const rulings = timeline.meetings.flatMap((m) => m.rulings);
    expect(rulings.map((r) => [r.decidedOn, r.decision, r.subject.name, r.registrationNumber])).toEqual(
      rows.map((r, i) => [
        r.registeredOn,
        'REGISTER',
        r.serviceName,
        `C21-${String(i + 1).padStart(4, '0')}-1`,
      ]),
    );
    // In the order recorded: log positions only grow.
    const positions = rulings.map((r) => BigInt(r.position));
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('shows the illustrative 2020 audit-body meeting only when the range holds it', () => {
    const timeline = json('--from', '2020-01-01', '--to', '2020-12-31');
    expect(timeline.meetings.map((m) => [m.heldOn, m.number, m.rulings.length])).toEqual([
      ['2020-10-30', 1, 3],
    ]);
    expect(timeline.meetings[0]?.rulings.map((r) => r.decision)).toEqual(
      Array(3).fill('AUDIT_BODY_REGISTER'),
    );
  });

  it('keeps one service with --service', () => {
    const fifth = json(...YEAR_2021).meetings.flatMap((m) => m.rulings)[4]!;
    const serviceId = fifth.subject.serviceId!;
    const timeline = json(...YEAR_2021, '--service', serviceId);
    expect(timeline).toMatchObject({ serviceId, meetingCount: 1, rulingCount: 1 });
    expect(timeline.meetings[0]?.rulings[0]?.rulingId).toBe(fifth.rulingId);
    expect(timeline.meetings[0]?.rulings[0]?.subject.name).toBe(rows[4]?.serviceName);
  });

  it('cuts the history at --as-of-position: what the log held then', () => {
    const rulings = json(...YEAR_2021).meetings.flatMap((m) => m.rulings);
    const twelfth = rulings[11]!;
    const timeline = json(...YEAR_2021, '--as-of-position', twelfth.position);
    expect(timeline).toMatchObject({ asOfPosition: twelfth.position, meetingCount: 2, rulingCount: 12 });
    expect(timeline.meetings.flatMap((m) => m.rulings).map((r) => r.rulingId)).toEqual(
      rulings.slice(0, 12).map((r) => r.rulingId),
    );
    const text = cli('replay', ...YEAR_2021, '--as-of-position', twelfth.position);
    expect(text.stdout.split('\n')[0]).toBe(
      `Committee decisions 2021-01-01 – 2021-12-31 (as recorded up to log position ${twelfth.position})`,
    );
    expect(json(...YEAR_2021, '--as-of-position', '0')).toMatchObject({ rulingCount: 0, meetings: [] });
  });

  it.each([
    [['--from', '2021-13-01', '--to', '2021-12-31'], '--from must be a date'],
    [['--from', '2021-12-31', '--to', '2021-01-01'], 'is after --to'],
    [['--from', '2021-01-01'], '--to DATE is required'],
    [[...YEAR_2021, '--as-of-position', 'yesterday'], '--as-of-position must be a log position'],
    [[...YEAR_2021, '--as-of-position', '-5'], '--as-of-position must be a log position'],
    [[...YEAR_2021, '--format', 'xml'], '--format must be text or json'],
    [[...YEAR_2021, '--service', 'not-an-id'], '--service must be a service id'],
    [[...YEAR_2021, '--meeting', '2'], 'unknown option --meeting'],
  ])('refuses %j with exit code 2 and the usage', (args, message) => {
    const result = cli('replay', ...args);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('replay --from DATE --to DATE');
  });
});
