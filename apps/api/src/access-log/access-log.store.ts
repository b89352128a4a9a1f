import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type AccessOutcome = 'allowed' | 'denied';
/** How the caller presented itself: no token, a token that failed, or a verified token. */
export type AccessCredential = 'none' | 'invalid' | 'bearer';

/** One decision about access: who, what, when (UTC), from where, correlation id, outcome. */
export interface AccessRecord {
  readonly at: string;
  readonly sub: string | null;
  readonly roles: readonly string[];
  readonly org: string | null;
  readonly credential: AccessCredential;
  readonly method: string;
  /** The route pattern (`/applications/:applicationId/accept`); null when no route matched. */
  readonly route: string | null;
  /** Path and query as requested, cut to 1,024 characters. */
  readonly path: string;
  /** The `@Audited` label of the route (`findings`), when it has one. */
  readonly resourceType: string | null;
  /** The route's path parameters, joined with `/`. */
  readonly resourceId: string | null;
  readonly ip: string;
  readonly correlationId: string;
  readonly outcome: AccessOutcome;
  readonly status: number;
  /** The problem `code` of a refusal. */
  readonly code: string | null;
}

export interface StoredAccessRecord extends AccessRecord {
  readonly seq: number;
}

export interface AccessLogQuery {
  readonly sub?: string;
  /** Inclusive ISO-8601 UTC instants. */
  readonly from?: string;
  readonly to?: string;
  readonly outcome?: AccessOutcome;
  /** Records strictly older than this sequence number (newest first). */
  readonly beforeSeq?: number;
  readonly limit: number;
}

const GENESIS = '0'.repeat(64);

/*
 * Append-only by construction: the triggers refuse every UPDATE and DELETE, whoever issues them, so no code path
 * (ours, a library's, an injected statement) can rewrite history; the hash chain makes any change made outside
 * SQLite's rules (editing the file, dropping the triggers) detectable. docs/adr/0007-access-audit.md.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS access_log (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  sub TEXT,
  roles TEXT NOT NULL,
  org TEXT,
  credential TEXT NOT NULL CHECK (credential IN ('none', 'invalid', 'bearer')),
  method TEXT NOT NULL,
  route TEXT,
  path TEXT NOT NULL,
  resource_type TEXT,
  resource_id TEXT,
  ip TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('allowed', 'denied')),
  status INTEGER NOT NULL,
  code TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS access_log_by_sub ON access_log (sub, seq);
CREATE INDEX IF NOT EXISTS access_log_by_at ON access_log (at);
CREATE TRIGGER IF NOT EXISTS access_log_no_update BEFORE UPDATE ON access_log
BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS access_log_no_delete BEFORE DELETE ON access_log
BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END;
-- REPLACE deletes a conflicting row without firing delete triggers (unless recursive_triggers is on in the
-- writer's connection), so an insert may never name a sequence number that exists.
CREATE TRIGGER IF NOT EXISTS access_log_no_replace BEFORE INSERT ON access_log
WHEN EXISTS (SELECT 1 FROM access_log WHERE seq = NEW.seq)
BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END;
`;

interface Row {
  seq: number;
  at: string;
  sub: string | null;
  roles: string;
  org: string | null;
  credential: AccessCredential;
  method: string;
  route: string | null;
  path: string;
  resource_type: string | null;
  resource_id: string | null;
  ip: string;
  correlation_id: string;
  outcome: AccessOutcome;
  status: number;
  code: string | null;
  prev_hash: string;
  hash: string;
}

function recordOf(row: Row): StoredAccessRecord {
  return {
    seq: row.seq,
    at: row.at,
    sub: row.sub,
    roles: JSON.parse(row.roles) as string[],
    org: row.org,
    credential: row.credential,
    method: row.method,
    route: row.route,
    path: row.path,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    ip: row.ip,
    correlationId: row.correlation_id,
    outcome: row.outcome,
    status: row.status,
    code: row.code,
  };
}

/** The chain link of a record: its own fields in a fixed order, and the previous link. */
export function chainHash(prevHash: string, record: StoredAccessRecord): string {
  const fields = [
    record.seq,
    record.at,
    record.sub,
    record.roles,
    record.org,
    record.credential,
    record.method,
    record.route,
    record.path,
    record.resourceType,
    record.resourceId,
    record.ip,
    record.correlationId,
    record.outcome,
    record.status,
    record.code,
  ];
  return createHash('sha256')
    .update(`${prevHash}\n${JSON.stringify(fields)}`)
    .digest('hex');
}

/**
 * The access log in its own SQLite file beside the event store (not in it: these are not facts of the programme,
 * and the event store must stay portable to EventStoreDB). Writes go through one connection, reads through a
 * read-only one, so the query side cannot write even by mistake.
 */
export class AccessLogStore {
  private constructor(
    private readonly writer: Database.Database,
    private readonly reader: Database.Database,
  ) {}

  static open(file: string): AccessLogStore {
    mkdirSync(dirname(file), { recursive: true });
    const writer = new Database(file, { timeout: 5000 });
    writer.pragma('journal_mode = WAL');
    writer.pragma('synchronous = FULL');
    writer.exec(SCHEMA);
    const reader = new Database(file, { readonly: true, fileMustExist: true, timeout: 5000 });
    return new AccessLogStore(writer, reader);
  }

  /** Appends in one transaction; the chain continues from the last record even when another process wrote it. */
  append(records: readonly AccessRecord[]): void {
    if (records.length === 0) return;
    const last = this.writer.prepare('SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1');
    const insert = this.writer.prepare(
      `INSERT INTO access_log (seq, at, sub, roles, org, credential, method, route, path, resource_type,
         resource_id, ip, correlation_id, outcome, status, code, prev_hash, hash)
       VALUES (@seq, @at, @sub, @roles, @org, @credential, @method, @route, @path, @resourceType,
         @resourceId, @ip, @correlationId, @outcome, @status, @code, @prevHash, @hash)`,
    );
    this.writer
      .transaction(() => {
        const head = last.get() as { seq: number; hash: string } | undefined;
        let seq = head?.seq ?? 0;
        let prevHash = head?.hash ?? GENESIS;
        for (const record of records) {
          seq += 1;
          const stored: StoredAccessRecord = { ...record, seq };
          const hash = chainHash(prevHash, stored);
          insert.run({ ...stored, roles: JSON.stringify(record.roles), prevHash, hash });
          prevHash = hash;
        }
      })
      .immediate();
  }

  /** Newest first. */
  query(query: AccessLogQuery): StoredAccessRecord[] {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: query.limit };
    if (query.sub !== undefined) {
      where.push('sub = @sub');
      params['sub'] = query.sub;
    }
    if (query.from !== undefined) {
      where.push('at >= @from');
      params['from'] = query.from;
    }
    if (query.to !== undefined) {
      where.push('at <= @to');
      params['to'] = query.to;
    }
    if (query.outcome !== undefined) {
      where.push('outcome = @outcome');
      params['outcome'] = query.outcome;
    }
    if (query.beforeSeq !== undefined) {
      where.push('seq < @beforeSeq');
      params['beforeSeq'] = query.beforeSeq;
    }
    const sql =
      `SELECT * FROM access_log ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ` +
      'ORDER BY seq DESC LIMIT @limit';
    return (this.reader.prepare(sql).all(params) as Row[]).map(recordOf);
  }

  /** The first record whose link does not follow from its predecessor, or null when the chain is whole. */
  verifyChain(): { readonly brokenAt: number } | null {
    let prevHash = GENESIS;
    let expectedSeq = 1;
    for (const row of this.reader
      .prepare('SELECT * FROM access_log ORDER BY seq')
      .iterate() as Iterable<Row>) {
      if (
        row.seq !== expectedSeq ||
        row.prev_hash !== prevHash ||
        chainHash(prevHash, recordOf(row)) !== row.hash
      ) {
        return { brokenAt: row.seq };
      }
      prevHash = row.hash;
      expectedSeq += 1;
    }
    return null;
  }

  close(): void {
    this.reader.close();
    this.writer.close();
  }
}
