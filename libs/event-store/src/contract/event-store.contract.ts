/// <reference types="jest" />
/**
 * The behaviour every EventStore adapter must share, written against the port only. It runs against the
 * embedded store, the EventStoreDB adapter on the in-process gRPC fake, and a real EventStoreDB server, so it
 * never assumes an empty store: streams and event types carry a random suffix per test, and `$all` assertions
 * look only at this test's own events.
 */
import { randomUUID } from 'node:crypto';
import { InvalidAppendError, StreamNotFoundError, WrongExpectedVersionError } from '../errors';
import { withoutChainLink } from '../integrity/chain-links';
import { GENESIS_HASH, computeEventHash } from '../integrity/event-hash';
import { verifyChains } from '../integrity/verify-chain';
import { comparePositions, isPosition } from '../event-store.port';
import type {
  AppendResult,
  EventData,
  EventMetadata,
  JsonValue,
  EventStore,
  EventUpcaster,
  ExpectedRevision,
  Position,
  RecordedEvent,
  StoreSubscription,
} from '../event-store.port';

export interface ContractStoreOptions {
  /** The suite's own upcaster (see CONTRACT_UPCAST); the store must apply it on read, as the product's does. */
  readonly upcast: EventUpcaster;
}

export interface EventStoreFactory {
  /** Called once per suite; the store is closed in afterAll, then `cleanup` runs. */
  create(options: ContractStoreOptions): Promise<EventStore>;
  cleanup?(): Promise<void>;
}

/** Long enough for a real server on a busy CI machine; a failing wait reports what it got instead. */
const WAIT_MS = 10_000;

function suffix(): string {
  return randomUUID().replace(/-/g, '').slice(0, 12);
}

function metadata(overrides: Partial<EventMetadata> = {}): EventMetadata {
  const commandId = randomUUID();
  return {
    actor: { sub: 'contract-suite', roles: ['secretariat'], org: 'org-1' },
    correlationId: randomUUID(),
    causationId: commandId,
    commandId,
    occurredOn: '2024-04-01',
    recordedAt: '2024-04-01T00:00:00.000Z',
    schemaVersion: 1,
    rulesetVersion: '2023.1',
    ...overrides,
  };
}

/**
 * A versioned event type of the suite's own: schema 1 had `scope` without `regions`, schema 2 lists them. The
 * event store knows no domain; this stands in for the domain's upcasters, which the product passes the same way.
 */
const VERSIONED = 'ContractVersioned';

export const CONTRACT_UPCAST: EventUpcaster = (event) => {
  if (event.type !== VERSIONED || event.metadata.schemaVersion !== 1) return event;
  const scope = event.data['scope'] as { readonly [key: string]: JsonValue };
  return {
    ...event,
    data: { ...event.data, scope: { ...scope, regions: [] } },
    metadata: { ...event.metadata, schemaVersion: 2 },
  };
};

function newEvent(type: string, data: EventData = {}, meta: EventMetadata = metadata()) {
  return { id: randomUUID(), type, data, metadata: meta };
}

/** Pulls from one iterator across several waits, keeping only the events `keep` selects. */
export class SubscriptionReader {
  readonly received: RecordedEvent[] = [];
  private readonly iterator: AsyncIterator<RecordedEvent>;
  private pending: Promise<IteratorResult<RecordedEvent>> | undefined;

  constructor(
    readonly subscription: StoreSubscription,
    private readonly keep: (event: RecordedEvent) => boolean = () => true,
  ) {
    this.iterator = subscription[Symbol.asyncIterator]();
  }

  /** Waits until `done(received)` holds; fails after `timeoutMs` with what arrived so far. */
  async waitForEvents(
    done: (events: RecordedEvent[]) => boolean,
    timeoutMs = WAIT_MS,
  ): Promise<RecordedEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.received)) {
      this.pending ??= this.iterator.next();
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<'expired'>((resolve) => {
        timer = setTimeout(() => resolve('expired'), Math.max(0, deadline - Date.now()));
      });
      const result = await Promise.race([this.pending, expired]).finally(() => clearTimeout(timer));
      if (result === 'expired') {
        const got = this.received.map((event) => `${event.streamName}@${event.revision} ${event.type}`);
        throw new Error(`No match within ${timeoutMs} ms; received ${got.length}: ${got.join(', ')}`);
      }
      this.pending = undefined;
      if (result.done === true) throw new Error('The subscription ended while events were still expected');
      if (this.keep(result.value)) this.received.push(result.value);
    }
    return this.received;
  }

  /** Starts a `next()` without waiting for it, as a consumer blocked in `for await` would. */
  pull(): void {
    this.pending ??= this.iterator.next();
  }

  /** Closes the subscription and checks that the iteration ends rather than hanging. */
  async close(): Promise<void> {
    await this.subscription.close();
    const result = await this.waitForEnd(this.pending ?? this.iterator.next(), WAIT_MS);
    expect(result.done).toBe(true);
  }

  private async waitForEnd(
    next: Promise<IteratorResult<RecordedEvent>>,
    timeoutMs: number,
  ): Promise<IteratorResult<RecordedEvent>> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`The iteration did not end within ${timeoutMs} ms of close()`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([next, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function ids(events: readonly { readonly id: string }[]): string[] {
  return events.map((event) => event.id);
}

async function expectWrongExpectedVersion(
  append: Promise<AppendResult>,
  streamName: string,
  expected: ExpectedRevision,
  actual: number | 'no_stream',
): Promise<void> {
  const error: unknown = await append.then(
    () => new Error('the append succeeded'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(WrongExpectedVersionError);
  expect(error).toMatchObject({ streamName, expected, actual });
}

export function describeEventStoreContract(targetName: string, factory: EventStoreFactory): void {
  describe(`EventStore contract: ${targetName}`, () => {
    let store: EventStore;
    let prefix: string;

    beforeAll(async () => {
      store = await factory.create({ upcast: CONTRACT_UPCAST });
    });

    afterAll(async () => {
      await store?.close();
      await factory.cleanup?.();
    });

    beforeEach(() => {
      // A letter first, no dash inside: usable as an EventStoreDB category name too.
      prefix = `contract${suffix()}`;
    });

    /** Appends one event per call, in order, returning the results. */
    async function appendEach(streamNames: readonly string[], type = 'ContractEvent') {
      const appended: { event: ReturnType<typeof newEvent>; streamName: string; result: AppendResult }[] = [];
      for (const streamName of streamNames) {
        const event = newEvent(type, { n: appended.length });
        const result = await store.appendToStream(streamName, [event], { expectedRevision: 'any' });
        appended.push({ event, streamName, result });
      }
      return appended;
    }

    /** This test's events in `$all`, found by stream-name prefix. */
    function ownEvents(options: Parameters<EventStore['readAll']>[0] = {}) {
      return store.readAll({ ...options, filter: { streamNamePrefixes: [prefix] } });
    }

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    describe('round trip', () => {
      it('keeps Japanese text in data, metadata and stream names exactly', async () => {
        const streamName = `${prefix}-クラウドサービス事業者`;
        const data = {
          providerName: 'クラウドサービス事業者株式会社',
          serviceName: '政府情報システムのためのセキュリティ評価制度（ISMAP）',
          mixed: 'ｶﾀｶﾅ and 漢字 and emoji 🗾',
          nested: { list: ['一', '二', '三'], count: 3, ratio: 0.5, flag: true, none: null },
        };
        const meta = metadata({
          actor: { sub: '山田太郎', roles: ['csp'], org: '事業者-001' },
          note: '備考',
        });
        const event = newEvent('ProviderRegistered', data, meta);
        const result = await store.appendToStream(streamName, [event], { expectedRevision: 'no_stream' });
        expect(result.nextExpectedRevision).toBe(0);

        const [read] = await store.readStream(streamName);
        expect(read).toBeDefined();
        expect(read!.id).toBe(event.id);
        expect(read!.type).toBe('ProviderRegistered');
        expect(read!.streamName).toBe(streamName);
        expect(read!.revision).toBe(0);
        expect(read!.data).toStrictEqual(data);
        expect(withoutChainLink(read!.metadata)).toStrictEqual(meta);

        const [fromAll] = await ownEvents();
        expect(fromAll?.data).toStrictEqual(data);
        expect(fromAll?.streamName).toBe(streamName);
      });

      it('keeps the whole metadata object, actor and extension fields included', async () => {
        const withOrg = metadata({ idempotencyKey: randomUUID(), extra: { depth: [1, { two: 2 }] } });
        const withoutOrg = metadata({ actor: { sub: 'reviewer-7', roles: ['ipa-reviewer', 'secretariat'] } });
        const events = [newEvent('A', { i: 1 }, withOrg), newEvent('B', { i: 2 }, withoutOrg)];
        await store.appendToStream(`${prefix}-meta`, events, { expectedRevision: 'no_stream' });

        const read = await store.readStream(`${prefix}-meta`);
        expect(read.map((event) => withoutChainLink(event.metadata))).toStrictEqual([withOrg, withoutOrg]);
        expect(read[1]?.metadata.actor).not.toHaveProperty('org');
        expect(read.map((event) => event.data)).toStrictEqual([{ i: 1 }, { i: 2 }]);
      });

      it('keeps an event of about one megabyte', async () => {
        // 1,000,000 bytes plus metadata: under EventStoreDB's default maximum append size of 1,048,576 bytes.
        const blob = '0123456789abcdefghij'.repeat(50_000);
        const event = newEvent('LargeEvent', { blob });
        await store.appendToStream(`${prefix}-large`, [event], { expectedRevision: 'no_stream' });

        const [read] = await store.readStream(`${prefix}-large`);
        const readBlob = read?.data['blob'];
        expect(typeof readBlob).toBe('string');
        expect((readBlob as string).length).toBe(1_000_000);
        expect(readBlob === blob).toBe(true);
      });
    });

    describe('expected revision', () => {
      async function streamWith(count: number): Promise<string> {
        const streamName = `${prefix}-s${suffix()}`;
        const events = Array.from({ length: count }, (_, i) => newEvent('Seeded', { i }));
        await store.appendToStream(streamName, events, { expectedRevision: 'no_stream' });
        return streamName;
      }

      async function revisionsOf(streamName: string): Promise<number[]> {
        return (await store.readStream(streamName)).map((event) => event.revision);
      }

      it('any: appends to a new stream and to an existing one (it never fails)', async () => {
        const fresh = `${prefix}-fresh`;
        await expect(
          store.appendToStream(fresh, [newEvent('X')], { expectedRevision: 'any' }),
        ).resolves.toMatchObject({ nextExpectedRevision: 0 });
        const existing = await streamWith(2);
        await expect(
          store.appendToStream(existing, [newEvent('X')], { expectedRevision: 'any' }),
        ).resolves.toMatchObject({ nextExpectedRevision: 2 });
        expect(await revisionsOf(existing)).toEqual([0, 1, 2]);
      });

      it('no_stream: appends to a new stream, refuses an existing one with its actual revision', async () => {
        const fresh = `${prefix}-fresh`;
        const result = await store.appendToStream(fresh, [newEvent('X'), newEvent('Y')], {
          expectedRevision: 'no_stream',
        });
        expect(result.nextExpectedRevision).toBe(1);
        expect(isPosition(result.position)).toBe(true);

        await expectWrongExpectedVersion(
          store.appendToStream(fresh, [newEvent('Z')], { expectedRevision: 'no_stream' }),
          fresh,
          'no_stream',
          1,
        );
        expect(await revisionsOf(fresh)).toEqual([0, 1]);
      });

      it('stream_exists: appends to an existing stream, refuses a missing one as no_stream', async () => {
        const existing = await streamWith(1);
        await expect(
          store.appendToStream(existing, [newEvent('X')], { expectedRevision: 'stream_exists' }),
        ).resolves.toMatchObject({ nextExpectedRevision: 1 });

        const missing = `${prefix}-missing`;
        await expectWrongExpectedVersion(
          store.appendToStream(missing, [newEvent('X')], { expectedRevision: 'stream_exists' }),
          missing,
          'stream_exists',
          'no_stream',
        );
        await expect(store.readStream(missing)).rejects.toBeInstanceOf(StreamNotFoundError);
      });

      it('exact: appends at the current revision, refuses a stale or future one with the actual revision', async () => {
        const streamName = await streamWith(3);
        await expect(
          store.appendToStream(streamName, [newEvent('X')], { expectedRevision: 2 }),
        ).resolves.toMatchObject({ nextExpectedRevision: 3 });

        await expectWrongExpectedVersion(
          store.appendToStream(streamName, [newEvent('Stale')], { expectedRevision: 2 }),
          streamName,
          2,
          3,
        );
        await expectWrongExpectedVersion(
          store.appendToStream(streamName, [newEvent('Future')], { expectedRevision: 7 }),
          streamName,
          7,
          3,
        );
        expect(await revisionsOf(streamName)).toEqual([0, 1, 2, 3]);
      });

      it('exact: refuses a missing stream as no_stream, including revision 0', async () => {
        const missing = `${prefix}-missing`;
        await expectWrongExpectedVersion(
          store.appendToStream(missing, [newEvent('X')], { expectedRevision: 0 }),
          missing,
          0,
          'no_stream',
        );
        await expect(store.readStream(missing)).rejects.toBeInstanceOf(StreamNotFoundError);
      });
    });

    describe('idempotent re-append', () => {
      it('returns the first result and appends nothing when the same ids come again at no_stream', async () => {
        const streamName = `${prefix}-idem`;
        const events = [newEvent('A', { a: 1 }), newEvent('B', { b: 2 })];
        const first = await store.appendToStream(streamName, events, { expectedRevision: 'no_stream' });
        const again = await store.appendToStream(streamName, events, { expectedRevision: 'no_stream' });

        expect(again).toEqual(first);
        const read = await store.readStream(streamName);
        expect(ids(read)).toEqual(ids(events));
      });

      it('returns the first result at an exact revision, also after the stream moved on', async () => {
        const streamName = `${prefix}-idem`;
        await store.appendToStream(streamName, [newEvent('A'), newEvent('B')], {
          expectedRevision: 'no_stream',
        });
        const retried = newEvent('C', { c: 3 });
        const first = await store.appendToStream(streamName, [retried], { expectedRevision: 1 });
        expect(first.nextExpectedRevision).toBe(2);
        const again = await store.appendToStream(streamName, [retried], { expectedRevision: 1 });
        expect(again).toEqual(first);

        await store.appendToStream(streamName, [newEvent('D')], { expectedRevision: 2 });
        const late = await store.appendToStream(streamName, [retried], { expectedRevision: 1 });
        expect(late).toEqual(first);

        const read = await store.readStream(streamName);
        expect(read.map((event) => event.type)).toEqual(['A', 'B', 'C', 'D']);
        const inAll = await ownEvents();
        expect(inAll.filter((event) => event.id === retried.id)).toHaveLength(1);
      });

      it('returns the first result at any', async () => {
        const streamName = `${prefix}-idem`;
        const event = newEvent('A');
        const first = await store.appendToStream(streamName, [event], { expectedRevision: 'any' });
        const again = await store.appendToStream(streamName, [event], { expectedRevision: 'any' });
        expect(again).toEqual(first);
        expect(await store.readStream(streamName)).toHaveLength(1);
      });
    });

    describe('hash chain', () => {
      /** Checks every link of a stream as read back: its hash covers the stored event, its prevHash the one before. */
      function expectChained(read: readonly RecordedEvent[]): void {
        let previous = GENESIS_HASH;
        read.forEach((event, index) => {
          expect(event.revision).toBe(index);
          expect(event.metadata['prevHash']).toBe(previous);
          expect(event.metadata['hash']).toBe(computeEventHash(event));
          expect(event.metadata['hash']).toMatch(/^[0-9a-f]{64}$/);
          previous = event.metadata['hash'] as string;
        });
      }

      it('links every appended event to the one before it in its stream, from the genesis value', async () => {
        const streamName = `${prefix}-chain`;
        await store.appendToStream(streamName, [newEvent('A', { a: 1 }), newEvent('B', { b: '二' })], {
          expectedRevision: 'no_stream',
        });
        await store.appendToStream(streamName, [newEvent('C')], { expectedRevision: 1 });
        await store.appendToStream(streamName, [newEvent('D')], { expectedRevision: 'any' });
        await store.appendToStream(streamName, [newEvent('E')], { expectedRevision: 'stream_exists' });
        const read = await store.readStream(streamName);
        expect(read.map((event) => event.type)).toEqual(['A', 'B', 'C', 'D', 'E']);
        expectChained(read);
        // Each stream has its own chain.
        await store.appendToStream(`${prefix}-other`, [newEvent('A', { a: 1 })], { expectedRevision: 'any' });
        const [other] = await store.readStream(`${prefix}-other`);
        expect(other?.metadata['prevHash']).toBe(GENESIS_HASH);
        const [all] = await ownEvents({ maxCount: 1 });
        expect(all?.metadata['hash']).toBe(read[0]?.metadata['hash']);
      });

      it('hashes exactly what is stored: fields holding undefined are left out as JSON leaves them out', async () => {
        const streamName = `${prefix}-undefined`;
        const data = { kept: 1, dropped: undefined } as unknown as EventData;
        await store.appendToStream(streamName, [newEvent('A', data, metadata({ note: undefined }))], {
          expectedRevision: 'no_stream',
        });
        const read = await store.readStream(streamName);
        expect(read[0]?.data).toStrictEqual({ kept: 1 });
        expectChained(read);
      });

      it('keeps one chain when concurrent appends with any race for the same stream', async () => {
        const streamName = `${prefix}-race`;
        await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            store.appendToStream(
              streamName,
              [newEvent('Raced', { i }), newEvent('Raced', { i, second: true })],
              {
                expectedRevision: 'any',
              },
            ),
          ),
        );
        const read = await store.readStream(streamName);
        expect(read).toHaveLength(16);
        expectChained(read);
      });

      it('does not let a retried identical append look different, and leaves the stored links alone', async () => {
        const streamName = `${prefix}-retry`;
        const first = [newEvent('A', { a: 1 }), newEvent('B')];
        const retriedAtExact = newEvent('C', { c: 3 });
        const retriedAtAny = newEvent('D', { d: 4 });
        const result = await store.appendToStream(streamName, first, { expectedRevision: 'no_stream' });
        const exact = await store.appendToStream(streamName, [retriedAtExact], { expectedRevision: 1 });
        const any = await store.appendToStream(streamName, [retriedAtAny], { expectedRevision: 'any' });
        const before = await store.readStream(streamName);

        expect(await store.appendToStream(streamName, first, { expectedRevision: 'no_stream' })).toEqual(
          result,
        );
        expect(await store.appendToStream(streamName, [retriedAtExact], { expectedRevision: 1 })).toEqual(
          exact,
        );
        expect(await store.appendToStream(streamName, [retriedAtAny], { expectedRevision: 'any' })).toEqual(
          any,
        );
        const after = await store.readStream(streamName);
        expect(after).toStrictEqual(before);
        expectChained(after);
      });

      it('refuses metadata that sets hash or prevHash itself, and appends nothing', async () => {
        const streamName = `${prefix}-forged`;
        for (const forged of [{ hash: 'f'.repeat(64) }, { prevHash: GENESIS_HASH }]) {
          const error: unknown = await store
            .appendToStream(streamName, [newEvent('Forged', {}, metadata(forged))], {
              expectedRevision: 'any',
            })
            .then(
              () => new Error('the append succeeded'),
              (reason: unknown) => reason,
            );
          expect(error).toBeInstanceOf(InvalidAppendError);
        }
        await expect(store.readStream(streamName)).rejects.toBeInstanceOf(StreamNotFoundError);
      });
    });

    describe('upcasting on read', () => {
      const v1Data = { scope: { description: 'Compute and storage' } };

      async function appendV1(streamName: string): Promise<ReturnType<typeof newEvent>> {
        const v1 = newEvent(VERSIONED, v1Data);
        await store.appendToStream(streamName, [v1, newEvent('ContractOther', { kept: true })], {
          expectedRevision: 'no_stream',
        });
        return v1;
      }

      it('reads a schema-1 event as schema 2 from readStream and readAll, and as stored when asked', async () => {
        const streamName = `${prefix}-versioned`;
        await appendV1(streamName);
        const [upcast, other] = await store.readStream(streamName);
        expect(upcast?.data).toStrictEqual({ scope: { description: 'Compute and storage', regions: [] } });
        expect(upcast?.metadata.schemaVersion).toBe(2);
        expect(other?.data).toStrictEqual({ kept: true });
        const [fromAll] = await ownEvents();
        expect(fromAll?.data).toStrictEqual(upcast?.data);
        expect(
          (await store.readAll({ filter: { streamNamePrefixes: [prefix] }, direction: 'backwards' }))[1]
            ?.data,
        ).toStrictEqual(upcast?.data);

        const [stored] = await store.readStream(streamName, { asStored: true });
        expect(stored?.data).toStrictEqual(v1Data);
        expect(stored?.metadata.schemaVersion).toBe(1);
        const [storedFromAll] = await ownEvents({ asStored: true });
        expect(storedFromAll?.data).toStrictEqual(v1Data);
      });

      it('keeps the hash over the stored schema-1 event, which verifies; the upcast view does not', async () => {
        const streamName = `${prefix}-versioned`;
        await appendV1(streamName);
        const stored = await store.readStream(streamName, { asStored: true });
        expect(stored[0]?.metadata['hash']).toBe(computeEventHash(stored[0]!));
        await expect(verifyChains(stored)).resolves.toMatchObject({ ok: true, eventsChecked: 2 });
        const upcast = await store.readStream(streamName);
        expect(upcast[0]?.metadata['hash']).toBe(stored[0]?.metadata['hash']);
        const asRead = await verifyChains(upcast);
        expect(asRead.breaks.map(({ kind, revision }) => ({ kind, revision }))).toEqual([
          { kind: 'changed', revision: 0 },
        ]);
      });

      it('delivers schema-1 events upcast to subscribers', async () => {
        const from = (
          await store.appendToStream(`${prefix}-mark`, [newEvent('Mark')], { expectedRevision: 'any' })
        ).position;
        const v1 = await appendV1(`${prefix}-versioned`);
        const reader = new SubscriptionReader(
          store.subscribeToAll({ fromPosition: from }),
          (event) => event.id === v1.id,
        );
        try {
          const [delivered] = await reader.waitForEvents((events) => events.length >= 1);
          expect(delivered?.data).toStrictEqual({
            scope: { description: 'Compute and storage', regions: [] },
          });
          expect(delivered?.metadata.schemaVersion).toBe(2);
        } finally {
          await reader.close();
        }
      });

      it('retries a schema-1 append idempotently: the comparison is with what is stored, not the upcast view', async () => {
        const streamName = `${prefix}-versioned`;
        const v1 = newEvent(VERSIONED, v1Data);
        const first = await store.appendToStream(streamName, [v1], { expectedRevision: 'no_stream' });
        await expect(
          store.appendToStream(streamName, [v1], { expectedRevision: 'no_stream' }),
        ).resolves.toEqual(first);
        await expect(store.appendToStream(streamName, [v1], { expectedRevision: 'any' })).resolves.toEqual(
          first,
        );
      });
    });

    describe('reading a stream', () => {
      let streamName: string;
      beforeEach(async () => {
        streamName = `${prefix}-ten`;
        const events = Array.from({ length: 10 }, (_, i) => newEvent(`E${i}`, { i }));
        await store.appendToStream(streamName, events, { expectedRevision: 'no_stream' });
      });

      async function revisions(options: Parameters<EventStore['readStream']>[1]): Promise<number[]> {
        return (await store.readStream(streamName, options)).map((event) => event.revision);
      }

      it('reads forwards from the start by default, each event with its stream and revision', async () => {
        const read = await store.readStream(streamName);
        expect(read.map((event) => event.revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(read.map((event) => event.data)).toEqual(Array.from({ length: 10 }, (_, i) => ({ i })));
        expect(new Set(read.map((event) => event.streamName))).toEqual(new Set([streamName]));
      });

      it('reads forwards from a revision (inclusive) with a limit', async () => {
        expect(await revisions({ direction: 'forwards', fromRevision: 3, maxCount: 4 })).toEqual([
          3, 4, 5, 6,
        ]);
        expect(await revisions({ direction: 'forwards', fromRevision: 8, maxCount: 5 })).toEqual([8, 9]);
        expect(await revisions({ fromRevision: 'start', maxCount: 2 })).toEqual([0, 1]);
      });

      it('reads backwards from the end or from a revision (inclusive) with a limit', async () => {
        expect(await revisions({ direction: 'backwards', maxCount: 3 })).toEqual([9, 8, 7]);
        expect(await revisions({ direction: 'backwards', fromRevision: 'end', maxCount: 2 })).toEqual([9, 8]);
        expect(await revisions({ direction: 'backwards', fromRevision: 6, maxCount: 3 })).toEqual([6, 5, 4]);
        expect(await revisions({ direction: 'backwards', fromRevision: 1, maxCount: 5 })).toEqual([1, 0]);
        expect(await revisions({ direction: 'backwards' })).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      });

      it('throws StreamNotFoundError for a stream without events, in both directions', async () => {
        const missing = `${prefix}-never-written`;
        const forwards = store.readStream(missing);
        await expect(forwards).rejects.toBeInstanceOf(StreamNotFoundError);
        await expect(forwards).rejects.toMatchObject({ streamName: missing });
        await expect(
          store.readStream(missing, { direction: 'backwards', maxCount: 1 }),
        ).rejects.toBeInstanceOf(StreamNotFoundError);
      });
    });

    describe('$all', () => {
      it('keeps append order across streams, forwards and backwards, from a position with a max count', async () => {
        const order = ['a', 'b', 'a', 'c', 'b', 'a'].map((stream) => `${prefix}-${stream}`);
        const appended = await appendEach(order);

        const forwards = await ownEvents({ fromPosition: appended[0]!.result.position });
        expect(ids(forwards)).toEqual(appended.map(({ event }) => event.id));
        expect(forwards.map((event) => event.streamName)).toEqual(order);
        expect(forwards.map((event) => event.position)).toEqual(
          appended.map(({ result }) => result.position),
        );
        expect(forwards.map((event) => event.revision)).toEqual([0, 0, 1, 0, 1, 2]);

        // fromPosition is inclusive in both directions.
        const fromThird = await ownEvents({ fromPosition: appended[2]!.result.position, maxCount: 2 });
        expect(ids(fromThird)).toEqual([appended[2]!.event.id, appended[3]!.event.id]);

        const backwards = await ownEvents({ direction: 'backwards' });
        expect(ids(backwards)).toEqual(ids(forwards).reverse());

        const backFromFifth = await ownEvents({
          direction: 'backwards',
          fromPosition: appended[4]!.result.position,
          maxCount: 3,
        });
        expect(ids(backFromFifth)).toEqual([4, 3, 2].map((i) => appended[i]!.event.id));
      });

      it('without a filter returns this test’s events in append order among everyone else’s', async () => {
        const appended = await appendEach([`${prefix}-x`, `${prefix}-y`, `${prefix}-x`]);
        const all = await store.readAll({ fromPosition: appended[0]!.result.position, maxCount: 1000 });
        const mine = all.filter((event) => event.streamName.startsWith(prefix));
        expect(ids(mine)).toEqual(appended.map(({ event }) => event.id));
        expect(all[0]?.id).toBe(appended[0]!.event.id);

        const latest = await store.readAll({ direction: 'backwards', maxCount: 1 });
        expect(latest).toHaveLength(1);
        expect(comparePositions(latest[0]!.position, appended[2]!.result.position)).toBeGreaterThanOrEqual(0);
      });

      it('filters by event-type prefix', async () => {
        const wanted = `Wanted${suffix()}.`;
        const streamName = `${prefix}-mixed`;
        const events = [newEvent(`${wanted}One`), newEvent('Unwanted'), newEvent(`${wanted}Two`)];
        const result = await store.appendToStream(streamName, events, { expectedRevision: 'no_stream' });
        expect(result.nextExpectedRevision).toBe(2);

        const read = await store.readAll({
          filter: { eventTypePrefixes: [wanted] },
          direction: 'backwards',
          maxCount: 2,
        });
        expect(ids(read)).toEqual([events[2]!.id, events[0]!.id]);
      });

      it('gives positions that strictly increase across appends and that comparePositions orders', async () => {
        const appended = await appendEach([1, 2, 3, 1, 2, 3, 1].map((n) => `${prefix}-p${n}`));
        const positions = appended.map(({ result }) => result.position);
        for (const position of positions) expect(isPosition(position)).toBe(true);
        for (let i = 1; i < positions.length; i++) {
          expect(comparePositions(positions[i - 1]!, positions[i]!)).toBe(-1);
          expect(comparePositions(positions[i]!, positions[i - 1]!)).toBe(1);
          expect(comparePositions(positions[i]!, positions[i]!)).toBe(0);
        }
        const shuffled = [
          positions[3]!,
          positions[0]!,
          positions[6]!,
          positions[1]!,
          positions[5]!,
          positions[2]!,
          positions[4]!,
        ];
        expect([...shuffled].sort(comparePositions)).toEqual(positions);
      });

      it('reports the position of the last event of a multi-event append, in order', async () => {
        const events = [newEvent('M1'), newEvent('M2'), newEvent('M3')];
        const result = await store.appendToStream(`${prefix}-multi`, events, {
          expectedRevision: 'no_stream',
        });
        const read = await ownEvents();
        expect(ids(read)).toEqual(ids(events));
        // Only non-decreasing within one append: EventStoreDB may give its events one commit position.
        for (let i = 1; i < read.length; i++) {
          expect(comparePositions(read[i - 1]!.position, read[i]!.position)).toBeLessThanOrEqual(0);
        }
        expect(read[2]!.position).toBe(result.position);
      });
    });

    describe('concurrency', () => {
      it('lets exactly one of two appenders at the same expected revision win', async () => {
        for (let round = 0; round < 5; round++) {
          const streamName = `${prefix}-race${round}`;
          await store.appendToStream(streamName, [newEvent('Base')], { expectedRevision: 'no_stream' });
          const left = newEvent('Left');
          const right = newEvent('Right');
          const outcomes = await Promise.allSettled([
            store.appendToStream(streamName, [left], { expectedRevision: 0 }),
            store.appendToStream(streamName, [right], { expectedRevision: 0 }),
          ]);
          const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
          const lost = outcomes.filter(
            (outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected',
          );
          expect(won).toHaveLength(1);
          expect(lost).toHaveLength(1);
          expect(lost[0]!.reason).toBeInstanceOf(WrongExpectedVersionError);
          expect(lost[0]!.reason).toMatchObject({ streamName, expected: 0, actual: 1 });

          const read = await store.readStream(streamName);
          expect(read.map((event) => event.revision)).toEqual([0, 1]);
          const winner = outcomes[0].status === 'fulfilled' ? left : right;
          expect(read[1]!.id).toBe(winner.id);
        }
      });

      it('lets exactly one of two appenders create a stream with no_stream', async () => {
        const streamName = `${prefix}-create`;
        const outcomes = await Promise.allSettled([
          store.appendToStream(streamName, [newEvent('Left')], { expectedRevision: 'no_stream' }),
          store.appendToStream(streamName, [newEvent('Right')], { expectedRevision: 'no_stream' }),
        ]);
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
        const lost = outcomes.find(
          (outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected',
        );
        expect(lost?.reason).toBeInstanceOf(WrongExpectedVersionError);
        expect(lost?.reason).toMatchObject({ actual: 0 });
        expect(await store.readStream(streamName)).toHaveLength(1);
      });
    });

    describe('subscriptions to $all', () => {
      /** A position just before this test's events, so catch-up does not read the whole log of a real server. */
      async function marker(): Promise<Position> {
        const result = await store.appendToStream(`marker${suffix()}-m`, [newEvent('ContractMarker')], {
          expectedRevision: 'no_stream',
        });
        return result.position;
      }

      it('filters by event-type prefix and crosses from catch-up to live', async () => {
        const from = await marker();
        const wanted = `Wanted${suffix()}.`;
        const caughtUp = [newEvent(`${wanted}A`), newEvent(`${wanted}B`), newEvent(`${wanted}C`)];
        await store.appendToStream(`${prefix}-one`, [caughtUp[0]!, newEvent('Other')], {
          expectedRevision: 'any',
        });
        await store.appendToStream(`${prefix}-two`, [newEvent(`Not${wanted}X`), caughtUp[1]!], {
          expectedRevision: 'any',
        });
        await store.appendToStream(`${prefix}-one`, [caughtUp[2]!], { expectedRevision: 'any' });

        const reader = new SubscriptionReader(
          store.subscribeToAll({ fromPosition: from, filter: { eventTypePrefixes: [wanted] } }),
        );
        try {
          await reader.waitForEvents((events) => events.length >= 3);
          expect(ids(reader.received)).toEqual(ids(caughtUp));

          const live = [newEvent(`${wanted}D`), newEvent(`${wanted}E`)];
          await store.appendToStream(`${prefix}-two`, [newEvent('Other'), live[0]!], {
            expectedRevision: 'any',
          });
          await store.appendToStream(`${prefix}-three`, [live[1]!, newEvent('Other')], {
            expectedRevision: 'any',
          });
          await reader.waitForEvents((events) => events.length >= 5);
          expect(ids(reader.received)).toEqual(ids([...caughtUp, ...live]));
          expect(reader.received.every((event) => event.type.startsWith(wanted))).toBe(true);
          expect(withoutChainLink(reader.received[3]!.metadata)).toStrictEqual(live[0]!.metadata);

          const sentinel = newEvent(`${wanted}Sentinel`);
          await store.appendToStream(`${prefix}-one`, [sentinel], { expectedRevision: 'any' });
          await reader.waitForEvents((events) => events.some((event) => event.id === sentinel.id));
          expect(ids(reader.received)).toEqual(ids([...caughtUp, ...live, sentinel]));
          const positions = reader.received.map((event) => event.position);
          for (let i = 1; i < positions.length; i++)
            expect(comparePositions(positions[i - 1]!, positions[i]!)).toBe(-1);
        } finally {
          await reader.close();
        }
      });

      it('filters by stream-name prefix and crosses from catch-up to live', async () => {
        const from = await marker();
        const wanted = `${prefix}-in`;
        await store.appendToStream(`${wanted}1`, [newEvent('A')], { expectedRevision: 'no_stream' });
        await store.appendToStream(`${prefix}-out`, [newEvent('B')], { expectedRevision: 'no_stream' });
        await store.appendToStream(`${wanted}2`, [newEvent('C'), newEvent('D')], {
          expectedRevision: 'no_stream',
        });

        const reader = new SubscriptionReader(
          store.subscribeToAll({ fromPosition: from, filter: { streamNamePrefixes: [wanted] } }),
        );
        try {
          await reader.waitForEvents((events) => events.length >= 3);
          expect(reader.received.map((event) => event.type)).toEqual(['A', 'C', 'D']);

          await store.appendToStream(`${prefix}-out`, [newEvent('E')], { expectedRevision: 0 });
          await store.appendToStream(`${wanted}1`, [newEvent('F')], { expectedRevision: 0 });
          await store.appendToStream(`${wanted}3`, [newEvent('G')], { expectedRevision: 'no_stream' });
          await reader.waitForEvents((events) => events.length >= 5);
          expect(reader.received.map((event) => event.type)).toEqual(['A', 'C', 'D', 'F', 'G']);
          expect(reader.received.map((event) => `${event.streamName}@${event.revision}`)).toEqual([
            `${wanted}1@0`,
            `${wanted}2@0`,
            `${wanted}2@1`,
            `${wanted}1@1`,
            `${wanted}3@0`,
          ]);
        } finally {
          await reader.close();
        }
      });

      it('delivers every event after the start position in $all order without a filter', async () => {
        const from = await marker();
        const appended = await appendEach([`${prefix}-u`, `${prefix}-v`, `${prefix}-u`]);
        const reader = new SubscriptionReader(store.subscribeToAll({ fromPosition: from }), (event) =>
          event.streamName.startsWith(prefix),
        );
        try {
          await reader.waitForEvents((events) => events.length >= 3);
          expect(ids(reader.received)).toEqual(appended.map(({ event }) => event.id));
          const live = await appendEach([`${prefix}-v`]);
          await reader.waitForEvents((events) => events.length >= 4);
          expect(reader.received[3]?.id).toBe(live[0]!.event.id);
        } finally {
          await reader.close();
        }
      });

      it('resumed from a checkpoint, sees each later event exactly once', async () => {
        const from = await marker();
        const streams = `${prefix}-cp`;
        const first = await appendEach([`${streams}a`, `${streams}b`, `${streams}a`]);
        const filter = { streamNamePrefixes: [streams] };

        const before = new SubscriptionReader(store.subscribeToAll({ fromPosition: from, filter }));
        let checkpoint: Position;
        try {
          await before.waitForEvents((events) => events.length >= 2);
          // The consumer handled two events, stores the second one's position and stops.
          checkpoint = before.received[1]!.position;
        } finally {
          await before.close();
        }

        const later = await appendEach([`${streams}b`, `${streams}c`]);
        const after = new SubscriptionReader(store.subscribeToAll({ fromPosition: checkpoint, filter }));
        try {
          const expected = [first[2]!.event.id, ...later.map(({ event }) => event.id)];
          await after.waitForEvents((events) => events.length >= expected.length);
          expect(ids(after.received)).toEqual(expected);

          // A sentinel proves nothing else was on its way: whatever came before it was seen by now.
          const [sentinel] = await appendEach([`${streams}d`]);
          await after.waitForEvents((events) => events.some((event) => event.id === sentinel!.event.id));
          expect(ids(after.received)).toEqual([...expected, sentinel!.event.id]);
        } finally {
          await after.close();
        }
      });

      it('ends the iteration when closed while the consumer waits for live events', async () => {
        const from = await marker();
        const reader = new SubscriptionReader(
          store.subscribeToAll({ fromPosition: from, filter: { streamNamePrefixes: [`${prefix}-live`] } }),
        );
        await appendEach([`${prefix}-live`]);
        await reader.waitForEvents((events) => events.length === 1);
        reader.pull();
        // A round trip to the store lets the subscription reach its live wait before close() arrives.
        await store.readAll({ direction: 'backwards', maxCount: 1 });
        await new Promise<void>((resolve) => setImmediate(resolve));
        await reader.close();
      });
    });
  });
}
