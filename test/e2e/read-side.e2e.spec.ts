import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandBus } from '@nestjs/cqrs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import pino from 'pino';
import { issueDevToken } from '@ismap/auth';
import { loadConfig, type AppConfig } from '@ismap/config';
import { corporateNumberCheckDigit } from '@ismap/domain';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import { createApiApplication } from '../../apps/api/src/bootstrap';
import { loadDemoRows, runDemo } from '../../apps/cli/src/demo/demo-2021';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { http } from '../support/http';

/** The read side after `cli demo`: the lists as decided on past dates, the trail, the decision history. */
describe('read side over HTTP after the 2021 demo (embedded store, real Redis, projections running)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-read-'));
  const prefix = `test-read-${process.pid}:`;
  let config: AppConfig;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let head: string;
  const rows = loadDemoRows();
  const token = (role: string, org?: string) =>
    issueDevToken(
      { role, ...(org === undefined ? {} : { org }) },
      { dataDir, issuer: config.auth.issuer, audience: config.auth.audience },
    );
  /** Every read waits until the read models have seen the whole demo. */
  const get = async (path: string, bearer?: string) =>
    http(baseUrl, 'GET', path, {
      ...(bearer === undefined ? {} : { token: bearer }),
      headers: { 'x-min-log-position': head },
    });

  beforeAll(async () => {
    config = loadConfig({ DATA_DIR: dataDir, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'silent' });
    app = await createApiApplication(config, [WorkerModule], pino({ level: 'silent' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    await runDemo(app.get(CommandBus), new Date(), () => undefined);
    const [last] = await app.get<EventStore>(EVENT_STORE).readAll({ direction: 'backwards', maxCount: 1 });
    head = last?.position ?? '0';
  });

  afterAll(async () => {
    await app.close();
    const redis = new Redis();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['2021-03-11', 0],
    ['2021-03-12', 10],
    ['2021-06-30', 14],
    ['2021-09-30', 20],
  ])(
    'GET /lists/ismap?asOf=%s lists the first %i services of the published list with their dates',
    async (asOf, n) => {
      const response = await get(`/lists/ismap?asOf=${asOf}`);
      expect(response.status).toBe(200);
      const entries = response.json['entries'] as Array<Record<string, unknown>>;
      expect(entries.map((e) => [e['serviceName'], e['registeredOn']])).toEqual(
        rows.slice(0, n).map((r) => [r.serviceName, r.registeredOn]),
      );
    },
  );

  it('the ISMAP-LIU list is empty on every date before 2022-11-01', async () => {
    for (const asOf of ['2021-03-12', '2021-09-30', '2022-10-31']) {
      const response = await get(`/lists/ismap-liu?asOf=${asOf}`);
      expect(response.status).toBe(200);
      expect(response.json['count']).toBe(0);
    }
  });

  it('today the 2021 registrations have lapsed: the current list is empty', async () => {
    const response = await get('/lists/ismap');
    expect(response.status).toBe(200);
    expect(response.json['entries']).toEqual([]);
  });

  it('public list entries carry exactly the public fields', async () => {
    const response = await get('/lists/ismap?asOf=2021-09-30');
    const [entry] = response.json['entries'] as Array<Record<string, unknown>>;
    expect(Object.keys(entry ?? {}).sort()).toEqual(
      [
        'applicant',
        'auditBody',
        'auditPeriod',
        'lastRenewedOn',
        'registeredOn',
        'registrationNumber',
        'scope',
        'serviceModel',
        'serviceName',
        'validUntil',
      ].sort(),
    );
    expect(Object.keys(entry?.['auditBody'] as object).sort()).toEqual(['name', 'registrationNumber']);
    expect(response.text).not.toMatch(/finding|incident|demo:secretariat|actor|corporateNumber/i);
  });

  it('serves the list as CSV with a BOM, a header row and CRLF line ends', async () => {
    const response = await fetch(`${baseUrl}/lists/ismap?asOf=2021-03-12&format=csv`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    const bytes = Buffer.from(await response.arrayBuffer());
    // fetch's text() would drop the byte order mark: look at the bytes Excel sees.
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    const lines = text.split('\r\n');
    expect(lines[0]).toMatch(/^registration_number,service_name,applicant,registered_on/);
    expect(lines.filter((l) => l !== '')).toHaveLength(11);
    expect(lines[1]).toMatch(/^C21-0001-1,OpenCanvas \(IaaS\),株式会社エヌ・ティ・ティ・データ,2021-03-12/);
  });

  it('answers the list as recorded at a log position', async () => {
    const store = app.get<EventStore>(EVENT_STORE);
    const tenth = (await store.readAll({ filter: { eventTypePrefixes: ['ServiceRegistered'] } }))[9];
    const response = await get(`/lists/ismap?asOf=2021-09-30&atPosition=${tenth?.position ?? ''}`);
    expect(response.status).toBe(200);
    expect(response.json['count']).toBe(10);
  });

  it('lists the audit bodies registered by the demo', async () => {
    const response = await get('/audit-bodies?asOf=2021-03-12');
    expect(response.status).toBe(200);
    expect(
      (response.json['entries'] as Array<{ registrationNumber: string }>).map((e) => e.registrationNumber),
    ).toEqual(['A20-0001', 'A20-0002', 'A20-0003']);
  });

  it('the committee decision history of 2021 holds the 20 REGISTER rulings in order', async () => {
    const response = await get(
      '/committee/decisions?from=2021-01-01&to=2021-12-31',
      await token('secretariat'),
    );
    expect(response.status).toBe(200);
    const decisions = response.json['decisions'] as Array<Record<string, unknown>>;
    expect(decisions.map((d) => d['decision'])).toEqual(Array(20).fill('REGISTER'));
    expect(decisions.map((d) => d['decidedOn'])).toEqual(rows.map((r) => r.registeredOn));
    expect(decisions.map((d) => d['registrationNumber'])).toEqual(
      rows.map((_, i) => `C21-${String(i + 1).padStart(4, '0')}-1`),
    );
  });

  it('pages through the audit trail with a cursor, every ruling exactly once', async () => {
    const secretariat = await token('secretariat');
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const response = await get(
        `/audit-trail?type=RulingRecorded&limit=7${cursor === undefined ? '' : `&cursor=${cursor}`}`,
        secretariat,
      );
      expect(response.status).toBe(200);
      seen.push(...(response.json['entries'] as Array<{ eventId: string }>).map((e) => e.eventId));
      cursor = response.json['nextCursor'] as string;
      if (response.json['hasMore'] !== true) break;
    }
    expect(seen).toHaveLength(23);
    expect(new Set(seen).size).toBe(23);
  });

  it('confidential reads need a review role; the public gets 401, a provider 403 on the trail', async () => {
    expect((await get('/audit-trail')).status).toBe(401);
    expect((await get('/audit-trail', await token('csp', 'P1000000000001'))).status).toBe(403);
    expect((await get('/findings')).status).toBe(401);
  });

  it('a provider sees only its own applications; a meeting shows its agenda and rulings', async () => {
    const all = await get('/applications', await token('ipa-reviewer'));
    expect(all.json['count']).toBe(20);
    const applications = all.json['applications'] as Array<{
      providerId: string;
      status: string;
      ageInDays: number;
    }>;
    const providerId = applications[0]?.providerId ?? '';
    const own = await get('/applications', await token('csp', providerId));
    const mine = own.json['applications'] as Array<{ providerId: string }>;
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((a) => a.providerId === providerId)).toBe(true);
    expect(applications.every((a) => a.status === 'DECIDED')).toBe(true);
    const meeting = await get('/committee/meetings/M2', await token('committee-member'));
    expect(meeting.status).toBe(200);
    expect((meeting.json['rulings'] as unknown[]).length).toBe(10);
    expect((meeting.json['agenda'] as unknown[]).length).toBe(10);
  });

  it('the current list follows a new registration at once (the cached answer is per read-model version)', async () => {
    expect((await get('/lists/ismap')).json['count']).toBe(0);
    const csp = await token('csp', 'P' + '0'.repeat(13));
    const secretariat = await token('secretariat');
    const reviewer = await token('ipa-reviewer');
    const provider = await http(baseUrl, 'POST', '/providers', {
      token: secretariat,
      body: {
        name: '現行一覧試験株式会社',
        corporateNumber: `${corporateNumberCheckDigit('600000000006')}600000000006`,
      },
    });
    const providerId = String(provider.json['providerId']);
    const owner = await token('csp', providerId);
    const auditBodies = (await get('/audit-bodies')).json['entries'] as Array<{ registrationNumber: string }>;
    expect(auditBodies.length).toBeGreaterThan(0);
    const auditBodyId = (
      await app
        .get<EventStore>(EVENT_STORE)
        .readAll({ filter: { eventTypePrefixes: ['AuditBodyRegistered'] } })
    )[0]?.data['auditBodyId'] as string;
    const submitted = await http(baseUrl, 'POST', '/applications', {
      token: owner,
      body: {
        kind: 'NEW',
        track: 'ISMAP',
        serviceName: '現行一覧試験クラウド',
        serviceModel: 'SaaS',
        scope: { description: 'Whole service', regions: ['Tokyo'] },
        auditBodyId,
        auditPeriod: { start: '2025-04-01', end: '2026-03-31' },
        auditReportDate: '2026-05-01',
        submittedOn: '2026-05-10',
        excludedObjectives: [],
      },
    });
    expect(submitted.status).toBe(201);
    const applicationId = String(submitted.json['applicationId']);
    const meeting = await http(baseUrl, 'POST', '/committee/meetings', {
      token: secretariat,
      body: { number: 40, heldOn: '2026-09-01' },
    });
    expect(
      (
        await http(baseUrl, 'POST', `/applications/${applicationId}/accept`, {
          token: reviewer,
          body: { acceptedOn: '2026-05-20' },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await http(baseUrl, 'POST', `/applications/${applicationId}/refer`, {
          token: reviewer,
          body: { meetingId: meeting.json['meetingId'], occurredOn: '2026-08-01' },
        })
      ).status,
    ).toBe(200);
    const ruling = await http(
      baseUrl,
      'POST',
      `/committee/meetings/${String(meeting.json['meetingId'])}/rulings`,
      {
        token: secretariat,
        body: { subject: { applicationId }, decision: 'REGISTER', rationale: 'Meets the requirements' },
      },
    );
    expect(ruling.status).toBe(201);
    const now = await http(baseUrl, 'GET', '/lists/ismap', {
      headers: { 'x-min-log-position': ruling.headers.get('x-log-position') ?? '' },
    });
    expect((now.json['entries'] as Array<{ serviceName: string }>).map((e) => e.serviceName)).toEqual([
      '現行一覧試験クラウド',
    ]);
    expect(csp).not.toBe(owner);
  });

  it('X-Min-Log-Position: a read waits for the write it names (read-your-writes)', async () => {
    const secretariat = await token('secretariat');
    const created = await http(baseUrl, 'POST', '/providers', {
      token: secretariat,
      body: {
        name: '読込試験株式会社',
        corporateNumber: `${corporateNumberCheckDigit('500000000005')}500000000005`,
      },
    });
    expect(created.status).toBe(201);
    const position = created.headers.get('x-log-position') ?? '';
    const response = await http(baseUrl, 'GET', '/lists/ismap', {
      headers: { 'x-min-log-position': position },
    });
    expect(response.status).toBe(200);
    const malformed = await http(baseUrl, 'GET', '/lists/ismap', {
      headers: { 'x-min-log-position': 'yesterday' },
    });
    expect(malformed.status).toBe(400);
  });

  it('X-Min-Log-Position: a malformed one is refused on time travel too, with the same 400 as the live list', async () => {
    for (const path of [
      '/lists/ismap',
      '/lists/ismap?asOf=2021-03-12',
      '/lists/ismap?atPosition=1',
      '/lists/ismap-liu?asOf=2021-03-12&format=csv',
      '/audit-bodies?asOf=2021-03-12',
    ]) {
      const response = await http(baseUrl, 'GET', path, { headers: { 'x-min-log-position': 'yesterday' } });
      expect([path, response.status, response.json['code']]).toEqual([
        path,
        400,
        'REQUEST.INVALID_MIN_LOG_POSITION',
      ]);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('X-Min-Log-Position: a position the log has not reached is waited for, then 503 with Retry-After', async () => {
    const secretariat = await token('secretariat');
    const beyond = String(BigInt(head) + 1_000_000n);
    // Concurrently: each waits out the same bound.
    const answers = await Promise.all(
      [
        ['/lists/ismap', '18446744073709551615'],
        ['/audit-bodies', beyond],
        ['/committee/decisions', beyond],
      ].map(async ([path = '', position = '']) => {
        const response = await http(baseUrl, 'GET', path, {
          token: secretariat,
          headers: { 'x-min-log-position': position },
        });
        return [path, response.status, response.json['code'], response.headers.get('retry-after')];
      }),
    );
    expect(answers).toEqual([
      ['/lists/ismap', 503, 'READ_MODEL.NOT_CAUGHT_UP', '1'],
      ['/audit-bodies', 503, 'READ_MODEL.NOT_CAUGHT_UP', '1'],
      ['/committee/decisions', 503, 'READ_MODEL.NOT_CAUGHT_UP', '1'],
    ]);
  });

  it('serves the audit body list as CSV like the service lists: BOM, header row, CRLF, public fields', async () => {
    const response = await fetch(`${baseUrl}/audit-bodies?asOf=2021-03-12&format=csv`, {
      headers: { 'x-min-log-position': head },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(
      'attachment; filename="audit-bodies-2021-03-12.csv"',
    );
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').split('\r\n');
    expect(lines[0]).toBe('registration_number,name,registered_on');
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual([
      'A20-0001',
      'A20-0002',
      'A20-0003',
      '',
    ]);
    expect(lines.every((line) => !line.includes('\n'))).toBe(true);
    const json = await get('/audit-bodies?asOf=2021-03-12');
    const first = (json.json['entries'] as Array<Record<string, string>>)[0];
    expect(lines[1]).toBe(`${first?.['registrationNumber']},${first?.['name']},${first?.['registeredOn']}`);
  });

  it('the audit body CSV quotes and defuses a name a spreadsheet would run as a formula', async () => {
    const secretariat = await token('secretariat');
    const name = '=HYPERLINK("https://example.test","監査法人")';
    const applied = await http(baseUrl, 'POST', '/audit-bodies', {
      token: secretariat,
      body: {
        name,
        corporateNumber: `${corporateNumberCheckDigit('700000000007')}700000000007`,
        organisationType: 'AUDIT_CORPORATION',
        occurredOn: '2025-01-10',
      },
    });
    expect(applied.status).toBe(201);
    const meeting = await http(baseUrl, 'POST', '/committee/meetings', {
      token: secretariat,
      body: { number: 41, heldOn: '2025-02-01' },
    });
    expect(meeting.status).toBe(201);
    const ruling = await http(
      baseUrl,
      'POST',
      `/committee/meetings/${String(meeting.json['meetingId'])}/rulings`,
      {
        token: secretariat,
        body: {
          subject: { auditBodyId: applied.json['auditBodyId'] },
          decision: 'AUDIT_BODY_REGISTER',
          rationale: 'Meets the criteria',
        },
      },
    );
    expect(ruling.status).toBe(201);
    const response = await fetch(`${baseUrl}/audit-bodies?format=csv`, {
      headers: { 'x-min-log-position': ruling.headers.get('x-log-position') ?? '' },
    });
    expect(response.status).toBe(200);
    const text = Buffer.from(await response.arrayBuffer()).toString('utf8');
    const row = text.split('\r\n').find((line) => line.includes('HYPERLINK'));
    expect(row).toBe(
      `${String(ruling.json['registrationNumber'])},"'=HYPERLINK(""https://example.test"",""監査法人"")",2025-02-01`,
    );
  });
});
