import { InvalidAppendError } from '../errors';
import type { EventToAppend } from '../event-store.port';
import { canonicalJson } from '../integrity/canonical-json';
import { quoteJson, storedMetadataJson, linkHash, prepareForChain } from '../integrity/chain-links';
import { GENESIS_HASH, computeEventHash } from '../integrity/event-hash';
import { prepareEvents } from './validation';

const ID = '7a0c1a52-7c2f-4d39-9d51-1b0e6f2f8a11';
const MAX = 1_048_576;

const event = (data: unknown, metadata: unknown = {}, type = 'T'): EventToAppend =>
  ({ id: ID, type, data, metadata }) as EventToAppend;

/** The stored form: what JSON.stringify's text reads back as. */
const stored = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function nested(depth: number, leaf: unknown): Record<string, unknown> {
  let value: unknown = leaf;
  for (let level = 0; level < depth; level++) value = { [`level${level}`]: value, z: [level] };
  return value as Record<string, unknown>;
}

const nullPrototype = Object.assign(Object.create(null) as Record<string, unknown>, { b: 2, a: 1 });
// eslint-disable-next-line no-sparse-arrays
const sparse = [1, , 3];

/** Valid but awkward: names around `hash`/`prevHash`, integer-like names, escapes, surrogates, deep nesting. */
const valid: [string, EventToAppend][] = [
  ['empty objects', event({}, {})],
  [
    'names and values that need escaping',
    event(
      {
        'quote"name': 'tab\there',
        '\u0001': 'ctl\u001f',
        back: 'a\\b',
        emoji: '\ud83d\ude00',
        lone: '\ud800x',
      },
      { '\ud83d\ude00': 1, é: '政府' },
      '種別',
    ),
  ],
  [
    'integer-like names',
    event({ '10': 'a', '9': 'b', '-1': 'c', $x: 'd', A: 'e' }, { '2': true, '1': false }),
  ],
  [
    'metadata names around the link',
    event(
      { n: 1 },
      { h: 1, has: 2, hash0: 3, hashes: 4, i: 5, prev: 6, prevHasg: 7, prevHash0: 8, PrevHash: 9, q: 10 },
    ),
  ],
  ['only names before hash', event({ n: 1 }, { actor: 'a', correlationId: 'c' })],
  ['only names after prevHash', event({ n: 1 }, { recordedAt: 'r', schemaVersion: 1 })],
  ['undefined members', event({ kept: 1, gone: undefined, inner: { gone: undefined } }, { gone: undefined })],
  ['numbers', event({ list: [1e21, 1e-7, -0, 0.1, -1.5, 2 ** 53, Number.MIN_VALUE] })],
  ['null-prototype objects', event({ inner: nullPrototype }, nullPrototype)],
  ['holes in arrays', event({ sparse })],
  ['nesting deeper than one pass takes', event(nested(80, 'leaf'), { deep: nested(70, [null]) })],
  ['already sorted names', event({ a: 1, b: { c: 2, d: 3 } }, { a: 'x', z: 'y' })],
  [
    'more names than insertion sort takes',
    event(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${39 - i}`, i]))),
  ],
];

describe('prepareEvents', () => {
  it.each(valid)('writes the canonical text of %s, as the reference canonicaliser does', (_name, input) => {
    const [prepared] = prepareEvents([input], MAX);
    expect(prepared?.dataJson).toBe(canonicalJson(stored(input.data)));
    // The one-pass texts are the general path's, piece by piece.
    expect(prepared?.chain).toStrictEqual(prepareForChain(input));
  });

  it.each(valid)('links %s with computeEventHash of the event as stored', (_name, input) => {
    const [prepared] = prepareEvents([input], MAX);
    const chain = prepared!.chain;
    const prevHash = 'f'.repeat(64);
    const hash = linkHash(chain, quoteJson('stream-ストリーム'), 3, quoteJson(prevHash));
    const metadataJson = storedMetadataJson(chain, quoteJson(hash), quoteJson(prevHash));
    const metadata = JSON.parse(metadataJson) as Record<string, unknown>;
    expect(metadataJson).toBe(canonicalJson(metadata));
    expect(metadata).toStrictEqual({ ...stored(input.metadata), hash, prevHash });
    expect(
      computeEventHash({
        streamName: 'stream-ストリーム',
        revision: 3,
        type: input.type,
        data: stored(input.data),
        metadata,
      }),
    ).toBe(hash);
    expect(hash).not.toBe(GENESIS_HASH);
  });

  const circular: Record<string, unknown> = { ok: 1 };
  circular['self'] = { again: circular };
  const deepCircular: Record<string, unknown> = {};
  let bottom = deepCircular;
  for (let level = 0; level < 100; level++) {
    const next: Record<string, unknown> = {};
    bottom['next'] = next;
    bottom = next;
  }
  bottom['loop'] = deepCircular;
  class Money {
    amount = 1;
  }

  const refused: [string, EventToAppend, string][] = [
    ['a cycle', event({ circular }), 'events[0].data.circular.self.again is circular'],
    ['a cycle below the one-pass depth', event(deepCircular), 'is circular'],
    ['NaN', event({ n: Number.NaN }), 'events[0].data.n is not a finite number'],
    ['Infinity in metadata', event({}, { n: Infinity }), 'events[0].metadata.n is not a finite number'],
    ['undefined in an array', event({ l: [1, undefined] }), 'events[0].data.l[1] is undefined'],
    ['a Date', event({ at: new Date(0) }), 'events[0].data.at is not a plain object'],
    ['a class instance', event({ m: new Money() }), 'events[0].data.m is not a plain object'],
    ['a Map as metadata', event({}, new Map()), 'events[0].metadata is not a plain object'],
    ['a BigInt', event({ n: 1n }), 'events[0].data.n is a bigint, which JSON cannot hold'],
    ['a function', event({ f: () => 1 }), 'events[0].data.f is a function, which JSON cannot hold'],
    ['a symbol', event({ s: Symbol('s') }), 'events[0].data.s is a symbol, which JSON cannot hold'],
    ['an array as data', event([1]), 'events[0].data must be a JSON object'],
    ['null metadata', event({}, null), 'events[0].metadata must be a JSON object'],
    ['a caller-supplied hash', event({}, { hash: 'x' }), 'events[0]: metadata.hash and metadata.prevHash'],
    [
      'a caller-supplied prevHash',
      event({}, { prevHash: undefined }),
      'metadata.prevHash are set by the event store',
    ],
    // As before the one-pass serialiser: what JSON cannot hold is reported before the link.
    ['a BigInt as hash', event({}, { hash: 1n }), 'events[0].metadata.hash is a bigint'],
  ];

  it.each(refused)('refuses %s with the message that says where', (_name, input, message) => {
    expect(() => prepareEvents([input], MAX)).toThrow(InvalidAppendError);
    expect(() => prepareEvents([input], MAX)).toThrow(message);
  });

  it('reports the first bad event of an append by its index', () => {
    const good = event({ a: 1 });
    const bad = { ...event({ n: Number.NaN }), id: '0b9f3c1e-2a4d-4e5f-8a6b-7c8d9e0f1a2b' };
    expect(() => prepareEvents([good, bad], MAX)).toThrow('events[1].data.n is not a finite number');
  });

  describe('size limit (data and metadata as sent, in UTF-8 bytes)', () => {
    // {"s":"…"} and {}: 8 + 2 bytes around the text.
    const sized = (text: string) => event({ s: text }, {});

    it('accepts an append of exactly the limit and refuses one byte more, with its exact size', () => {
      expect(prepareEvents([sized('x'.repeat(100 - 10))], 100)).toHaveLength(1);
      expect(() => prepareEvents([sized('x'.repeat(100 - 9))], 100)).toThrow(
        'The append is 101 bytes, more than the maximum of 100',
      );
    });

    it('counts characters outside ASCII by their UTF-8 bytes', () => {
      // 30 × 3 bytes + 10 = 100: within the limit although 3 × its length is not.
      expect(prepareEvents([sized('政'.repeat(30))], 100)).toHaveLength(1);
      expect(() => prepareEvents([sized(`${'政'.repeat(30)}x`)], 100)).toThrow('The append is 101 bytes');
      // A surrogate pair is 4 bytes.
      expect(() => prepareEvents([sized(`${'\ud83d\ude00'.repeat(22)}xxx`)], 100)).toThrow(
        'The append is 101 bytes',
      );
    });

    it('adds up every event of the append, metadata included', () => {
      const two = [
        event({ s: 'x'.repeat(40) }, { m: 'y'.repeat(1) }),
        { ...event({ s: 'x'.repeat(40) }, {}), id: '0b9f3c1e-2a4d-4e5f-8a6b-7c8d9e0f1a2b' },
      ];
      // (48 + 9) + (48 + 2) = 107
      expect(() => prepareEvents(two, 106)).toThrow('The append is 107 bytes');
      expect(prepareEvents(two, 107)).toHaveLength(2);
    });
  });
});
