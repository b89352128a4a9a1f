/**
 * The protocol fake as @eventstore/db-client sees it, without the adapter in between: these tests pin the
 * server behaviour the fake claims to mirror, so that an adapter test passing on the fake means something.
 */
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import {
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  START,
  eventTypeFilter,
  jsonEvent,
} from '@eventstore/db-client';
import type { AllStreamResolvedEvent, Position, ResolvedEvent } from '@eventstore/db-client';
import { EsdbProtocolFake } from './esdb-protocol-fake';

async function collect<E>(read: AsyncIterable<E>): Promise<E[]> {
  const events: E[] = [];
  for await (const event of read) events.push(event);
  return events;
}

function anEvent(type = 'Happened', data: Record<string, unknown> = {}) {
  return jsonEvent({ id: randomUUID(), type, data, metadata: { by: 'spec' } });
}

describe('EventStoreDB protocol fake (test tool) through @eventstore/db-client', () => {
  let fake: EsdbProtocolFake;
  let client: EventStoreDBClient;

  beforeEach(async () => {
    fake = await EsdbProtocolFake.start();
    client = EventStoreDBClient.connectionString(fake.connectionString);
  });

  afterEach(async () => {
    await client.dispose();
    await fake.stop();
  });

  it('protocol fake: serves Append, to which the client falls back while ServerFeatures is unimplemented', async () => {
    const result = await client.appendToStream('order-1', [anEvent(), anEvent()], {
      expectedRevision: 'no_stream',
    });
    expect(result).toMatchObject({ success: true, nextExpectedRevision: 1n });
    expect(fake.calls).toEqual({ append: 1, read: 0 });
  });

  it('protocol fake: answers a wrong expected version with an AppendResp message, not a gRPC error', async () => {
    const lenient = EventStoreDBClient.connectionString(
      `${fake.connectionString}&throwOnAppendFailure=false`,
    );
    try {
      await lenient.appendToStream('order-1', [anEvent()], { expectedRevision: 'no_stream' });
      const refused = await lenient.appendToStream('order-1', [anEvent()], { expectedRevision: 5n });
      expect(refused).toEqual({ success: false, nextExpectedRevision: 0n, position: undefined });
    } finally {
      await lenient.dispose();
    }
  });

  it('protocol fake: re-append of the same ids at the same expected revision returns the original result', async () => {
    const events = [anEvent('A'), anEvent('B')];
    const first = await client.appendToStream('order-1', events, { expectedRevision: 'no_stream' });
    await client.appendToStream('order-1', [anEvent('C')], { expectedRevision: 1n });
    const again = await client.appendToStream('order-1', events, { expectedRevision: 'no_stream' });
    expect(again).toEqual(first);
    const partial = client.appendToStream('order-1', [events[0]!, anEvent('D')], {
      expectedRevision: 'no_stream',
    });
    // The server calls a partial match corrupted idempotency and refuses it.
    await expect(partial).rejects.toMatchObject({
      type: ErrorType.WRONG_EXPECTED_VERSION,
      actualVersion: 2n,
    });
    const read = await collect<ResolvedEvent>(client.readStream('order-1'));
    expect(read.map(({ event }) => event?.type)).toEqual(['A', 'B', 'C']);
  });

  it('protocol fake: records events with string ids, .NET-tick creation times and commit == prepare positions', async () => {
    const sent = anEvent('Registered', { name: '株式会社' });
    const before = Date.now();
    await client.appendToStream('provider-1', [sent], { expectedRevision: 'any' });
    await client.appendToStream('provider-2', [anEvent()], { expectedRevision: 'any' });
    const [read] = await collect<ResolvedEvent>(client.readStream('provider-1'));
    expect(read?.event).toMatchObject({
      id: sent.id,
      type: 'Registered',
      data: { name: '株式会社' },
      metadata: { by: 'spec' },
      isJson: true,
      revision: 0n,
    });
    expect(read!.event!.created.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(read!.event!.created.getTime()).toBeLessThanOrEqual(Date.now());

    const all = await collect<AllStreamResolvedEvent>(client.readAll());
    const positions = all.map(({ event }) => event!.position);
    for (const position of positions) expect(position.prepare).toBe(position.commit);
    for (let i = 1; i < positions.length; i++)
      expect(positions[i]!.commit > positions[i - 1]!.commit).toBe(true);
    // A fresh server's log is not empty: system events come first.
    expect(all[0]!.event!.streamId.startsWith('$')).toBe(true);
  });

  it('protocol fake: reads $all forwards inclusively and backwards exclusively from a position', async () => {
    for (const type of ['A', 'B', 'C']) await client.appendToStream(`s-${type}`, [anEvent(type)]);
    const all = await collect<AllStreamResolvedEvent>(client.readAll());
    const b = all.find(({ event }) => event?.type === 'B')!.event!.position;
    const forwards = await collect<AllStreamResolvedEvent>(client.readAll({ fromPosition: b, maxCount: 2 }));
    expect(forwards.map(({ event }) => event?.type)).toEqual(['B', 'C']);
    const backwards = await collect<AllStreamResolvedEvent>(
      client.readAll({ fromPosition: b, direction: BACKWARDS, maxCount: 1 }),
    );
    expect(backwards.map(({ event }) => event?.type)).toEqual(['A']);
    const fromEnd = await collect<AllStreamResolvedEvent>(client.readAll({ fromPosition: END, maxCount: 1 }));
    expect(fromEnd).toEqual([]);
  });

  it('protocol fake: reports a missing stream as a ReadResp.stream_not_found message', async () => {
    await expect(collect(client.readStream('nowhere'))).rejects.toMatchObject({
      type: ErrorType.STREAM_NOT_FOUND,
      streamName: 'nowhere',
    });
  });

  it('protocol fake: confirms a filtered subscription and checkpoints every multiplier × window events', async () => {
    const checkpoints: Position[] = [];
    const subscription = client.subscribeToAll({
      fromPosition: START,
      filter: eventTypeFilter({
        prefixes: ['Wanted'],
        maxSearchWindow: 4,
        checkpointInterval: 2,
        checkpointReached: (_subscription, position) => {
          checkpoints.push(position);
        },
      }),
    });
    const confirmed = new Promise<void>((resolve) => subscription.once('confirmation', resolve));
    const caughtUp = new Promise<void>((resolve) => subscription.once('caughtUp', resolve));
    const received: string[] = [];
    const gotWanted = new Promise<void>((resolve) =>
      subscription.on('data', ({ event }: AllStreamResolvedEvent) => {
        received.push(event!.type);
        if (received.length === 2) resolve();
      }),
    );
    try {
      await confirmed;
      await caughtUp;
      // Two seeded system events and 15 appended ones: checkpoints after the 8th and the 16th (4 × 2 each).
      const noise = Array.from({ length: 13 }, () => anEvent('Noise'));
      await client.appendToStream('noise-1', noise);
      await client.appendToStream('wanted-1', [anEvent('WantedOne')]);
      await client.appendToStream('wanted-1', [anEvent('WantedTwo')]);
      await gotWanted;
      expect(received).toEqual(['WantedOne', 'WantedTwo']);
      expect(checkpoints).toHaveLength(2);
      const all = await collect<AllStreamResolvedEvent>(client.readAll());
      expect(checkpoints.map((position) => position.commit)).toEqual([
        all[7]!.event!.position.commit,
        all[15]!.event!.position.commit,
      ]);
    } finally {
      await subscription.unsubscribe();
    }
  });

  it('protocol fake: subscribes from a position exclusively and goes live', async () => {
    await client.appendToStream('s-1', [anEvent('A')]);
    const [a] = await collect<AllStreamResolvedEvent>(
      client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }),
    );
    const subscription = client.subscribeToAll({ fromPosition: a!.event!.position });
    const received: string[] = [];
    const gotTwo = new Promise<void>((resolve) =>
      subscription.on('data', ({ event }: AllStreamResolvedEvent) => {
        received.push(event!.type);
        if (received.length === 2) resolve();
      }),
    );
    try {
      await client.appendToStream('s-1', [anEvent('B')]);
      await client.appendToStream('s-2', [anEvent('C')]);
      await gotTwo;
      expect(received).toEqual(['B', 'C']);
    } finally {
      await subscription.unsubscribe();
    }
  });

  it('protocol fake: injects failures and outages, and keeps its log across a restart', async () => {
    await client.appendToStream('s-1', [anEvent('A')]);
    fake.failNext('append', { code: status.UNAVAILABLE });
    await expect(client.appendToStream('s-1', [anEvent('B')])).rejects.toMatchObject({
      type: ErrorType.UNAVAILABLE,
    });
    fake.failNext('read', { code: status.DEADLINE_EXCEEDED });
    await expect(collect(client.readStream('s-1'))).rejects.toMatchObject({
      type: ErrorType.DEADLINE_EXCEEDED,
    });

    await fake.stop();
    // Raw or wrapped by the client, depending on whether its server-features probe or the append met the outage.
    await expect(client.appendToStream('s-1', [anEvent('C')])).rejects.toMatchObject({
      code: status.UNAVAILABLE,
    });
    await fake.restart();
    const read = await collect<ResolvedEvent>(client.readStream('s-1'));
    expect(read.map(({ event }) => event?.type)).toEqual(['A']);
  });
});
