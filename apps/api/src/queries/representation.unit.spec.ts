import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { chooseCoding, notModified, Representation } from './representation';

const big = Buffer.from(
  JSON.stringify({ entries: Array.from({ length: 200 }, (_, i) => ({ n: i, name: '一覧' })) }),
);

describe('Representation', () => {
  it('compresses once per coding, and each variant decompresses to the very bytes', async () => {
    const answer = new Representation(big, 'application/json');
    const gzip = await answer.bodyOf('gzip');
    const br = await answer.bodyOf('br');
    expect(gunzipSync(gzip).equals(big)).toBe(true);
    expect(brotliDecompressSync(br).equals(big)).toBe(true);
    expect(gzip.length).toBeLessThan(big.length / 4);
    expect(await answer.bodyOf('gzip')).toBe(gzip);
    expect(await answer.bodyOf('identity')).toBe(big);
  });

  it('has a strong ETag per coding, derived from the bytes alone', () => {
    const answer = new Representation(big, 'application/json');
    const again = new Representation(Buffer.from(big), 'application/json');
    const other = new Representation(Buffer.concat([big, Buffer.from(' ')]), 'application/json');
    expect(answer.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(again.etag).toBe(answer.etag);
    expect(other.etag).not.toBe(answer.etag);
    const tags = new Set((['identity', 'gzip', 'br'] as const).map((coding) => answer.etagOf(coding)));
    expect(tags.size).toBe(3);
  });

  it('does not compress a small answer whatever the client accepts', () => {
    const small = new Representation(Buffer.from('{"count":0}'), 'application/json');
    expect(small.codingFor('gzip, deflate, br')).toBe('identity');
    expect(new Representation(big, 'application/json').codingFor('gzip, deflate, br')).toBe('br');
  });
});

describe('chooseCoding', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip', 'gzip'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0.5, gzip', 'gzip'],
    ['br;q=0, gzip;q=0', 'identity'],
    ['*', 'br'],
    ['*;q=0.1, gzip;q=0.2', 'gzip'],
    ['GZIP', 'gzip'],
    ['deflate, identity', 'identity'],
    ['gzip;q=banana', 'identity'],
    [['deflate', 'gzip'], 'gzip'],
  ] as const)('Accept-Encoding %j → %s', (header, expected) => {
    expect(chooseCoding(header as string | string[] | undefined)).toBe(expected);
  });
});

describe('notModified', () => {
  const etag = '"abc-gzip"';
  it.each([
    [undefined, false],
    ['"abc-gzip"', true],
    ['W/"abc-gzip"', true],
    ['"other", "abc-gzip"', true],
    ['*', true],
    ['"abc"', false],
    ['abc-gzip', false],
  ] as const)('If-None-Match %j → %s', (header, expected) => {
    expect(notModified(header, etag)).toBe(expected);
  });
});
