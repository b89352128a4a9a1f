import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { SubscriptionReader, describeEventStoreContract } from '../contract/event-store.contract';
import {
  EventIdConflictError,
  InvalidAppendError,
  StoreUnavailableError,
  WrongExpectedVersionError,
} from '../errors';
import type {
  AppendResult,
  EventMetadata,
  EventToAppend,
  Position,
  RecordedEvent,
} from '../event-store.port';
import { verifyChains } from '../integrity/verify-chain';
import { SqliteEventStore } from './sqlite-event-store';

const root = mkdtempSync(join(tmpdir(), 'ismap-sqlite-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fileFor(name: string): string {
  // A directory that does not exist yet: open() must create it.
  return join(root, name, 'nested', 'events.db');
}

describeEventStoreContract('embedded SQLite', {
  create: ({ upcast }) => SqliteEventStore.open({ file: fileFor('contract'), upcast }),
});

function metadata(overrides: Partial<EventMetadata> = {}): EventMetadata {
  return {
    actor: { sub: 'embedded-spec', roles: ['secretariat'] },
    correlationId: 'corr-1',
    causationId: 'cause-1',
    commandId: 'cmd-1',
    occurredOn: '2024-04-01',
    recordedAt: '2024-04-01T00:00:00.000Z',
    schemaVersion: 1,
    rulesetVersion: '2023.1',
    ...overrides,
  };
}

function newEvent(type = 'Happened', data: Record<string, unknown> = {}): EventToAppend {
  return { id: randomUUID(), type, data: data as EventToAppend['data'], metadata: metadata() };
}

function ids(events: readonly { readonly id: string }[]): string[] {
  return events.map((event) => event.id);
}

/** Resolves with `promise`, or fails the test after `timeoutMs` naming what it waited for. */
async function waitForPromise<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

describe('SqliteEventStore (embedded only)', () => {
  let store: SqliteEventStore;
  beforeAll(async () => {
    store = await SqliteEventStore.open({ file: fileFor('embedded') });
  });
  afterAll(() => store.close());

  describe('group commit', () => {
    it('writes 200 appends issued together in one transaction', async () => {
      const before = store.stats;
      const events = Array.from({ length: 200 }, () => newEvent('Batched'));
      const results = await Promise.all(
        events.map((event, i) =>
          store.appendToStream(`batch-${i % 32}`, [event], { expectedRevision: 'any' }),
        ),
      );
      const after = store.stats;
      expect(after.transactions - before.transactions).toBe(1);
      expect(after.appends - before.appends).toBe(200);

      // Queue order is commit order: positions are consecutive in the order the calls were made.
      const positions = results.map((result) => Number(result.position));
      expect(positions).toEqual(positions.map((_, i) => positions[0]! + i));
      const read = await store.readAll({ fromPosition: results[0]!.position, maxCount: 200 });
      expect(ids(read)).toEqual(ids(events));
    });

    it('keeps batching while callers keep appending: 32 callers, fewer transactions than appends', async () => {
      const before = store.stats;
      await Promise.all(
        Array.from({ length: 32 }, async (_, caller) => {
          for (let i = 0; i < 10; i++) {
            await store.appendToStream(`caller-${caller}`, [newEvent()], {
              expectedRevision: i === 0 ? 'no_stream' : i - 1,
            });
          }
        }),
      );
      const transactions = store.stats.transactions - before.transactions;
      expect(store.stats.appends - before.appends).toBe(320);
      expect(transactions).toBeLessThanOrEqual(20);
    });

    it('fails only the offending appends of a batch', async () => {
      const existing = newEvent('Existing', { v: 1 });
      await store.appendToStream('mixed-a', [existing], { expectedRevision: 'no_stream' });
      const before = store.stats;

      const first = newEvent('First');
      const last = newEvent('Last');
      const outcomes = await Promise.allSettled([
        store.appendToStream('mixed-b', [first], { expectedRevision: 'no_stream' }),
        store.appendToStream('mixed-a', [newEvent()], { expectedRevision: 5 }),
        store.appendToStream('mixed-a', [{ ...existing, data: { v: 2 } }], { expectedRevision: 'no_stream' }),
        store.appendToStream('mixed-a', [existing], { expectedRevision: 'no_stream' }),
        store.appendToStream('mixed-b', [last], { expectedRevision: 0 }),
      ]);

      expect(store.stats.transactions - before.transactions).toBe(1);
      expect(outcomes.map((outcome) => outcome.status)).toEqual([
        'fulfilled',
        'rejected',
        'rejected',
        'fulfilled',
        'fulfilled',
      ]);
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedVersionError);
      expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ actual: 0 });
      expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(EventIdConflictError);
      expect(ids(await store.readStream('mixed-a'))).toEqual([existing.id]);
      expect(ids(await store.readStream('mixed-b'))).toEqual([first.id, last.id]);
    });
  });

  describe('event ids', () => {
    it('refuses a known id with a different payload, type, metadata or stream', async () => {
      const event = newEvent('Original', { a: 1, b: [1, 2] });
      await store.appendToStream('ids-a', [event], { expectedRevision: 'no_stream' });

      const variants: [string, EventToAppend][] = [
        ['ids-a', { ...event, data: { a: 1, b: [2, 1] } }],
        ['ids-a', { ...event, type: 'Renamed' }],
        ['ids-a', { ...event, metadata: metadata({ commandId: 'other' }) }],
        ['ids-other', event],
      ];
      for (const [streamName, variant] of variants) {
        const attempt = store.appendToStream(streamName, [variant], { expectedRevision: 'any' });
        await expect(attempt).rejects.toBeInstanceOf(EventIdConflictError);
        await expect(attempt).rejects.toMatchObject({ eventId: event.id });
      }
      await expect(store.readStream('ids-other')).rejects.toMatchObject({ code: 'STORE.STREAM_NOT_FOUND' });
      expect(await store.readStream('ids-a')).toHaveLength(1);
    });

    it('treats the same data with its keys in another order as the same event', async () => {
      const event = newEvent('Ordered', { a: 1, nested: { x: 1, y: 2 } });
      const first = await store.appendToStream('ids-order', [event], { expectedRevision: 'no_stream' });
      const reordered = { ...event, id: event.id.toUpperCase(), data: { nested: { y: 2, x: 1 }, a: 1 } };
      await expect(
        store.appendToStream('ids-order', [reordered], { expectedRevision: 'no_stream' }),
      ).resolves.toEqual(first);
    });

    it('refuses a retry that only partly matches an earlier append', async () => {
      const [a, b] = [newEvent('A'), newEvent('B')];
      await store.appendToStream('ids-partial', [a, b], { expectedRevision: 'no_stream' });
      const attempt = store.appendToStream('ids-partial', [a, newEvent('C')], {
        expectedRevision: 'no_stream',
      });
      await expect(attempt).rejects.toBeInstanceOf(WrongExpectedVersionError);
      const atHead = store.appendToStream('ids-partial', [b, newEvent('C')], { expectedRevision: 1 });
      await expect(atHead).rejects.toBeInstanceOf(EventIdConflictError);
      expect(await store.readStream('ids-partial')).toHaveLength(2);
    });
  });

  describe('invalid appends', () => {
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    class Money {
      amount = 1;
    }
    const cases: [string, () => Promise<unknown>][] = [
      ['empty stream name', () => store.appendToStream('', [newEvent()], { expectedRevision: 'any' })],
      ['system stream', () => store.appendToStream('$all', [newEvent()], { expectedRevision: 'any' })],
      ['control character', () => store.appendToStream('a\nb', [newEvent()], { expectedRevision: 'any' })],
      ['no events', () => store.appendToStream('ok', [], { expectedRevision: 'any' })],
      [
        'id not a UUID',
        () => store.appendToStream('ok', [{ ...newEvent(), id: 'x' }], { expectedRevision: 'any' }),
      ],
      [
        'empty type',
        () => store.appendToStream('ok', [{ ...newEvent(), type: '' }], { expectedRevision: 'any' }),
      ],
      [
        'duplicate ids',
        () => {
          const event = newEvent();
          return store.appendToStream('ok', [event, { ...event }], { expectedRevision: 'any' });
        },
      ],
      ['BigInt', () => store.appendToStream('ok', [newEvent('T', { n: 1n })], { expectedRevision: 'any' })],
      ['circular', () => store.appendToStream('ok', [newEvent('T', circular)], { expectedRevision: 'any' })],
      [
        'Date',
        () => store.appendToStream('ok', [newEvent('T', { at: new Date() })], { expectedRevision: 'any' }),
      ],
      [
        'class',
        () => store.appendToStream('ok', [newEvent('T', { m: new Money() })], { expectedRevision: 'any' }),
      ],
      [
        'NaN',
        () => store.appendToStream('ok', [newEvent('T', { n: Number.NaN })], { expectedRevision: 'any' }),
      ],
      [
        'hole',
        () => store.appendToStream('ok', [newEvent('T', { l: [1, undefined] })], { expectedRevision: 'any' }),
      ],
      [
        'function',
        () => store.appendToStream('ok', [newEvent('T', { f: () => 1 })], { expectedRevision: 'any' }),
      ],
      [
        'metadata not an object',
        () =>
          store.appendToStream('ok', [{ ...newEvent(), metadata: 'x' as unknown as EventMetadata }], {
            expectedRevision: 'any',
          }),
      ],
      [
        'larger than 1,048,576 bytes',
        () =>
          store.appendToStream('ok', [newEvent('T', { s: 'x'.repeat(1_048_576) })], {
            expectedRevision: 'any',
          }),
      ],
      ['negative revision', () => store.appendToStream('ok', [newEvent()], { expectedRevision: -1 })],
      ['fractional revision', () => store.appendToStream('ok', [newEvent()], { expectedRevision: 1.5 })],
    ];

    it.each(cases)('rejects %s with InvalidAppendError and writes nothing', async (_name, attempt) => {
      const before = await store.readAll({ direction: 'backwards', maxCount: 1 });
      await expect(attempt()).rejects.toBeInstanceOf(InvalidAppendError);
      expect(await store.readAll({ direction: 'backwards', maxCount: 1 })).toEqual(before);
    });

    it('drops properties whose value is undefined, as JSON does', async () => {
      await store.appendToStream('undefined-props', [newEvent('T', { kept: 1, dropped: undefined })], {
        expectedRevision: 'no_stream',
      });
      const [read] = await store.readStream('undefined-props');
      expect(read?.data).toStrictEqual({ kept: 1 });
    });
  });

  describe('reads', () => {
    it('treats positions beyond the log as past its end and refuses malformed ones', async () => {
      await expect(store.readAll({ fromPosition: '18446744073709551615' })).resolves.toEqual([]);
      await expect(store.readAll({ fromPosition: '-1' })).rejects.toBeInstanceOf(RangeError);
      await expect(store.readAll({ fromPosition: 'end' })).resolves.toEqual([]);
      await expect(store.readAll({ direction: 'backwards', fromPosition: 'start' })).resolves.toEqual([]);
      await expect(store.readStream('x', { maxCount: -1 })).rejects.toBeInstanceOf(RangeError);
    });

    it('returns an empty list for a range past the end of an existing stream', async () => {
      await store.appendToStream('short', [newEvent()], { expectedRevision: 'no_stream' });
      await expect(store.readStream('short', { fromRevision: 5 })).resolves.toEqual([]);
      await expect(store.readStream('short', { fromRevision: 'end' })).resolves.toEqual([]);
    });
  });

  describe('subscriptions', () => {
    it('checkpoints after catching up even when no event matched the filter', async () => {
      const wanted = `Nothing${randomUUID()}`;
      await Promise.all(
        Array.from({ length: 30 }, () =>
          store.appendToStream('noise', [newEvent()], { expectedRevision: 'any' }),
        ),
      );
      const [head] = await store.readAll({ direction: 'backwards', maxCount: 1 });
      const checkpoints: Position[] = [];
      let reached!: () => void;
      const headReached = new Promise<void>((resolve) => (reached = resolve));
      const reader = new SubscriptionReader(
        store.subscribeToAll({
          filter: { eventTypePrefixes: [wanted] },
          onCheckpoint: (position) => {
            checkpoints.push(position);
            if (position === head!.position) reached();
          },
        }),
      );
      reader.pull();
      await waitForPromise(headReached, 5000, `a checkpoint at ${head!.position}`);
      expect(reader.received).toEqual([]);
      const numbers = checkpoints.map(Number);
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
      await reader.close();
    });

    it('checkpoints only past events already handed to the consumer', async () => {
      const prefix = `cp${randomUUID().slice(0, 8)}`;
      const results: AppendResult[] = [];
      for (let i = 0; i < 5; i++) {
        results.push(
          await store.appendToStream(`${prefix}-${i}`, [newEvent()], { expectedRevision: 'no_stream' }),
        );
      }
      const delivered: Position[] = [];
      const violations: string[] = [];
      const small = await SqliteEventStore.open({ file: fileFor('embedded'), subscriptionPageSize: 2 });
      const subscription = small.subscribeToAll({
        fromPosition: String(Number(results[0]!.position) - 1),
        filter: { streamNamePrefixes: [prefix] },
        onCheckpoint: (position) => {
          const pending = results.filter(
            (r) => Number(r.position) <= Number(position) && !delivered.includes(r.position),
          );
          if (pending.length > 0)
            violations.push(`checkpoint ${position} before ${pending.map((r) => r.position).join()}`);
        },
      });
      const reader = new SubscriptionReader(subscription, (event) => {
        delivered.push(event.position);
        return true;
      });
      await reader.waitForEvents((events) => events.length === 5);
      await reader.close();
      await small.close();
      expect(violations).toEqual([]);
      expect(delivered).toEqual(results.map((r) => r.position));
    });

    it('reads a page only when the consumer has taken the previous one', async () => {
      const paged = await SqliteEventStore.open({ file: fileFor('paging'), subscriptionPageSize: 10 });
      try {
        await Promise.all(
          Array.from({ length: 100 }, () =>
            paged.appendToStream('paged', [newEvent()], { expectedRevision: 'any' }),
          ),
        );
        const before = paged.stats.pagesRead;
        const reader = new SubscriptionReader(paged.subscribeToAll());
        await reader.waitForEvents((events) => events.length === 15);
        expect(paged.stats.pagesRead - before).toBe(2);
        await reader.close();
      } finally {
        await paged.close();
      }
    });

    it('never skips or repeats a position while appends race a slow consumer across small pages', async () => {
      const paged = await SqliteEventStore.open({ file: fileFor('racing'), subscriptionPageSize: 7 });
      try {
        const reader = new SubscriptionReader(paged.subscribeToAll());
        const writers = Promise.all(
          Array.from({ length: 4 }, async (_, w) => {
            for (let i = 0; i < 50; i++)
              await paged.appendToStream(`race-${w}`, [newEvent()], { expectedRevision: 'any' });
          }),
        );
        await reader.waitForEvents((events) => events.length === 200);
        await writers;
        expect(reader.received.map((event) => Number(event.position))).toEqual(
          Array.from({ length: 200 }, (_, i) => i + 1),
        );
        await reader.close();
      } finally {
        await paged.close();
      }
    });

    it('from end delivers only events appended after subscribing', async () => {
      await store.appendToStream('before-end', [newEvent()], { expectedRevision: 'any' });
      const reader = new SubscriptionReader(store.subscribeToAll({ fromPosition: 'end' }));
      const event = newEvent();
      await store.appendToStream('after-end', [event], { expectedRevision: 'any' });
      await reader.waitForEvents((events) => events.length === 1);
      expect(ids(reader.received)).toEqual([event.id]);
      await reader.close();
    });
  });

  describe('close', () => {
    it('commits queued appends, ends live subscriptions and rejects later calls', async () => {
      const file = fileFor('closing');
      const closing = await SqliteEventStore.open({ file });
      const reader = new SubscriptionReader(closing.subscribeToAll({ fromPosition: 'end' }));
      reader.pull();
      const events = Array.from({ length: 10 }, () => newEvent());
      const appends = events.map((event) =>
        closing.appendToStream('queued', [event], { expectedRevision: 'any' }),
      );
      await closing.close();
      await expect(Promise.all(appends)).resolves.toHaveLength(10);
      await reader.close();

      const rejected = [
        closing.appendToStream('queued', [newEvent()], { expectedRevision: 'any' }),
        closing.readStream('queued'),
        closing.readAll(),
        closing.ping(),
      ];
      for (const call of rejected) await expect(call).rejects.toBeInstanceOf(StoreUnavailableError);
      const late = closing.subscribeToAll()[Symbol.asyncIterator]();
      await expect(late.next()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(closing.close()).resolves.toBeUndefined();

      const reopened = await SqliteEventStore.open({ file });
      expect(ids(await reopened.readStream('queued'))).toEqual(ids(events));
      await reopened.close();
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Several OS processes on one file.

interface Ack {
  readonly id: string;
  readonly stream: string;
  readonly revision: number;
  readonly position: Position;
  readonly receivedAt: number;
}

interface Child {
  readonly process: ChildProcess;
  readonly acks: Ack[];
  readonly events: EventEmitter;
  /** Resolves once the process ended and its output was read to the end. */
  readonly closed: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  stderr(): string;
}

const repository = resolve(__dirname, '../../../..');
const childScript = join(__dirname, 'testing', 'append-child.js');

/**
 * Children cannot use Jest's TypeScript transform, so the adapter and the port files it imports are transpiled
 * (types stripped, no type check: Jest's ts-jest already checks them) into a temporary directory.
 */
function transpileAdapter(outDir: string): string {
  const sourceRoot = resolve(__dirname, '..');
  const sources = [
    ...readdirSync(sourceRoot).map((name) => join(sourceRoot, name)),
    ...readdirSync(__dirname).map((name) => join(__dirname, name)),
    ...readdirSync(join(sourceRoot, 'integrity')).map((name) => join(sourceRoot, 'integrity', name)),
  ].filter((path) => path.endsWith('.ts') && !path.endsWith('.spec.ts') && !path.endsWith('.d.ts'));
  for (const source of sources) {
    const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
      fileName: source,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    });
    const target = join(outDir, relative(sourceRoot, source)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  return join(outDir, 'embedded', 'sqlite-event-store.js');
}

describe('SqliteEventStore across processes', () => {
  let adapter: string;
  beforeAll(() => {
    adapter = transpileAdapter(join(root, 'adapter'));
  });

  function spawnChild(file: string, ...args: string[]): Child {
    const child = spawn(process.execPath, [childScript, adapter, file, ...args], {
      // The transpiled adapter lives outside the repository; let it find better-sqlite3 here.
      env: { ...process.env, NODE_PATH: join(repository, 'node_modules') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acks: Ack[] = [];
    const events = new EventEmitter();
    let partial = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines.filter((l) => l.length > 0)) {
        acks.push({ ...(JSON.parse(line) as Omit<Ack, 'receivedAt'>), receivedAt: Date.now() });
        events.emit('ack');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveClosed) =>
      child.on('close', (code, signal) => {
        events.emit('closed');
        resolveClosed({ code, signal });
      }),
    );
    return { process: child, acks, events, closed, stderr: () => stderr };
  }

  /** Waits until the child has acknowledged `count` appends; fails if it exits first or time runs out. */
  function waitForAcks(child: Child, count: number, timeoutMs: number): Promise<Ack[]> {
    const arrived = new Promise<Ack[]>((resolveAcks, reject) => {
      const check = () => {
        if (child.acks.length >= count) {
          child.events.off('ack', check).off('closed', exited);
          resolveAcks(child.acks);
        }
      };
      const exited = () => {
        check();
        reject(new Error(`child exited after ${child.acks.length} of ${count} acks: ${child.stderr()}`));
      };
      child.events.on('ack', check).on('closed', exited);
      check();
    });
    return waitForPromise(arrived, timeoutMs, `${count} acknowledgements`);
  }

  it('two processes appending with expected revisions lose and duplicate nothing, and a third sees it live', async () => {
    const file = fileFor('multi-process');
    const observer = await SqliteEventStore.open({ file });
    const reader = new SubscriptionReader(observer.subscribeToAll({ fromPosition: 'start' }));
    try {
      reader.pull();
      const perChild = 300;
      const children = ['left', 'right'].map((name) =>
        spawnChild(file, 'contend', name, String(perChild), 'shared'),
      );
      const exits = await Promise.all(children.map((child) => child.closed));
      expect(exits.map((exit, i) => `${exit.code} ${children[i]!.stderr()}`)).toEqual(['0 ', '0 ']);
      const acks = children.flatMap((child) => child.acks);
      expect(acks).toHaveLength(2 * 2 * perChild);

      // The observer never appended: only other processes' commits can have woken it.
      await reader.waitForEvents((events) => events.length === acks.length, 20_000);

      const log = await observer.readAll();
      expect(log.map((event) => event.position)).toEqual(log.map((_, i) => String(i + 1)));
      expect(new Set(ids(log)).size).toBe(log.length);
      expect(ids(reader.received)).toEqual(ids(log));

      const recorded = new Map(log.map((event) => [event.id, event]));
      const mismatches = acks.filter((ack) => {
        const event = recorded.get(ack.id);
        return (
          event?.position !== ack.position ||
          event.streamName !== ack.stream ||
          event.revision !== ack.revision
        );
      });
      expect(mismatches).toEqual([]);
      expect(log).toHaveLength(acks.length);

      for (const stream of ['shared', 'left-own', 'right-own']) {
        const revisions = (await observer.readStream(stream)).map((event) => event.revision);
        expect(revisions).toEqual(revisions.map((_, i) => i));
      }
      expect(await observer.readStream('shared')).toHaveLength(2 * perChild);
      // Each process read the previous hash inside its own write transaction: one unbroken chain per stream.
      await expect(verifyChains(log)).resolves.toMatchObject({ ok: true, eventsChecked: acks.length });
    } finally {
      await reader.close();
      await observer.close();
    }
  }, 60_000);

  it.each([
    // A one-minute poll: only the file notifications can make the one-second deadline.
    ['file notifications', { watchFiles: true, pollIntervalMs: 60_000 }],
    // The fallback for filesystems without notifications, at its default interval.
    ['the data_version check alone', { watchFiles: false }],
  ])(
    "notices another process's append within one second through %s",
    async (how, options) => {
      const file = fileFor(`latency-${how.replace(/\W/g, '-')}`);
      const observer = await SqliteEventStore.open({ file, ...options });
      const reader = new SubscriptionReader(observer.subscribeToAll({ fromPosition: 'end' }));
      try {
        reader.pull();
        for (let round = 0; round < 3; round++) {
          const child = spawnChild(file, 'one', `elsewhere-${round}`);
          const [ack] = await waitForAcks(child, 1, 15_000);
          const budget = 1000 - (Date.now() - ack!.receivedAt);
          await reader.waitForEvents((events) => events.some((event) => event.id === ack!.id), budget);
          await child.closed;
        }
        expect(reader.received.map((event: RecordedEvent) => event.streamName)).toEqual([
          'elsewhere-0',
          'elsewhere-1',
          'elsewhere-2',
        ]);
      } finally {
        await reader.close();
        await observer.close();
      }
    },
    60_000,
  );

  it('keeps every acknowledged append when the writing process is killed with SIGKILL', async () => {
    const file = fileFor('kill');
    const child = spawnChild(file, 'stream', '8');
    await waitForAcks(child, 500, 30_000);
    child.process.kill('SIGKILL');
    const exit = await child.closed;
    expect(exit.signal).toBe('SIGKILL');
    const acks = child.acks;

    const reopened = await SqliteEventStore.open({ file });
    try {
      const log = await reopened.readAll();
      const recorded = new Map(log.map((event) => [event.id, event]));
      const lost = acks.filter((ack) => recorded.get(ack.id)?.position !== ack.position);
      expect(lost).toEqual([]);
      expect(log.length).toBeGreaterThanOrEqual(acks.length);
      expect(log.map((event) => event.position)).toEqual(log.map((_, i) => String(i + 1)));
      for (let lane = 0; lane < 8; lane++) {
        const revisions = (await reopened.readStream(`durable-${lane}`)).map((event) => event.revision);
        expect(revisions).toEqual(revisions.map((_, i) => i));
      }
    } finally {
      await reopened.close();
    }
  }, 60_000);
});
