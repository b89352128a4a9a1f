import Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  CorruptEventError,
  EventIdConflictError,
  EventStoreError,
  StoreUnavailableError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../errors';
import { END, NO_UPCASTING, START, isPosition } from '../event-store.port';
import type {
  AppendResult,
  EventData,
  EventFilter,
  EventMetadata,
  EventStore,
  EventToAppend,
  EventUpcaster,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StoreSubscription,
  SubscribeToAllOptions,
} from '../event-store.port';
import {
  linkHash,
  metadataWithoutLinkJson,
  quoteJson,
  storedMetadataJson,
  withoutChainLink,
} from '../integrity/chain-links';
import { GENESIS_HASH } from '../integrity/event-hash';
import { ChangeNotifier } from './change-notifier';
import { migrate } from './schema';
import { SqliteSubscription } from './sqlite-subscription';
import type { LogPage, SubscriptionSource } from './sqlite-subscription';
import {
  DEFAULT_MAX_APPEND_SIZE,
  assertValidExpectedRevision,
  assertValidFilter,
  assertValidStreamName,
  canonicalJson,
  prepareEvents,
} from './validation';
import type { PreparedEvent } from './validation';
import { typeName } from '../type-names';
import { PageReader } from './page-reader';
import type { RawRow } from './page-reader';

export interface SqliteEventStoreOptions {
  /** The database file; its directory is created if missing. Several processes may open the same file. */
  readonly file: string;
  /** How long a writer waits for another process's write lock before failing with StoreUnavailableError. */
  readonly busyTimeoutMs?: number;
  /** Largest append (data + metadata JSON, in bytes). Default: EventStoreDB's default of 1,048,576. */
  readonly maxAppendSize?: number;
  /** Events a subscription reads per page: the most it holds ahead of its consumer. */
  readonly subscriptionPageSize?: number;
  /** Interval of the `data_version` check that notices other processes' commits (see ChangeNotifier). */
  readonly pollIntervalMs?: number;
  /** Also use file-system notifications to notice other processes' commits sooner. */
  readonly watchFiles?: boolean;
  /** Most appends committed in one transaction; bounds the latency of one group commit. */
  readonly maxBatchSize?: number;
  /** Applied to every event read, unless a read asks for events as stored. Default: none. */
  readonly upcast?: EventUpcaster;
  /**
   * Read the next page of a long forward `$all` scan on a second thread while the caller works on this one
   * (replays, rebuilds, time travel). Default: true.
   */
  readonly readAhead?: boolean;
}

/** Counters for tests and metrics. */
export interface SqliteEventStoreStats {
  /** Write transactions committed (each is one fsync of the WAL). */
  readonly transactions: number;
  /** Appends acknowledged, including idempotent re-appends. */
  readonly appends: number;
  /** Pages read by subscriptions. */
  readonly pagesRead: number;
  /** `readAll` pages that were read ahead on the reader thread and handed out. */
  readonly pagesReadAhead: number;
}

interface EventRow {
  readonly position: number;
  readonly event_id: string;
  readonly stream_name: string;
  readonly revision: number;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

/** A stream's last event as the chain needs it. */
interface StreamHead {
  readonly revision: number;
  /** `null` for an event recorded before the chain existed. */
  readonly hash: string | null;
}

/** The smallest `readAll` page worth reading ahead: below it, handing a page between threads costs more. */
const READ_AHEAD_MIN_PAGE = 256;
/** Pages read ahead and not yet asked for, at most (one per scan under way; the oldest is dropped). */
const READ_AHEAD_SLOTS = 4;

/** Committed stream heads remembered at most; beyond it the memory starts over (it is only a shortcut). */
const MAX_REMEMBERED_HEADS = 10_000;

interface PendingAppend {
  readonly streamName: string;
  readonly events: readonly PreparedEvent[];
  readonly expected: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: Error) => void;
}

type Outcome =
  { readonly ok: true; readonly result: AppendResult } | { readonly ok: false; readonly error: Error };

const COLUMNS = 'position, event_id, stream_name, revision, type, data, metadata';
/** Upper bound on positions one subscription query scans, so a filter that matches nothing still checkpoints. */
const SCAN_WINDOW = 10_000;
const NO_LIMIT = -1;

/** A row of COLUMNS as a `raw` statement returns it: no object with named properties per row. */
type RawEventRow = readonly [number, string, string, number, string, string, string];

function readAheadKey(sql: string, args: readonly unknown[]): string {
  return `${sql}\u0000${JSON.stringify(args)}`;
}

function recordedEvent(
  position: number,
  eventId: string,
  streamName: string,
  revision: number,
  type: string,
  dataText: string,
  metadataText: string,
): RecordedEvent {
  let data: EventData;
  let metadata: EventMetadata;
  try {
    data = JSON.parse(dataText) as EventData;
    metadata = JSON.parse(metadataText) as EventMetadata;
  } catch {
    // Only a damaged or edited file gets here (the store writes JSON.stringify's text); say which event.
    throw new CorruptEventError(streamName, revision, String(position), eventId);
  }
  return {
    id: eventId,
    type: typeName(type),
    data,
    metadata,
    streamName,
    revision,
    position: String(position),
  };
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return recordedEvent(
    row.position,
    row.event_id,
    row.stream_name,
    row.revision,
    row.type,
    row.data,
    row.metadata,
  );
}

function rawToRecordedEvent(row: RawEventRow): RecordedEvent {
  return recordedEvent(row[0], row[1], row[2], row[3], row[4], row[5], row[6]);
}

/** Positions beyond what SQLite can hold (e.g. an EventStoreDB commit position) are simply past our end. */
function parsePosition(position: string): number {
  if (!isPosition(position)) throw new RangeError(`Invalid log position ${JSON.stringify(position)}`);
  const value = BigInt(position);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

function toLimit(maxCount: number | undefined): number {
  if (maxCount === undefined) return NO_LIMIT;
  if (!Number.isSafeInteger(maxCount) || maxCount < 0) throw new RangeError(`Invalid maxCount ${maxCount}`);
  return maxCount;
}

function filterClause(filter: EventFilter | undefined): { readonly sql: string; readonly params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const columns: [string, readonly string[] | undefined][] = [
    ['type', filter?.eventTypePrefixes],
    ['stream_name', filter?.streamNamePrefixes],
  ];
  for (const [column, prefixes] of columns) {
    if (prefixes === undefined || prefixes.length === 0) continue;
    // substr counts characters (code points), as does the spread; LIKE would be case-blind and needs escaping.
    clauses.push(` AND (${prefixes.map(() => `substr(${column}, 1, ?) = ?`).join(' OR ')})`);
    for (const prefix of prefixes) params.push([...prefix].length, prefix);
  }
  return { sql: clauses.join(''), params };
}

function toStoreError(error: unknown, doing: string): Error {
  if (error instanceof EventStoreError || error instanceof RangeError) return error;
  if (error instanceof Database.SqliteError) {
    return new StoreUnavailableError(`Event store ${doing} failed: ${error.message} (${error.code})`, {
      cause: error,
    });
  }
  return error instanceof Error ? error : new Error(`Event store ${doing} failed: ${String(error)}`);
}

function satisfies(expected: ExpectedRevision, current: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === -1;
    case 'stream_exists':
      return current >= 0;
    default:
      return current === expected;
  }
}

/**
 * The embedded event store: one SQLite file in WAL mode with `synchronous=FULL`, safe for several processes.
 *
 * Appends are group-committed: calls made while the event loop is busy queue up and are written by one
 * `BEGIN IMMEDIATE … COMMIT` (one fsync), each inside its own SAVEPOINT so that a failed append (wrong revision,
 * id conflict) rolls back alone. better-sqlite3 is synchronous, so a flush runs without interleaving and no
 * other code sees a half-written batch. The price: while another process holds the write lock, BEGIN IMMEDIATE
 * waits (up to the busy timeout) on the event loop. Writers here hold the lock for one batch, milliseconds, which is
 * acceptable for the intended sharing (a CLI beside the running product), not for many busy writer processes.
 */
export class SqliteEventStore implements EventStore {
  private readonly queue: PendingAppend[] = [];
  private flushScheduled = false;
  private closing = false;
  private readonly subscriptions = new Set<SqliteSubscription>();
  /** Hashes of committed stream heads: saves reading the head's metadata again at the next append. */
  private readonly heads = new Map<string, StreamHead>();
  /** `$all` queries by their SQL (one per filter shape), raw: reading many rows is their job. */
  private readonly readStatements = new Map<string, Statement<unknown[], RawEventRow>>();
  private readonly notifier: ChangeNotifier;
  private readonly counters = { transactions: 0, appends: 0, pagesRead: 0, pagesReadAhead: 0 };
  /** Reads the next pages of forward `$all` scans on another thread; undefined when `readAhead` is off. */
  private readonly pageReader: PageReader | undefined;
  /** Pages being read ahead, by the query that will ask for them (SQL and bound values). */
  private readonly readingAhead = new Map<string, Promise<RawRow[] | Error>>();
  private readonly maxAppendSize: number;
  private readonly pageSize: number;
  private readonly maxBatchSize: number;
  private readonly upcast: EventUpcaster;
  private readonly sql;

  private constructor(
    private readonly db: Database.Database,
    options: SqliteEventStoreOptions,
  ) {
    this.maxAppendSize = options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE;
    this.pageSize = options.subscriptionPageSize ?? 500;
    this.maxBatchSize = options.maxBatchSize ?? 1000;
    this.upcast = options.upcast ?? NO_UPCASTING;
    this.pageReader =
      options.readAhead === false ? undefined : new PageReader(db.name, options.busyTimeoutMs ?? 5000);
    this.sql = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT append'),
      release: db.prepare('RELEASE append'),
      rollbackTo: db.prepare('ROLLBACK TO append'),
      lastRevision: db
        .prepare<[string], number>(
          'SELECT revision FROM events WHERE stream_name = ? ORDER BY revision DESC LIMIT 1',
        )
        .pluck(),
      hashAt: db
        .prepare<[string, number], string | null>(
          "SELECT json_extract(metadata, '$.hash') FROM events WHERE stream_name = ? AND revision = ?",
        )
        .pluck(),
      byId: db.prepare<[string], EventRow>(`SELECT ${COLUMNS} FROM events WHERE event_id = ?`),
      insert: db.prepare<[string, string, number, string, string, string]>(
        'INSERT INTO events (event_id, stream_name, revision, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      head: db.prepare<[], number | null>('SELECT max(position) FROM events').pluck(),
      streamForwards: db.prepare<[string, number, number], EventRow>(
        `SELECT ${COLUMNS} FROM events WHERE stream_name = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`,
      ),
      streamBackwards: db.prepare<[string, number, number], EventRow>(
        `SELECT ${COLUMNS} FROM events WHERE stream_name = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
      ),
      dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
      ping: db.prepare<[], number>('SELECT 1').pluck(),
    };
    this.notifier = new ChangeNotifier({
      file: db.name,
      dataVersion: () => this.sql.dataVersion.get() ?? 0,
      pollIntervalMs: options.pollIntervalMs ?? 250,
      watchFiles: options.watchFiles ?? true,
    });
  }

  static open(options: SqliteEventStoreOptions): Promise<SqliteEventStore> {
    const file = resolve(options.file);
    let db: Database.Database | undefined;
    try {
      mkdirSync(dirname(file), { recursive: true });
      db = new Database(file, { timeout: options.busyTimeoutMs ?? 5000 });
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`journal_mode is ${String(mode)}, WAL is required`);
      // After journal_mode, because this SQLite build lowers synchronous to NORMAL when it switches to WAL.
      db.pragma('synchronous = FULL');
      if (db.pragma('synchronous', { simple: true }) !== 2)
        throw new Error('synchronous=FULL was not accepted');
      // Keeps the WAL from staying at its high-water mark after a burst once readers let it checkpoint.
      db.pragma('journal_size_limit = 67108864');
      migrate(db);
      return Promise.resolve(new SqliteEventStore(db, { ...options, file }));
    } catch (error) {
      db?.close();
      const message = error instanceof Error ? error.message : String(error);
      return Promise.reject(
        new StoreUnavailableError(`Cannot open event store ${file}: ${message}`, { cause: error }),
      );
    }
  }

  get stats(): SqliteEventStoreStats {
    return { ...this.counters };
  }

  appendToStream(
    streamName: string,
    events: readonly EventToAppend[],
    options: { readonly expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    if (this.closing) return Promise.reject(this.closedError());
    let prepared: PreparedEvent[];
    try {
      assertValidStreamName(streamName);
      assertValidExpectedRevision(options?.expectedRevision);
      prepared = prepareEvents(events, this.maxAppendSize);
    } catch (error) {
      return Promise.reject(toStoreError(error, 'append'));
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ streamName, events: prepared, expected: options.expectedRevision, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // setImmediate, not a microtask: it runs after every continuation woken by the previous flush has had
        // the chance to queue its next append, which is what makes batches large under load.
        setImmediate(() => this.flush());
      }
    });
  }

  readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.read('stream read', () => {
      const forwards = (options.direction ?? 'forwards') === 'forwards';
      const limit = toLimit(options.maxCount);
      const from = options.fromRevision ?? (forwards ? START : END);
      let revision: number;
      if (from === START) revision = 0;
      else if (from === END) revision = Number.MAX_SAFE_INTEGER;
      else if (Number.isSafeInteger(from) && from >= 0) revision = from;
      else throw new RangeError(`Invalid fromRevision ${String(from)}`);
      const statement = forwards ? this.sql.streamForwards : this.sql.streamBackwards;
      const rows = statement.all(streamName, revision, limit);
      if (rows.length === 0 && this.sql.lastRevision.get(streamName) === undefined) {
        throw new StreamNotFoundError(streamName);
      }
      return this.toEvents(rows, options.asStored);
    });
  }

  /**
   * A forward read of a full page of at least READ_AHEAD_MIN_PAGE events has the next page read on the reader
   * thread, and the next call for exactly that page (same filter, same size, from just after this one) takes it.
   * Only a full page read ahead is handed out: committed events never change and later ones only ever get higher
   * positions, so it is what a read now would return. A page that came back short is read again here, since events
   * may have been appended since; so is a page whose read ahead failed, or one asked for before the thread had
   * opened the file (reading it here is then quicker than waiting).
   */
  readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    let query: { readonly sql: string; readonly args: unknown[]; readonly aheadable: boolean };
    try {
      if (this.closing) throw this.closedError();
      const forwards = (options.direction ?? 'forwards') === 'forwards';
      const limit = toLimit(options.maxCount);
      assertValidFilter(options.filter);
      const from = options.fromPosition ?? (forwards ? START : END);
      const bound = from === START ? 0 : from === END ? Number.MAX_SAFE_INTEGER : parsePosition(from);
      const { sql, params } = filterClause(options.filter);
      query = {
        sql:
          `SELECT ${COLUMNS} FROM events WHERE position ${forwards ? '>=' : '<='} ?${sql} ` +
          `ORDER BY position ${forwards ? 'ASC' : 'DESC'} LIMIT ?`,
        args: [bound, ...params, limit],
        aheadable: forwards && limit >= READ_AHEAD_MIN_PAGE && this.pageReader !== undefined,
      };
    } catch (error) {
      return Promise.reject(toStoreError(error, '$all read'));
    }
    const ahead = query.aheadable ? this.takeReadAhead(query.sql, query.args) : undefined;
    if (ahead === undefined) return this.read('$all read', () => this.readAllHere(query, options));
    return ahead.then((rows) =>
      this.read('$all read', () => {
        const limit = query.args[query.args.length - 1] as number;
        if (rows instanceof Error || rows.length < limit) return this.readAllHere(query, options);
        this.counters.pagesReadAhead += 1;
        this.readAheadAfter(query.sql, query.args, rows);
        return this.rawToEvents(rows as RawEventRow[], options.asStored);
      }),
    );
  }

  private readAllHere(
    query: { readonly sql: string; readonly args: unknown[]; readonly aheadable: boolean },
    options: ReadAllOptions,
  ): RecordedEvent[] {
    const rows = this.readStatement(query.sql).all(...query.args);
    if (query.aheadable) this.readAheadAfter(query.sql, query.args, rows);
    return this.rawToEvents(rows, options.asStored);
  }

  /** The page read ahead for this query, if there is one and the reader thread is up (not waiting for it to start). */
  private takeReadAhead(sql: string, args: readonly unknown[]): Promise<RawRow[] | Error> | undefined {
    const key = readAheadKey(sql, args);
    const ahead = this.readingAhead.get(key);
    if (ahead === undefined) return undefined;
    this.readingAhead.delete(key);
    return this.pageReader?.ready === true ? ahead : undefined;
  }

  /** After a full forward page, starts reading the page that follows it. */
  private readAheadAfter(sql: string, args: readonly unknown[], rows: readonly RawRow[]): void {
    const limit = args[args.length - 1] as number;
    const last = rows[rows.length - 1];
    if (this.pageReader === undefined || this.pageReader.failed || rows.length < limit || last === undefined)
      return;
    const next = [(last[0] as number) + 1, ...args.slice(1)];
    const key = readAheadKey(sql, next);
    if (this.readingAhead.has(key)) return;
    if (this.readingAhead.size >= READ_AHEAD_SLOTS) {
      const oldest = this.readingAhead.keys().next().value;
      if (oldest !== undefined) this.readingAhead.delete(oldest);
    }
    this.readingAhead.set(
      key,
      this.pageReader.read(sql, next).catch((error: unknown) => toStoreError(error, '$all read ahead')),
    );
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): StoreSubscription {
    const source: SubscriptionSource = {
      readPage: (after, filter) => this.readPage(after, filter),
      notifier: this.notifier,
      detach: (subscription) => this.subscriptions.delete(subscription),
    };
    let cursor = 0;
    let startError: Error | undefined;
    try {
      if (this.closing) throw this.closedError();
      assertValidFilter(options.filter);
      const from = options.fromPosition ?? START;
      // Resolved now, not at the first next(): events appended after this call must be delivered.
      cursor = from === START ? 0 : from === END ? (this.sql.head.get() ?? 0) : parsePosition(from);
    } catch (error) {
      startError = toStoreError(error, 'subscription');
    }
    const subscription = new SqliteSubscription(
      source,
      cursor,
      options.filter,
      options.onCheckpoint,
      startError,
    );
    if (startError === undefined) this.subscriptions.add(subscription);
    return subscription;
  }

  ping(): Promise<void> {
    return this.read('ping', () => {
      this.sql.ping.get();
    });
  }

  /** Commits whatever is queued, ends subscriptions and closes the file. Later calls reject. */
  close(): Promise<void> {
    if (this.closing) return Promise.resolve();
    this.closing = true;
    while (this.queue.length > 0) this.flushBatch();
    for (const subscription of [...this.subscriptions]) void subscription.close();
    this.notifier.close();
    this.readingAhead.clear();
    const reader = this.pageReader?.close() ?? Promise.resolve();
    this.db.close();
    return reader;
  }

  private closedError(): StoreUnavailableError {
    return new StoreUnavailableError('The event store is closed');
  }

  private read<T>(doing: string, body: () => T): Promise<T> {
    if (this.closing) return Promise.reject(this.closedError());
    try {
      return Promise.resolve(body());
    } catch (error) {
      return Promise.reject(toStoreError(error, doing));
    }
  }

  private toEvents(rows: readonly EventRow[], asStored: boolean | undefined): RecordedEvent[] {
    const upcast = asStored === true ? NO_UPCASTING : this.upcast;
    return rows.map((row) => upcast(toRecordedEvent(row)));
  }

  private rawToEvents(rows: readonly RawEventRow[], asStored: boolean | undefined): RecordedEvent[] {
    const upcast = asStored === true ? NO_UPCASTING : this.upcast;
    return rows.map((row) => upcast(rawToRecordedEvent(row)));
  }

  private readStatement(sql: string): Statement<unknown[], RawEventRow> {
    let statement = this.readStatements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare<unknown[], RawEventRow>(sql).raw(true);
      this.readStatements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Reads at most one page after `after`. Bounded by the head read first: positions up to it are all committed
   * (see schema.ts), so `scannedTo` never claims a position a concurrent writer could still fill.
   */
  private readPage(after: number, filter: EventFilter | undefined): LogPage {
    const head = this.sql.head.get() ?? 0;
    if (head <= after) return { events: [], scannedTo: after };
    const upper = Math.min(head, after + SCAN_WINDOW);
    const { sql, params } = filterClause(filter);
    const rows = this.readStatement(
      `SELECT ${COLUMNS} FROM events WHERE position > ? AND position <= ?${sql} ORDER BY position ASC LIMIT ?`,
    ).all(after, upper, ...params, this.pageSize);
    this.counters.pagesRead += 1;
    const last = rows[rows.length - 1];
    const scannedTo = rows.length === this.pageSize && last !== undefined ? last[0] : upper;
    return { events: this.rawToEvents(rows, false), scannedTo };
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.queue.length === 0) return;
    this.flushBatch();
    if (this.queue.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flushBatch(): void {
    const batch = this.queue.splice(0, this.maxBatchSize);
    const outcomes: Outcome[] = [];
    // Heads written by this batch; they join `heads` only once committed.
    const written = new Map<string, StreamHead>();
    try {
      this.sql.begin.run();
      try {
        for (const append of batch) {
          this.sql.savepoint.run();
          try {
            const { result, head } = this.applyAppend(append, written);
            this.sql.release.run();
            if (head !== undefined) written.set(append.streamName, head);
            outcomes.push({ ok: true, result });
          } catch (error) {
            this.sql.rollbackTo.run();
            this.sql.release.run();
            outcomes.push({ ok: false, error: toStoreError(error, 'append') });
          }
        }
        this.sql.commit.run();
      } catch (error) {
        if (this.db.inTransaction) this.sql.rollback.run();
        throw error;
      }
    } catch (error) {
      // Nothing of the batch is durable: every caller learns it, including those whose append had succeeded.
      const failure = toStoreError(error, 'commit');
      for (const append of batch) append.reject(failure);
      return;
    }
    this.counters.transactions += 1;
    if (this.heads.size + written.size > MAX_REMEMBERED_HEADS) this.heads.clear();
    for (const [streamName, head] of written) this.heads.set(streamName, head);
    let appended = false;
    batch.forEach((append, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok === true) {
        this.counters.appends += 1;
        appended = true;
        append.resolve(outcome.result);
      } else {
        append.reject(outcome?.error ?? new Error('append outcome missing'));
      }
    });
    if (appended) this.notifier.notify();
  }

  /**
   * Runs inside the batch transaction and its own savepoint; throwing rolls back this append only. The stream's
   * head is read here, under the write lock, so no other process can append between it and the insert; its hash
   * comes from memory when the remembered head is that very event (events never change once committed).
   */
  private applyAppend(
    { streamName, events, expected }: PendingAppend,
    written: ReadonlyMap<string, StreamHead>,
  ): { readonly result: AppendResult; readonly head?: StreamHead } {
    const current = this.sql.lastRevision.get(streamName) ?? -1;
    for (const event of events) {
      if (this.sql.byId.get(event.id) === undefined) continue;
      // A known id: possibly a retry (rare), so only now are the recorded rows gathered.
      const recorded = events.map((known) => this.sql.byId.get(known.id));
      return { result: this.reappend(streamName, events, expected, current, recorded) };
    }
    if (!satisfies(expected, current)) {
      throw new WrongExpectedVersionError(streamName, expected, current === -1 ? 'no_stream' : current);
    }
    const stream = quoteJson(streamName);
    let prevHashJson = quoteJson(this.hashOfHead(streamName, current, written));
    let revision = current;
    let hash = '';
    let position = 0;
    for (const { id, type, dataJson, chain } of events) {
      revision += 1;
      hash = linkHash(chain, stream, revision, prevHashJson);
      // A hex digest needs no escaping; as a JSON string it is also the next event's `prevHash`.
      const hashJson = `"${hash}"`;
      const metadataJson = storedMetadataJson(chain, hashJson, prevHashJson);
      const { lastInsertRowid } = this.sql.insert.run(id, streamName, revision, type, dataJson, metadataJson);
      position = Number(lastInsertRowid);
      prevHashJson = hashJson;
    }
    return {
      result: { nextExpectedRevision: revision, position: String(position) },
      head: { revision, hash },
    };
  }

  /** The `prevHash` for an append after revision `current` (see prevHashAfter for unchained heads). */
  private hashOfHead(streamName: string, current: number, written: ReadonlyMap<string, StreamHead>): string {
    if (current < 0) return GENESIS_HASH;
    const remembered = written.get(streamName) ?? this.heads.get(streamName);
    const hash =
      remembered?.revision === current ? remembered.hash : this.sql.hashAt.get(streamName, current);
    return typeof hash === 'string' ? hash : GENESIS_HASH;
  }

  /**
   * Some ids were recorded before. As EventStoreDB does: when all of them were recorded, in order, by an append
   * made at the same expected revision, this is a retry and gets the first result; nothing is written.
   * Unlike EventStoreDB, a different payload (or stream) under a known id is refused rather than ignored.
   */
  private reappend(
    streamName: string,
    events: readonly PreparedEvent[],
    expected: ExpectedRevision,
    current: number,
    recorded: readonly (EventRow | undefined)[],
  ): AppendResult {
    events.forEach((event, index) => {
      const row = recorded[index];
      if (row === undefined) return;
      if (row.stream_name !== streamName) {
        throw new EventIdConflictError(event.id, `it is in stream ${row.stream_name}, not ${streamName}`);
      }
      if (row.type !== event.type) {
        throw new EventIdConflictError(event.id, `its type is ${row.type}, not ${event.type}`);
      }
      if (row.data !== event.dataJson && canonicalJson(row.data) !== canonicalJson(event.dataJson)) {
        throw new EventIdConflictError(event.id, 'its data differs');
      }
      // The stored metadata also holds the chain link, which the caller never sends: compare without it.
      const storedMetadata = JSON.stringify(
        withoutChainLink(JSON.parse(row.metadata) as Record<string, unknown>),
      );
      if (canonicalJson(storedMetadata) !== canonicalJson(metadataWithoutLinkJson(event.chain))) {
        throw new EventIdConflictError(event.id, 'its metadata differs');
      }
    });
    const first = recorded[0];
    const last = recorded[recorded.length - 1];
    const complete = recorded.every(
      (row, index) => row !== undefined && row.revision === (first?.revision ?? 0) + index,
    );
    if (complete && first !== undefined && last !== undefined) {
      const sameExpectation =
        expected === 'any' ||
        expected === 'stream_exists' ||
        (expected === 'no_stream' && first.revision === 0) ||
        expected === first.revision - 1;
      if (sameExpectation) return { nextExpectedRevision: last.revision, position: String(last.position) };
    }
    if (!satisfies(expected, current)) {
      throw new WrongExpectedVersionError(streamName, expected, current === -1 ? 'no_stream' : current);
    }
    const known = recorded.find((row) => row !== undefined);
    throw new EventIdConflictError(
      known?.event_id ?? '',
      `it was recorded at revision ${known?.revision ?? '?'} by an earlier append, not by one made at this expected revision`,
    );
  }
}
