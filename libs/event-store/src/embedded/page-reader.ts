import { Worker } from 'node:worker_threads';

/** A row as a `raw` better-sqlite3 statement returns it (each column in SELECT order). */
export type RawRow = readonly unknown[];

/**
 * The reader thread's code. It opens the database file read-only (a second connection: WAL lets it read while the
 * main connection writes), runs the SELECTs it is sent with their bound values and sends the rows back. Plain
 * JavaScript run with `eval`, so the same code runs from the build and from the TypeScript sources under Jest.
 */
const READER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqliteModule);
const db = new Database(workerData.file, { readonly: true, fileMustExist: true, timeout: workerData.busyTimeoutMs });
const statements = new Map();
parentPort.on('message', (request) => {
  try {
    let statement = statements.get(request.sql);
    if (statement === undefined) {
      statement = db.prepare(request.sql);
      if (!statement.reader) throw new Error('the reader thread only reads');
      statement.raw(true);
      statements.set(request.sql, statement);
    }
    parentPort.postMessage({ id: request.id, rows: statement.all(...request.params) });
  } catch (error) {
    parentPort.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});
Atomics.store(workerData.opened, 0, 1);
`;

interface Reply {
  readonly id: number;
  readonly rows?: RawRow[];
  readonly error?: string;
}

interface Waiting {
  readonly resolve: (rows: RawRow[]) => void;
  readonly reject: (error: Error) => void;
}

/**
 * A thread that reads pages of the log from the database file, so that the next page of a long scan is read while
 * the caller works on the current one (see `SqliteEventStore.readAll`). Started on first use; once it has failed
 * (it could not open the file, it died), every read is refused and the store reads on its own thread as before.
 */
export class PageReader {
  private worker: Worker | undefined;
  private failure: Error | undefined;
  /** Set to 1 by the thread once the file is open: readable at once, with no message to wait for. */
  private readonly opened = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();

  constructor(
    private readonly file: string,
    private readonly busyTimeoutMs: number,
  ) {}

  /** Whether the thread has opened the file: until then, waiting for it costs more than reading here. */
  get ready(): boolean {
    return Atomics.load(this.opened, 0) === 1 && this.failure === undefined;
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Runs one SELECT (its SQL and bound values) on the reader thread. */
  read(sql: string, params: readonly unknown[]): Promise<RawRow[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<RawRow[]>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // Keeps the process alive while an answer is due, and only then.
      if (this.waiting.size === 1) worker.ref();
      worker.postMessage({ id, sql, params });
    });
  }

  /** Stops the thread; reads still waiting are refused. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.fail(new Error('The page reader is closed'));
    if (worker !== undefined) await worker.terminate();
  }

  private start(): Worker {
    const worker = new Worker(READER_SOURCE, {
      eval: true,
      workerData: {
        file: this.file,
        sqliteModule: require.resolve('better-sqlite3'),
        busyTimeoutMs: this.busyTimeoutMs,
        opened: this.opened,
      },
    });
    worker.unref();
    worker.on('message', (reply: Reply) => this.answer(reply));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`The page reader thread stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private answer(reply: Reply): void {
    const waiting = this.waiting.get(reply.id);
    if (waiting === undefined) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker?.unref();
    if (reply.rows !== undefined) waiting.resolve(reply.rows);
    else waiting.reject(new Error(`The page reader failed: ${reply.error ?? 'no reason given'}`));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.waiting.values()) waiting.reject(this.failure);
    this.waiting.clear();
    this.worker = undefined;
  }
}
