import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AccessRecord } from './access-log.store';
import { AccessLogStore } from './access-log.store';

const record = (overrides: Partial<AccessRecord> = {}): AccessRecord => ({
  at: '2026-11-22T01:02:03.456Z',
  sub: 'sato@provider-a',
  roles: ['csp'],
  org: 'P1000000000001',
  credential: 'bearer',
  method: 'GET',
  route: '/findings',
  path: '/findings?serviceId=x',
  resourceType: 'findings',
  resourceId: null,
  ip: '203.0.113.7',
  correlationId: 'corr-1',
  outcome: 'allowed',
  status: 200,
  code: null,
  ...overrides,
});

describe('AccessLogStore (SQLite file, append-only, hash-chained)', () => {
  let dir: string;
  let store: AccessLogStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ismap-access-log-'));
    store = AccessLogStore.open(join(dir, 'access-log.sqlite'));
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('appends batches in order and reads them back newest first, with filters', () => {
    store.append([record(), record({ outcome: 'denied', status: 403, code: 'AUTH.FORBIDDEN', sub: 'x' })]);
    store.append([record({ at: '2026-11-23T00:00:00.000Z', correlationId: 'corr-3' })]);
    expect(store.query({ limit: 10 }).map((r) => r.seq)).toEqual([3, 2, 1]);
    expect(store.query({ limit: 10, outcome: 'denied' })).toEqual([
      { ...record({ outcome: 'denied', status: 403, code: 'AUTH.FORBIDDEN', sub: 'x' }), seq: 2 },
    ]);
    expect(store.query({ limit: 10, from: '2026-11-23T00:00:00.000Z' }).map((r) => r.seq)).toEqual([3]);
    expect(store.query({ limit: 10, to: '2026-11-22T23:59:59.999Z' }).map((r) => r.seq)).toEqual([2, 1]);
    expect(store.query({ limit: 1, beforeSeq: 3 }).map((r) => r.seq)).toEqual([2]);
    expect(store.query({ limit: 10, sub: 'x' }).map((r) => r.seq)).toEqual([2]);
  });

  it('refuses every UPDATE and DELETE, from any connection', () => {
    store.append([record(), record()]);
    const db = new Database(join(dir, 'access-log.sqlite'));
    try {
      expect(() => db.exec("UPDATE access_log SET outcome = 'allowed'")).toThrow(/append-only/);
      expect(() => db.exec('DELETE FROM access_log')).toThrow(/append-only/);
      // REPLACE deletes without firing delete triggers: the insert trigger must catch it.
      expect(() => db.exec('INSERT OR REPLACE INTO access_log SELECT * FROM access_log')).toThrow(
        /append-only/,
      );
      expect(() =>
        db.exec(
          "INSERT INTO access_log SELECT * FROM access_log WHERE seq = 1 ON CONFLICT (seq) DO UPDATE SET sub = 'x'",
        ),
      ).toThrow(/append-only/);
    } finally {
      db.close();
    }
    expect(store.query({ limit: 10 })).toHaveLength(2);
  });

  it('detects a change made by someone who dropped the triggers (the hash chain)', () => {
    store.append([record(), record({ correlationId: 'corr-2' }), record({ correlationId: 'corr-3' })]);
    expect(store.verifyChain()).toBeNull();
    const copy = join(dir, 'tampered.sqlite');
    store.close();
    copyFileSync(join(dir, 'access-log.sqlite'), copy);
    store = AccessLogStore.open(join(dir, 'access-log.sqlite'));

    const db = new Database(copy);
    db.exec('DROP TRIGGER access_log_no_update');
    db.exec("UPDATE access_log SET outcome = 'denied' WHERE seq = 2");
    db.close();
    const tampered = AccessLogStore.open(copy);
    try {
      expect(tampered.verifyChain()).toEqual({ brokenAt: 2 });
    } finally {
      tampered.close();
    }
  });

  it('continues the chain across processes writing the same file', () => {
    const other = AccessLogStore.open(join(dir, 'access-log.sqlite'));
    try {
      store.append([record()]);
      other.append([record({ correlationId: 'other' })]);
      store.append([record({ correlationId: 'again' })]);
    } finally {
      other.close();
    }
    expect(store.query({ limit: 10 }).map((r) => r.correlationId)).toEqual(['again', 'other', 'corr-1']);
    expect(store.verifyChain()).toBeNull();
  });
});
