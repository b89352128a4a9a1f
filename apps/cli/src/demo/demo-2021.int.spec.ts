import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandBus } from '@nestjs/cqrs';
import { loadConfig } from '@ismap/config';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@ismap/event-store';
import { withApplication } from '../application-context';
import { loadDemoRows, runDemo } from './demo-2021';

describe('cli demo (embedded store, command bus)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-demo-'));
  const config = loadConfig({ DATA_DIR: dataDir, REDIS_KEY_PREFIX: `test-demo-${process.pid}:` });
  const now = new Date('2026-11-21T03:00:00Z');
  let log: RecordedEvent[];
  let second: RecordedEvent[];

  beforeAll(async () => {
    await withApplication(config, async (app) => {
      const bus = app.get(CommandBus);
      const store = app.get<EventStore>(EVENT_STORE);
      await runDemo(bus, now, () => undefined);
      log = await store.readAll();
      await runDemo(bus, now, () => undefined);
      second = await store.readAll();
    });
  });

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const ofType = (type: string) => log.filter((e) => e.type === type);

  it('reads the 20 rows of the published 2021 list', () => {
    const rows = loadDemoRows();
    expect(rows).toHaveLength(20);
    expect(rows[0]).toEqual({
      no: 1,
      serviceName: 'OpenCanvas (IaaS)',
      applicant: '株式会社エヌ・ティ・ティ・データ',
      registeredOn: '2021-03-12',
    });
    expect(rows[11]?.serviceName).toBe('Microsoft Azure, Dynamics 365, and Other Online Services');
  });

  it('ends with 20 registered services, numbered in order, on the CSV dates', () => {
    const registered = ofType('ServiceRegistered');
    expect(registered).toHaveLength(20);
    expect(registered.map((e) => e.data['registrationNumber'])).toEqual(
      Array.from({ length: 20 }, (_, i) => `C21-${String(i + 1).padStart(4, '0')}-1`),
    );
    const rows = loadDemoRows();
    expect(registered.map((e) => [e.data['serviceName'], e.data['registeredOn']])).toEqual(
      rows.map((r) => [r.serviceName, r.registeredOn]),
    );
    expect(registered.every((e) => e.metadata.rulesetVersion === '2020-06')).toBe(true);
  });

  it('holds the four committee meetings of 2021 with 20 REGISTER rulings, after the illustrative 2020 audit-body meeting', () => {
    const meetings = ofType('MeetingScheduled').map((e) => e.data['heldOn']);
    expect(meetings).toEqual(['2020-10-30', '2021-03-12', '2021-06-22', '2021-07-30', '2021-09-13']);
    const rulings = ofType('RulingRecorded');
    expect(rulings.filter((e) => e.data['decision'] === 'REGISTER')).toHaveLength(20);
    expect(rulings.filter((e) => e.data['decision'] === 'AUDIT_BODY_REGISTER')).toHaveLength(3);
    const in2021 = rulings.filter((e) => (e.data['decidedOn'] as string) >= '2021-01-01');
    expect(in2021.map((e) => e.data['decidedOn'])).toEqual(loadDemoRows().map((r) => r.registeredOn));
  });

  it('labels what it invented', () => {
    const auditBodies = ofType('AuditBodyApplied');
    expect(auditBodies.every((e) => (e.data['name'] as string).includes('illustrative'))).toBe(true);
  });

  it('appends nothing when run a second time', () => {
    expect(second.length).toBe(log.length);
    expect(second.map((e) => e.id)).toEqual(log.map((e) => e.id));
  });
});
