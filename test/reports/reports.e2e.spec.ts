import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CommandBus } from '@nestjs/cqrs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import pino from 'pino';
import { logHead, REPORT_HTML_CSP } from '@ismap/application';
import { issueDevToken } from '@ismap/auth';
import { loadConfig, type AppConfig } from '@ismap/config';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import { createApiApplication } from '../../apps/api/src/bootstrap';
import { runDemo } from '../../apps/cli/src/demo/demo-2021';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { http, waitForCondition } from '../support/http';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve(__dirname, '../artifacts');

function runChromium(args: readonly string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((done, fail) => {
    const child = spawn(CHROMIUM, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout }));
  });
}

/** POST /reports → poll GET /reports/:id → every format; the worker compiles through BullMQ on real Redis. */
describe('reports over HTTP after the 2021 demo (embedded store, real Redis, BullMQ worker)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-reports-'));
  const chromeProfile = mkdtempSync(join(tmpdir(), 'ismap-chromium-'));
  const prefix = `test-reports-${process.pid}:`;
  let config: AppConfig;
  let app: NestFastifyApplication;
  let store: EventStore;
  let baseUrl: string;
  let secretariat: string;
  let reportId: string;
  let location: string | null;
  const polled: Record<string, unknown>[] = [];
  const token = (role: string) =>
    issueDevToken({ role }, { dataDir, issuer: config.auth.issuer, audience: config.auth.audience });

  beforeAll(async () => {
    config = loadConfig({ DATA_DIR: dataDir, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'silent' });
    app = await createApiApplication(config, [WorkerModule], pino({ level: 'silent' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    store = app.get<EventStore>(EVENT_STORE);
    await runDemo(app.get(CommandBus), new Date(), () => undefined);
    secretariat = await token('secretariat');

    const posted = await http(baseUrl, 'POST', '/reports', {
      token: secretariat,
      body: { fiscalYear: 2021 },
    });
    expect(posted.status).toBe(202);
    reportId = posted.json['reportId'] as string;
    location = posted.headers.get('location');
    await waitForCondition(
      async () => {
        const r = await http(baseUrl, 'GET', `/reports/${reportId}`, { token: secretariat });
        if (r.status === 202) polled.push(r.json);
        return r.status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'the report to be compiled' },
    );
  }, 120_000);

  afterAll(async () => {
    await app.close();
    const redis = new Redis(config.redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(chromeProfile, { recursive: true, force: true });
  });

  it('answers 202 with the report id and its Location, and shows status and progress until compiled', () => {
    expect(reportId).toMatch(/^[0-9a-f-]{36}$/);
    expect(location).toBe(`/reports/${reportId}`);
    for (const body of polled) {
      expect(['QUEUED', 'RUNNING']).toContain(body['status']);
      expect(body['progress']).toEqual(expect.any(Number));
      expect(body['period']).toEqual({ from: '2021-04-01', to: '2022-03-31', fiscalYear: 2021 });
    }
  });

  it('records ReportRequested at a fixed position and ReportCompiled with the SHA-256 of every file on disk', async () => {
    const events = await store.readStream(`report-${reportId}`);
    expect(events.map((e) => e.type)).toEqual(['ReportRequested', 'ReportCompiled']);
    const files = events[1]?.data['files'] as { name: string; sha256: string }[];
    expect(files.map((f) => f.name)).toContain('report.html');
    for (const f of files) {
      const bytes = readFileSync(join(dataDir, 'reports', reportId, f.name));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
    }
    expect(events[1]?.data['atPosition']).toBe(events[0]?.data['atPosition']);
    expect(events[1]?.metadata.actor.sub).toBe('system:jobs');
  });

  it('serves JSON, Markdown, each CSV table and HTML with their content types', async () => {
    const json = await http(baseUrl, 'GET', `/reports/${reportId}?format=json`, { token: secretariat });
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    const lists = json.json['lists'] as Record<string, Record<string, number>>;
    expect(lists['ISMAP']).toMatchObject({ atStart: 10, registrations: 10, atEnd: 10 });
    expect((json.json['committee'] as Record<string, unknown>)['meetingsHeld']).toBe(3);

    const md = await http(baseUrl, 'GET', `/reports/${reportId}?format=md`, { token: secretariat });
    expect(md.headers.get('content-type')).toMatch(/^text\/markdown; charset=utf-8/);
    expect(md.text).toContain('## 登録サービス数 (Registered services)');

    const csv = await fetch(`${baseUrl}/reports/${reportId}?format=csv&table=registrations-per-quarter`, {
      headers: { authorization: `Bearer ${secretariat}` },
    });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3).toString('utf8')).toBe(
      'quarter,from,to,ismap,ismap_liu\r\nFY2021 Q1,2021-04-01,2021-06-30,4,0\r\n' +
        'FY2021 Q2,2021-07-01,2021-09-30,6,0\r\nFY2021 Q3,2021-10-01,2021-12-31,0,0\r\n' +
        'FY2021 Q4,2022-01-01,2022-03-31,0,0\r\n',
    );

    const html = await http(baseUrl, 'GET', `/reports/${reportId}?format=html`, { token: secretariat });
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.text).toMatch(/^<!DOCTYPE html>/);
    // The page's own policy (its stylesheet by hash, nothing else), not the API's `default-src 'none'` alone.
    expect(html.headers.get('content-security-policy')).toBe(`${REPORT_HTML_CSP}; frame-ancestors 'none'`);
    expect(json.headers.get('content-security-policy')).toMatch(
      /^default-src 'none'; frame-ancestors 'none'/,
    );
  });

  it('asks which table when CSV has several; refuses an unknown format', async () => {
    const noTable = await http(baseUrl, 'GET', `/reports/${reportId}?format=csv`, { token: secretariat });
    expect(noTable.status).toBe(400);
    expect(noTable.json['code']).toBe('REPORT.CSV_TABLE_REQUIRED');
    expect(noTable.json['tables']).toContain('lists');
    const pdf = await http(baseUrl, 'GET', `/reports/${reportId}?format=pdf`, { token: secretariat });
    expect(pdf.status).toBe(400);
  });

  it.each([
    [{}, 'REPORT.PERIOD_REQUIRED'],
    [{ fiscalYear: 2021, from: '2021-04-01', to: '2021-06-30' }, 'REPORT.PERIOD_REQUIRED'],
    [{ from: '2021-04-01' }, 'REPORT.PERIOD_REQUIRED'],
    [{ from: '2021-04-02', to: '2021-06-30' }, 'REPORT.PERIOD_INVALID'],
    [{ from: '2021-04-01', to: '2021-06-29' }, 'REPORT.PERIOD_INVALID'],
    [{ from: '2021-07-01', to: '2021-06-30' }, 'REPORT.PERIOD_INVALID'],
    [{ from: '2021-02-30', to: '2021-06-30' }, 'REQUEST.INVALID'],
    [{ fiscalYear: '2021' }, 'REQUEST.INVALID'],
    [{ fiscalYear: 2021.5 }, 'REQUEST.INVALID'],
    [{ fiscalYear: 2021, extra: true }, 'REQUEST.INVALID'],
  ])('POST /reports %j → 400 %s, appending nothing', async (body, code) => {
    const before = await logHead(store);
    const response = await http(baseUrl, 'POST', '/reports', { token: secretariat, body });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.json['code']).toBe(code);
    expect(await logHead(store)).toBe(before);
  });

  it('a request retried with the same Idempotency-Key is the same report, requested once', async () => {
    const headers = { 'idempotency-key': 'f2b9c7a4-3d51-4e8a-9c0b-6a1e2d3f4b5c' };
    const body = { from: '2021-04-01', to: '2021-06-30' };
    const first = await http(baseUrl, 'POST', '/reports', { token: secretariat, body, headers });
    const again = await http(baseUrl, 'POST', '/reports', { token: secretariat, body, headers });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.json['reportId']).toBe(first.json['reportId']);
    const stream = await store.readStream(`report-${String(first.json['reportId'])}`);
    expect(stream.filter((e) => e.type === 'ReportRequested')).toHaveLength(1);
  });

  it('is for the secretariat only', async () => {
    const reviewer = await token('ipa-reviewer');
    const post = await http(baseUrl, 'POST', '/reports', { token: reviewer, body: { fiscalYear: 2021 } });
    expect(post.status).toBe(403);
    const get = await http(baseUrl, 'GET', `/reports/${reportId}`, {
      token: await token('committee-member'),
    });
    expect(get.status).toBe(403);
    expect((await http(baseUrl, 'GET', `/reports/${reportId}`)).status).toBe(401);
  });

  it('answers 404 for a report that does not exist', async () => {
    const missing = await http(baseUrl, 'GET', '/reports/00000000-0000-4000-8000-000000000000', {
      token: secretariat,
    });
    expect(missing.status).toBe(404);
    expect(missing.json['code']).toBe('REPORT.NOT_FOUND');
  });

  it('refuses to serve a file that no longer matches its recorded SHA-256', async () => {
    const file = join(dataDir, 'reports', reportId, 'report.md');
    const original = readFileSync(file);
    writeFileSync(file, Buffer.concat([original, Buffer.from('| 改ざん | 99 |\n')]));
    try {
      const tampered = await http(baseUrl, 'GET', `/reports/${reportId}?format=md`, { token: secretariat });
      expect(tampered.status).toBe(409);
      expect(tampered.json['code']).toBe('REPORT.INTEGRITY');
      expect(tampered.text).not.toContain('改ざん');
      const other = await http(baseUrl, 'GET', `/reports/${reportId}?format=json`, { token: secretariat });
      expect(other.status).toBe(200);
    } finally {
      writeFileSync(file, original);
    }
  });

  it('the HTML renders in headless Chromium: a screenshot under test/artifacts/ and the SVG charts in the DOM', async () => {
    const html = join(dataDir, 'reports', reportId, 'report.html');
    mkdirSync(ARTIFACTS, { recursive: true });
    const png = join(ARTIFACTS, 'hq-report-fy2021.png');
    rmSync(png, { force: true });
    const common = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${chromeProfile}`,
    ];
    const shot = await runChromium([
      ...common,
      `--screenshot=${png}`,
      '--window-size=1280,2000',
      `file://${html}`,
    ]);
    expect(shot.code).toBe(0);
    expect(existsSync(png)).toBe(true);
    // A blank 1280×2000 page compresses to a few KB; text, tables and three charts take far more.
    expect(statSync(png).size).toBeGreaterThan(30_000);
    expect([...readFileSync(png).subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

    const dom = await runChromium([...common, '--dump-dom', `file://${html}`]);
    expect(dom.code).toBe(0);
    expect(dom.stdout.match(/<svg /g)).toHaveLength(3);
    expect(dom.stdout.match(/<polyline /g)).toHaveLength(3);
    expect(dom.stdout).toContain('登録サービス数 (Registered services)');
  }, 60_000);
});
