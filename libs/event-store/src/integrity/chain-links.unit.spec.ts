import { InvalidAppendError } from '../errors';
import {
  assertNoChainLink,
  canonicalStoredJson,
  chainLinks,
  metadataWithLinkJson,
  metadataWithoutLinkJson,
  prepareForChain,
  withoutChainLink,
} from './chain-links';
import { canonicalJson } from './canonical-json';
import { GENESIS_HASH, computeEventHash } from './event-hash';

/** Awkward but valid events: names sorting around `prevHash`, non-ASCII, numbers, undefined members, nesting. */
const events = [
  { type: 'A', data: {}, metadata: {} },
  { type: 'B', data: { n: 1 }, metadata: { schemaVersion: 1 } },
  {
    type: '種別',
    data: {
      '\ufb33': 5,
      '\ud83d\ude00': 4,
      '\u20ac': 1,
      '1': 3,
      '\r': 2,
      list: [1e21, 1e-7, -0, 0.1, null, true],
    },
    metadata: {
      prev: 1,
      prevHasg: 2,
      prevHashes: 3,
      PrevHash: 4,
      q: { z: [{ b: 1, a: 2 }] },
      dropped: undefined,
    },
  },
  {
    type: 'C',
    data: { nested: { deeper: { text: '政府\n"\u0001', gone: undefined } }, empty: [] },
    metadata: { actor: { sub: 'u', roles: ['r'] }, zzz: 'last' },
  },
];

/** The stored form: what JSON.stringify's text reads back as. */
const stored = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('chain links', () => {
  it('canonicalise the stored form exactly as the reference canonicaliser does', () => {
    for (const event of events) {
      expect(canonicalStoredJson(event.data)).toBe(canonicalJson(stored(event.data)));
      expect(canonicalStoredJson(event.metadata)).toBe(canonicalJson(stored(event.metadata)));
    }
  });

  it('give each event computeEventHash of the event as stored, linked to the one before', () => {
    const prepared = events.map(prepareForChain);
    const links = chainLinks('stream-ストリーム', 7, GENESIS_HASH, prepared);
    let previous = GENESIS_HASH;
    events.forEach((event, index) => {
      const metadataJson = metadataWithLinkJson(prepared[index]!, links[index]!);
      // The stored texts are canonical JSON themselves.
      expect(metadataJson).toBe(canonicalJson(JSON.parse(metadataJson)));
      expect(metadataWithoutLinkJson(prepared[index]!)).toBe(canonicalJson(stored(event.metadata)));
      expect(prepared[index]!.dataCanonical).toBe(canonicalJson(stored(event.data)));
      const asStored = {
        streamName: 'stream-ストリーム',
        revision: 7 + index,
        type: event.type,
        data: stored(event.data),
        metadata: JSON.parse(metadataJson) as Record<string, unknown>,
      };
      expect(asStored.metadata['prevHash']).toBe(previous);
      expect(links[index]!.hash).toBe(computeEventHash(asStored));
      expect(withoutChainLink(asStored.metadata)).toStrictEqual(stored(event.metadata));
      previous = links[index]!.hash;
    });
  });

  it('refuse metadata that carries a link of its own', () => {
    expect(() => assertNoChainLink({ hash: 'x' }, 'events[0]')).toThrow(InvalidAppendError);
    expect(() => assertNoChainLink({ prevHash: 'x' }, 'events[0]')).toThrow(InvalidAppendError);
    expect(() => assertNoChainLink({ hashes: 'x' }, 'events[0]')).not.toThrow();
  });
});
