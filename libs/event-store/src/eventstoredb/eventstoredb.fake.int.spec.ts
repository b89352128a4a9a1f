/**
 * The EventStoreDB adapter against the in-process gRPC protocol fake (libs/testing/src/esdb-fake): the shared
 * contract, then what only this adapter does (error mapping, system events, checkpoints, payload verification).
 * The fake is a test tool; eventstoredb.real.int.spec.ts runs the same contract against a real server.
 */
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { EsdbProtocolFake } from '@ismap/testing/esdb-fake';
import type { EsdbProtocolFakeOptions } from '@ismap/testing/esdb-fake';
import { SubscriptionReader, describeEventStoreContract } from '../contract/event-store.contract';
import {
  EventIdConflictError,
  InvalidAppendError,
  StoreUnavailableError,
  StreamDeletedError,
  StreamNotFoundError,
} from '../errors';
import { comparePositions } from '../event-store.port';
import type { EventData, EventMetadata, EventToAppend, Position } from '../event-store.port';
import { EventStoreDbEventStore } from './eventstoredb-event-store';
import type { EventStoreDbEventStoreOptions } from './eventstoredb-event-store';

let contractFake: EsdbProtocolFake | undefined;

describeEventStoreContract('EventStoreDB adapter on the in-process gRPC protocol fake', {
  async create({ upcast }) {
    contractFake = await EsdbProtocolFake.start();
    return EventStoreDbEventStore.fromConnectionString(contractFake.connectionString, { upcast });
  },
  async cleanup() {
    await contractFake?.stop();
  },
});

const metadata: EventMetadata = {
  actor: { sub: 'adapter-spec', roles: ['secretariat'] },
  correlationId: 'correlation',
  causationId: 'causation',
  commandId: 'command',
  occurredOn: '2024-04-01',
  recordedAt: '2024-04-01T00:00:00.000Z',
  schemaVersion: 1,
  rulesetVersion: '2023.1',
};

function event(type: string, data: EventData = {}): EventToAppend {
  return { id: randomUUID(), type, data, metadata };
}

function unique(name: string): string {
  return `${name}${randomUUID().replace(/-/g, '').slice(0, 8)}`;
}

describe('EventStoreDB adapter on the protocol fake', () => {
  let fake: EsdbProtocolFake;
  let store: EventStoreDbEventStore;

  async function open(
    fakeOptions: EsdbProtocolFakeOptions = {},
    storeOptions: EventStoreDbEventStoreOptions = {},
    connectionOptions = '',
  ): Promise<void> {
    fake = await EsdbProtocolFake.start(fakeOptions);
    store = EventStoreDbEventStore.fromConnectionString(
      fake.connectionString + connectionOptions,
      storeOptions,
    );
  }

  afterEach(async () => {
    await store.close();
    await fake.stop();
  });

  describe('protocol use', () => {
    beforeEach(() => open());

    it('appends through plain Append, since the fake leaves ServerFeatures and BatchAppend unimplemented', async () => {
      await store.appendToStream(unique('plain-'), [event('A')], { expectedRevision: 'no_stream' });
      // One Append for the write; the payload check after it is a Read.
      expect(fake.calls.append).toBe(1);
    });

    it('takes the position of an append from the server when payload verification is off', async () => {
      await store.close();
      store = EventStoreDbEventStore.fromConnectionString(fake.connectionString, { verifyAppends: false });
      const streamName = unique('unverified-');
      const result = await store.appendToStream(streamName, [event('A'), event('B')], {
        expectedRevision: 'no_stream',
      });
      const read = await store.readStream(streamName);
      expect(result).toEqual({ nextExpectedRevision: 1, position: read[1]!.position });
      // The head read that gives the chain link, then the test's own read: no read-back of the append.
      expect(fake.calls.read).toBe(2);
    });
  });

  describe('error mapping', () => {
    it('maps a server that went away to StoreUnavailableError and recovers once it is back', async () => {
      await open();
      const streamName = unique('outage-');
      await store.appendToStream(streamName, [event('Before')], { expectedRevision: 'no_stream' });
      await fake.stop();

      await expect(
        store.appendToStream(streamName, [event('During')], { expectedRevision: 0 }),
      ).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.readStream(streamName)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.readAll({ maxCount: 1 })).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);

      await fake.restart();
      await expect(store.ping()).resolves.toBeUndefined();
      await store.appendToStream(streamName, [event('After')], { expectedRevision: 0 });
      expect((await store.readStream(streamName)).map((e) => e.type)).toEqual(['Before', 'After']);
    });

    it.each([
      ['UNAVAILABLE', status.UNAVAILABLE],
      ['DEADLINE_EXCEEDED', status.DEADLINE_EXCEEDED],
      ['ABORTED (server-side write timeout)', status.ABORTED],
    ])('maps %s on append and read to StoreUnavailableError', async (_name, code) => {
      await open();
      const streamName = unique('status-');
      await store.appendToStream(streamName, [event('A')], { expectedRevision: 'no_stream' });

      fake.failNext('append', { code });
      await expect(
        store.appendToStream(streamName, [event('B')], { expectedRevision: 0 }),
      ).rejects.toBeInstanceOf(StoreUnavailableError);
      fake.failNext('read', { code });
      await expect(store.readStream(streamName)).rejects.toBeInstanceOf(StoreUnavailableError);

      expect((await store.readStream(streamName)).map((e) => e.type)).toEqual(['A']);
    });

    it('fails an unanswered append at the client deadline as StoreUnavailableError', async () => {
      await open({}, {}, '&defaultDeadline=300');
      fake.stallNext('append');
      await expect(
        store.appendToStream(unique('stalled-'), [event('A')], { expectedRevision: 'any' }),
      ).rejects.toBeInstanceOf(StoreUnavailableError);
    });

    it('fails a read that receives nothing, and a ping that gets no answer, as StoreUnavailableError', async () => {
      await open({}, { readIdleTimeoutMs: 200, pingTimeoutMs: 200 });
      fake.stallNext('read');
      await expect(store.readAll({ maxCount: 5 })).rejects.toBeInstanceOf(StoreUnavailableError);
      fake.stallNext('read');
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('maps a tombstoned stream to StreamDeletedError on read and append', async () => {
      await open();
      const streamName = unique('deleted-');
      await store.appendToStream(streamName, [event('A')], { expectedRevision: 'no_stream' });
      fake.tombstone(streamName);

      const read = store.readStream(streamName);
      await expect(read).rejects.toBeInstanceOf(StreamDeletedError);
      await expect(read).rejects.toMatchObject({ streamName });
      await expect(
        store.appendToStream(streamName, [event('B')], { expectedRevision: 'any' }),
      ).rejects.toBeInstanceOf(StreamDeletedError);
    });

    it('maps the server refusing an append above its maximum size to InvalidAppendError', async () => {
      await open({ maxAppendSize: 2_000 });
      const streamName = unique('large-');
      await expect(
        store.appendToStream(streamName, [event('Big', { blob: 'x'.repeat(3_000) })], {
          expectedRevision: 'any',
        }),
      ).rejects.toBeInstanceOf(InvalidAppendError);
      await expect(store.readStream(streamName)).rejects.toBeInstanceOf(StreamNotFoundError);
    });

    it('refuses invalid input without calling the server', async () => {
      await open();
      const bad: [string, EventToAppend[], unknown][] = [
        ['$system', [event('A')], 'any'],
        ['ok', [{ ...event('A'), id: 'not-a-uuid' }], 'any'],
        ['ok', [event('$Reserved')], 'any'],
        ['ok', [event('A', { when: new Date() as unknown as string })], 'any'],
        ['ok', [], 'any'],
        ['ok', [event('A')], -1],
      ];
      for (const [streamName, events, expectedRevision] of bad) {
        await expect(
          store.appendToStream(streamName, events, { expectedRevision: expectedRevision as 'any' }),
        ).rejects.toBeInstanceOf(InvalidAppendError);
      }
      expect(fake.calls.append).toBe(0);
    });
  });

  describe('event id conflicts', () => {
    beforeEach(() => open());

    it('turns a re-append of known ids with another payload into EventIdConflictError, appending nothing', async () => {
      const streamName = unique('conflict-');
      const original = event('Registered', { name: '株式会社A' });
      await store.appendToStream(streamName, [original], { expectedRevision: 'no_stream' });

      const changedData = { ...original, data: { name: '株式会社B' } };
      const changedType = { ...original, type: 'Renamed' };
      const changedMetadata = { ...original, metadata: { ...metadata, commandId: 'another' } };
      for (const [changed, expectedRevision] of [
        [changedData, 'no_stream'],
        [changedType, 'any'],
        [changedMetadata, 'stream_exists'],
      ] as const) {
        const append = store.appendToStream(streamName, [changed], { expectedRevision });
        await expect(append).rejects.toBeInstanceOf(EventIdConflictError);
        await expect(append).rejects.toMatchObject({ eventId: original.id });
      }
      expect(await store.readStream(streamName)).toEqual([
        expect.objectContaining({ id: original.id, data: original.data, type: original.type }),
      ]);
    });

    it('accepts a re-append whose payload differs only in key order', async () => {
      const streamName = unique('order-');
      const original = event('A', { first: 1, second: { x: 1, y: 2 } });
      const first = await store.appendToStream(streamName, [original], { expectedRevision: 'no_stream' });
      const reordered = { ...original, data: { second: { y: 2, x: 1 }, first: 1 } };
      await expect(
        store.appendToStream(streamName, [reordered], { expectedRevision: 'no_stream' }),
      ).resolves.toEqual(first);
    });
  });

  describe('$all reads', () => {
    beforeEach(() => open());

    it('leaves system events out and counts maxCount in events that match the filter', async () => {
      const wanted = unique('wanted');
      const deleted = unique('gone-');
      await store.appendToStream(deleted, [event('A')], { expectedRevision: 'no_stream' });
      fake.tombstone(deleted);
      for (let i = 0; i < 5; i++) {
        await store.appendToStream(`${wanted}-${i}`, [event('W', { i })], { expectedRevision: 'no_stream' });
        await store.appendToStream(unique('other-'), [event('O'), event('O')], {
          expectedRevision: 'no_stream',
        });
      }

      const everything = await store.readAll();
      expect(everything.filter((e) => e.type.startsWith('$') || e.streamName.startsWith('$'))).toEqual([]);
      expect(everything).toHaveLength(1 + 5 * 3);

      const twoWanted = await store.readAll({ filter: { streamNamePrefixes: [wanted] }, maxCount: 2 });
      expect(twoWanted.map((e) => e.data)).toEqual([{ i: 0 }, { i: 1 }]);
      const lastWanted = await store.readAll({
        direction: 'backwards',
        filter: { streamNamePrefixes: [wanted], eventTypePrefixes: ['W'] },
        maxCount: 2,
      });
      expect(lastWanted.map((e) => e.data)).toEqual([{ i: 4 }, { i: 3 }]);
      const none = await store.readAll({
        filter: { streamNamePrefixes: [wanted], eventTypePrefixes: ['O'] },
      });
      expect(none).toEqual([]);
    });
  });

  describe('subscriptions', () => {
    beforeEach(() => open());

    async function marker(): Promise<Position> {
      return (
        await store.appendToStream(unique('marker-'), [event('Marker')], { expectedRevision: 'no_stream' })
      ).position;
    }

    it('leaves system events out when no filter is given', async () => {
      const reader = new SubscriptionReader(store.subscribeToAll());
      try {
        const deleted = unique('gone-');
        await store.appendToStream(deleted, [event('A')], { expectedRevision: 'no_stream' });
        fake.tombstone(deleted);
        await store.appendToStream(deleted.replace('gone', 'kept'), [event('B')], {
          expectedRevision: 'no_stream',
        });
        await reader.waitForEvents((events) => events.length >= 2);
        // The fake's log starts with system events and the tombstone wrote two more.
        expect(reader.received.map((e) => e.type)).toEqual(['A', 'B']);
      } finally {
        await reader.close();
      }
    });

    it('applies an event-type and a stream-name filter together', async () => {
      const from = await marker();
      const streams = unique('both-');
      const reader = new SubscriptionReader(
        store.subscribeToAll({
          fromPosition: from,
          filter: { eventTypePrefixes: ['Keep'], streamNamePrefixes: [streams] },
        }),
      );
      try {
        await store.appendToStream(`${streams}1`, [event('Keep1'), event('Drop')], {
          expectedRevision: 'any',
        });
        await store.appendToStream(unique('elsewhere-'), [event('Keep2')], { expectedRevision: 'any' });
        await store.appendToStream(`${streams}2`, [event('Keep3')], { expectedRevision: 'any' });
        await reader.waitForEvents((events) => events.length >= 2);
        expect(reader.received.map((e) => e.type)).toEqual(['Keep1', 'Keep3']);
      } finally {
        await reader.close();
      }
    });

    it('reports server checkpoints past unwanted events only after the consumer took the events before them', async () => {
      const from = await marker();
      const wanted = unique('cp-');
      const journal: string[] = [];
      const checkpoints: Position[] = [];
      const reader = new SubscriptionReader(
        store.subscribeToAll({
          fromPosition: from,
          filter: { streamNamePrefixes: [wanted] },
          onCheckpoint: (position) => {
            journal.push('checkpoint');
            checkpoints.push(position);
          },
        }),
        (e) => {
          journal.push(e.type);
          return true;
        },
      );
      try {
        const first = await store.appendToStream(wanted, [event('First')], { expectedRevision: 'no_stream' });
        // The server checkpoints every 32 events it looked at: these 40 carry it past the first checkpoint.
        const unwanted = Array.from({ length: 40 }, () => event('Unwanted'));
        const noise = await store.appendToStream(unique('noise-'), unwanted, {
          expectedRevision: 'no_stream',
        });
        await reader.waitForEvents((events) => events.length >= 1);
        expect(journal).toEqual(['First']);

        const second = await store.appendToStream(wanted, [event('Second')], { expectedRevision: 0 });
        await reader.waitForEvents((events) => events.length >= 2);
        expect(journal).toEqual(['First', 'checkpoint', 'Second']);
        const [checkpoint] = checkpoints;
        expect(comparePositions(checkpoint!, first.position)).toBe(1);
        expect(comparePositions(checkpoint!, noise.position)).toBe(-1);

        // Resuming from the checkpoint sees exactly what came after it.
        const resumed = new SubscriptionReader(
          store.subscribeToAll({ fromPosition: checkpoint!, filter: { streamNamePrefixes: [wanted] } }),
        );
        try {
          await resumed.waitForEvents((events) => events.length >= 1);
          expect(resumed.received.map((e) => e.position)).toEqual([second.position]);
        } finally {
          await resumed.close();
        }
      } finally {
        await reader.close();
      }
    });

    it('surfaces a server that went away from the iterator as StoreUnavailableError', async () => {
      const from = await marker();
      const subscription = store.subscribeToAll({ fromPosition: from });
      const iterator = subscription[Symbol.asyncIterator]();
      await store.appendToStream(unique('live-'), [event('A')], { expectedRevision: 'no_stream' });
      await expect(iterator.next()).resolves.toMatchObject({ done: false, value: { type: 'A' } });

      const next = iterator.next();
      await fake.stop();
      await expect(next).rejects.toBeInstanceOf(StoreUnavailableError);
      await subscription.close();
    });
  });
});
