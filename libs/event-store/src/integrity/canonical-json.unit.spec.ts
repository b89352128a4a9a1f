import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { computeEventHash, GENESIS_HASH } from './event-hash';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts member names by UTF-16 code units, recursively, with no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
    // RFC 8785 §3.2.3: code-unit order, so the emoji's surrogate pair (0xD83D…) sorts before U+FB33.
    expect(canonicalJson({ '\ufb33': 5, '\ud83d\ude00': 4, '\u20ac': 1, '1': 3, '\r': 2 })).toBe(
      '{"\\r":2,"1":3,"\u20ac":1,"\ud83d\ude00":4,"\ufb33":5}',
    );
  });

  it('writes numbers in the ECMAScript shortest form and -0 as 0', () => {
    expect(canonicalJson([1e21, 1e-7, 0.1, -0, 100, 333333333.3333333])).toBe(
      '[1e+21,1e-7,0.1,0,100,333333333.3333333]',
    );
  });

  it('escapes strings as JSON does and keeps non-ASCII as is', () => {
    expect(canonicalJson('政府\n"\u0001')).toBe('"政府\\n\\"\\u0001"');
  });

  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson({ a: undefined })).toThrow(TypeError);
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson(1n)).toThrow(TypeError);
  });
});

describe('computeEventHash', () => {
  const event = {
    streamName: 'provider-1',
    revision: 0,
    type: 'ProviderRegistered',
    data: { name: 'Example' },
    metadata: { prevHash: GENESIS_HASH, actor: { sub: 'u' } },
  };

  it('is SHA-256 over the canonical JSON of stream, revision, type, data and metadata', () => {
    const expected = createHash('sha256')
      .update(
        `{"data":{"name":"Example"},"metadata":{"actor":{"sub":"u"},"prevHash":"${GENESIS_HASH}"},"revision":0,"stream":"provider-1","type":"ProviderRegistered"}`,
      )
      .digest('hex');
    expect(computeEventHash(event)).toBe(expected);
  });

  it('leaves the hash member out of what it covers, and changes with anything else', () => {
    const hash = computeEventHash(event);
    expect(computeEventHash({ ...event, metadata: { ...event.metadata, hash } })).toBe(hash);
    expect(computeEventHash({ ...event, revision: 1 })).not.toBe(hash);
    expect(
      computeEventHash({ ...event, metadata: { ...event.metadata, prevHash: 'f'.repeat(64) } }),
    ).not.toBe(hash);
  });
});
