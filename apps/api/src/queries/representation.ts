import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

export type ContentCoding = 'br' | 'gzip' | 'identity';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

const CHOSEN = new Map<string, ContentCoding>();

/** Below this, compressing costs more than it saves. */
const COMPRESS_FROM_BYTES = 1024;

/**
 * One rendered answer: its bytes, a strong ETag derived from them (the same in every API process and after a
 * restart), and its gzip and brotli variants, each made once, on first demand, off the event loop. A variant has
 * its own ETag (RFC 9110 §8.8.3: another content coding is another representation).
 */
export class Representation {
  readonly etag: string;
  private readonly variants = new Map<'br' | 'gzip', Promise<Buffer>>();

  constructor(
    readonly body: Buffer,
    readonly contentType: string,
  ) {
    this.etag = `"${createHash('sha256').update(body).digest('base64url')}"`;
  }

  /** The coding to answer with for an Accept-Encoding header (none worth it for a small body). */
  codingFor(acceptEncoding: string | string[] | undefined): ContentCoding {
    if (this.body.length < COMPRESS_FROM_BYTES || acceptEncoding === undefined) return 'identity';
    const key = Array.isArray(acceptEncoding) ? acceptEncoding.join(',') : acceptEncoding;
    let coding = CHOSEN.get(key);
    if (coding === undefined) {
      coding = chooseCoding(key);
      // Clients send a handful of distinct headers; a bound keeps odd ones from growing the memo.
      if (CHOSEN.size >= 64) CHOSEN.clear();
      CHOSEN.set(key, coding);
    }
    return coding;
  }

  etagOf(coding: ContentCoding): string {
    return coding === 'identity' ? this.etag : `${this.etag.slice(0, -1)}-${coding}"`;
  }

  bodyOf(coding: ContentCoding): Promise<Buffer> {
    if (coding === 'identity') return Promise.resolve(this.body);
    let variant = this.variants.get(coding);
    if (variant === undefined) {
      // Quality 5 / level 6: most of the gain of the slowest settings (this JSON is very repetitive) at a small
      // share of their cost, paid once per version of the read model.
      variant =
        coding === 'br'
          ? brotliAsync(this.body, {
              params: {
                [constants.BROTLI_PARAM_QUALITY]: 5,
                [constants.BROTLI_PARAM_SIZE_HINT]: this.body.length,
              },
            })
          : gzipAsync(this.body, { level: 6 });
      this.variants.set(coding, variant);
    }
    return variant;
  }
}

/**
 * The preferred coding the client accepts (brotli, then gzip, then none), by RFC 9110 §12.5.3: q-values, `*`,
 * and `q=0` as a refusal. Anything unparseable counts as not accepted.
 */
export function chooseCoding(header: string | string[] | undefined): ContentCoding {
  if (header === undefined) return 'identity';
  const weights = new Map<string, number>();
  for (const item of (Array.isArray(header) ? header.join(',') : header).split(',')) {
    const [name, ...params] = item.split(';');
    const coding = name?.trim().toLowerCase();
    if (coding === undefined || coding === '') continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split('=');
      if (key?.trim().toLowerCase() === 'q') q = Number(value?.trim());
    }
    if (Number.isFinite(q) && q >= 0 && q <= 1) weights.set(coding, q);
  }
  const weight = (coding: string): number => weights.get(coding) ?? weights.get('*') ?? 0;
  const candidates: ContentCoding[] = ['br', 'gzip'];
  let best: ContentCoding = 'identity';
  let bestWeight = 0;
  for (const coding of candidates) {
    const q = weight(coding);
    if (q > bestWeight) {
      best = coding;
      bestWeight = q;
    }
  }
  return best;
}

/** If-None-Match (weak comparison, RFC 9110 §13.1.2): true when the client already holds `etag`. */
export function notModified(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return true;
  return value.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
