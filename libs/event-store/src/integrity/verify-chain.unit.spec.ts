import { chainLinks, prepareForChain } from './chain-links';
import { computeEventHash } from './event-hash';
import { ChainVerifier, verifyChains } from './verify-chain';
import type { ChainedEvent } from './verify-chain';

/** Two streams of `length` events each, chained as the adapters chain them, interleaved in log order. */
function log(length = 6): ChainedEvent[] {
  const streams = ['provider-1', 'service-2'].map((streamName) => {
    const contents = Array.from({ length }, (_, revision) => ({
      type: revision === 0 ? 'Opened' : 'Changed',
      data: { streamName, revision, note: '記録' },
      metadata: { actor: { sub: 'u', roles: ['secretariat'] }, schemaVersion: 1 },
    }));
    const links = chainLinks(streamName, 0, '0'.repeat(64), contents.map(prepareForChain));
    return contents.map((content, revision) => ({
      ...content,
      id: `${streamName}#${revision}`,
      streamName,
      revision,
      metadata: { ...content.metadata, ...links[revision] },
    }));
  });
  const events: ChainedEvent[] = [];
  for (let revision = 0; revision < length; revision++) {
    for (const stream of streams) events.push({ ...stream[revision]!, position: String(events.length + 1) });
  }
  return events;
}

function indexOf(events: readonly ChainedEvent[], streamName: string, revision: number): number {
  return events.findIndex((event) => event.streamName === streamName && event.revision === revision);
}

function replace(
  events: ChainedEvent[],
  streamName: string,
  revision: number,
  change: (e: ChainedEvent) => ChainedEvent,
) {
  const index = indexOf(events, streamName, revision);
  events[index] = change(events[index]!);
}

async function breaksOf(events: readonly ChainedEvent[], options = {}) {
  const result = await verifyChains(events, options);
  return result.breaks.map(({ kind, streamName, revision }) => ({ kind, streamName, revision }));
}

describe('verifyChains', () => {
  it('passes an intact log and counts what it checked', async () => {
    const result = await verifyChains(log());
    expect(result).toEqual({ ok: true, eventsChecked: 12, streamsChecked: 2, breakCount: 0, breaks: [] });
  });

  it('accepts an async iterable, so a log can be streamed page by page', async () => {
    async function* pages() {
      for (const event of log()) yield await Promise.resolve(event);
    }
    await expect(verifyChains(pages())).resolves.toMatchObject({ ok: true, eventsChecked: 12 });
  });

  describe('changed', () => {
    it('names an event whose data was edited', async () => {
      const events = log();
      replace(events, 'service-2', 3, (e) => ({ ...e, data: { ...(e.data as object), note: '記絵' } }));
      const result = await verifyChains(events);
      expect(result.ok).toBe(false);
      expect(result.breaks).toEqual([
        {
          kind: 'changed',
          streamName: 'service-2',
          revision: 3,
          position: events[indexOf(events, 'service-2', 3)]!.position,
          eventId: 'service-2#3',
          detail: 'its content does not match its hash',
        },
      ]);
    });

    it('names the edited event, not its successor, when its hash was recomputed to match', async () => {
      const events = log();
      replace(events, 'provider-1', 2, (e) => {
        const edited = { ...e, type: 'Forged' };
        return { ...edited, metadata: { ...edited.metadata, hash: computeEventHash(edited) } };
      });
      expect(await breaksOf(events)).toEqual([{ kind: 'changed', streamName: 'provider-1', revision: 2 }]);
    });

    it('catches a rewritten last event only against an expected head hash', async () => {
      const events = log();
      const original = events[indexOf(events, 'provider-1', 5)]!;
      replace(events, 'provider-1', 5, (e) => {
        const edited = { ...e, data: { forged: true } };
        return { ...edited, metadata: { ...edited.metadata, hash: computeEventHash(edited) } };
      });
      expect(await breaksOf(events)).toEqual([]);
      const expectedHeads = [
        { streamName: 'provider-1', revision: 5, hash: original.metadata['hash'] as string },
      ];
      expect(await breaksOf(events, { expectedHeads })).toEqual([
        { kind: 'changed', streamName: 'provider-1', revision: 5 },
      ]);
    });

    it('reports an event that cannot be read at its stream and revision', () => {
      const events: Parameters<ChainVerifier['addUnreadable']>[0][] = [];
      const verifier = new ChainVerifier();
      for (const event of log()) {
        if (event.streamName === 'service-2' && event.revision === 1) {
          verifier.addUnreadable({ streamName: event.streamName, revision: 1, position: event.position! });
          events.push(event);
        } else verifier.add(event);
      }
      expect(verifier.finish().breaks).toEqual([
        {
          kind: 'changed',
          streamName: 'service-2',
          revision: 1,
          position: events[0]!.position,
          detail: 'the event cannot be read',
        },
      ]);
    });

    it('treats content that canonical JSON cannot hold as changed, not as a crash', async () => {
      const events = log();
      replace(events, 'provider-1', 1, (e) => ({ ...e, data: { value: Number.NaN } }));
      expect(await breaksOf(events)).toEqual([{ kind: 'changed', streamName: 'provider-1', revision: 1 }]);
    });
  });

  describe('missing', () => {
    it('names the first missing revision, and the range when several are gone', async () => {
      const events = log();
      events.splice(indexOf(events, 'provider-1', 2), 1);
      events.splice(indexOf(events, 'service-2', 1), 1);
      events.splice(indexOf(events, 'service-2', 2), 1);
      const result = await verifyChains(events);
      // A gap is settled when its window fills or the log ends; streams are then settled in order of appearance.
      expect(
        result.breaks.map(({ kind, streamName, revision, detail }) => ({
          kind,
          streamName,
          revision,
          detail,
        })),
      ).toEqual([
        { kind: 'missing', streamName: 'provider-1', revision: 2, detail: 'revision 2 is missing' },
        { kind: 'missing', streamName: 'service-2', revision: 1, detail: 'revisions 1 to 2 are missing' },
      ]);
    });

    it('reports a gap once its window of held-back events is full, and the late event as reordered', async () => {
      const events = log(8).filter((event) => event.streamName === 'provider-1');
      const [late] = events.splice(1, 1);
      events.push(late!);
      expect(await breaksOf(events, { reorderWindow: 3 })).toEqual([
        { kind: 'missing', streamName: 'provider-1', revision: 1 },
        { kind: 'reordered', streamName: 'provider-1', revision: 1 },
      ]);
    });
  });

  describe('reordered', () => {
    it('names an event that comes after later revisions of its stream in log order, once', async () => {
      const events = log();
      const [moved] = events.splice(indexOf(events, 'provider-1', 1), 1);
      events.splice(indexOf(events, 'provider-1', 4), 0, moved!);
      expect(await breaksOf(events)).toEqual([{ kind: 'reordered', streamName: 'provider-1', revision: 1 }]);
    });

    it('names two revisions that hold each other’s events', async () => {
      const events = log();
      const a = indexOf(events, 'service-2', 2);
      const b = indexOf(events, 'service-2', 3);
      const [first, second] = [events[a]!, events[b]!];
      events[a] = { ...second, revision: 2, position: first.position };
      events[b] = { ...first, revision: 3, position: second.position };
      const result = await verifyChains(events);
      expect(result.breaks).toHaveLength(1);
      expect(result.breaks[0]).toMatchObject({
        kind: 'reordered',
        streamName: 'service-2',
        revision: 2,
        detail: "revisions 2 and 3 hold each other's events",
      });
    });

    it('names a revision that appears twice', async () => {
      const events = log();
      events.push({ ...events[indexOf(events, 'provider-1', 3)]!, position: '99' });
      expect(await breaksOf(events)).toEqual([{ kind: 'reordered', streamName: 'provider-1', revision: 3 }]);
    });
  });

  describe('truncated', () => {
    it('is invisible without an expected head, and named at the first absent revision with one', async () => {
      const events = log().filter((event) => !(event.streamName === 'service-2' && event.revision >= 4));
      expect(await breaksOf(events)).toEqual([]);
      const result = await verifyChains(events, {
        expectedHeads: [
          { streamName: 'service-2', revision: 5 },
          { streamName: 'provider-1', revision: 5 },
        ],
      });
      expect(result.breaks).toEqual([
        {
          kind: 'truncated',
          streamName: 'service-2',
          revision: 4,
          detail: 'the stream ends at revision 3; it was expected to reach revision 5',
        },
      ]);
    });

    it('names a stream that is gone entirely, and accepts streams that grew past their expected head', async () => {
      const events = log().filter((event) => event.streamName === 'provider-1');
      const expectedHeads = [
        { streamName: 'service-2', revision: 0 },
        { streamName: 'provider-1', revision: 2 },
      ];
      expect(await breaksOf(events, { expectedHeads })).toEqual([
        { kind: 'truncated', streamName: 'service-2', revision: 0 },
      ]);
    });
  });

  describe('unchained', () => {
    it('names an event without a hash, and checks what follows it against the genesis value', async () => {
      const events = log(2).filter((event) => event.streamName === 'provider-1');
      const { hash: _hash, ...metadata } = events[1]!.metadata;
      events[1] = { ...events[1]!, metadata };
      const next = { type: 'Changed', data: {}, metadata: { schemaVersion: 1 } };
      const [link] = chainLinks('provider-1', 2, '0'.repeat(64), [prepareForChain(next)]);
      events.push({
        ...next,
        streamName: 'provider-1',
        revision: 2,
        metadata: { ...next.metadata, ...link },
      });
      expect(await breaksOf(events)).toEqual([{ kind: 'unchained', streamName: 'provider-1', revision: 1 }]);
    });
  });

  it('lists at most maxBreaks breaks and counts all of them', async () => {
    const events = log().map((event) => ({ ...event, data: {} }));
    const result = await verifyChains(events, { maxBreaks: 3 });
    expect(result.breakCount).toBe(12);
    expect(result.breaks).toHaveLength(3);
    expect(result.ok).toBe(false);
  });
});
