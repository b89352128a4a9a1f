import { hash as digest } from 'node:crypto';
import { InvalidAppendError } from '../errors';
import { GENESIS_HASH, HASH_KEY, PREV_HASH_KEY } from './event-hash';

/**
 * The append side of the hash chain. It produces exactly `computeEventHash` of the event as stored (the tests
 * hold the two equal), but without the stored form's JSON round trip, with the event's canonical text built once,
 * before the write transaction, and reused as the very text the embedded store writes (canonical JSON is JSON).
 */

/** One event of an append, ready to be linked: its canonical parts, computed outside the write transaction. */
export interface ChainPrepared {
  readonly type: string;
  /** RFC 8785 text of the data as stored. */
  readonly dataCanonical: string;
  /**
   * The metadata's canonical members, joined by commas, in three runs around where the link goes: names before
   * `hash`, between `hash` and `prevHash`, and after `prevHash`.
   */
  readonly metadataLow: string;
  readonly metadataMid: string;
  readonly metadataHigh: string;
}

export interface ChainLink {
  readonly prevHash: string;
  readonly hash: string;
}

/**
 * RFC 8785 text of a value as the store writes it (JSON.stringify's text, read back): members holding
 * `undefined` are left out. Only for values the append validation accepted (plain objects, arrays without
 * holes, finite numbers); the general `canonicalJson` stays the reference for anything else.
 */
export function canonicalStoredJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON cannot hold ${String(value)}`);
      // ECMAScript's shortest form; String(-0) is "0" as RFC 8785 requires.
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) {
        let text = '[';
        for (let index = 0; index < value.length; index++) {
          if (index > 0) text += ',';
          const item: unknown = value[index];
          text += item === undefined ? 'null' : canonicalStoredJson(item);
        }
        return `${text}]`;
      }
      return `{${canonicalMembers(value as Record<string, unknown>, Object.keys(value).sort())}}`;
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      break;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}

/** `"name":value` pairs of `names` (already in code-unit order), those holding undefined left out. */
function canonicalMembers(record: Readonly<Record<string, unknown>>, names: readonly string[]): string {
  let text = '';
  for (const name of names) {
    const member = record[name];
    if (member === undefined) continue;
    if (text.length > 0) text += ',';
    text += `${JSON.stringify(name)}:${canonicalStoredJson(member)}`;
  }
  return text;
}

/** Splits an event's canonical text around where `prevHash` will go. Refuses a caller-supplied link. */
export function prepareForChain(event: {
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
}): ChainPrepared {
  // Default sort order is code-unit order, the same comparison RFC 8785 sorts members by.
  const low: string[] = [];
  const mid: string[] = [];
  const high: string[] = [];
  for (const name of Object.keys(event.metadata).sort()) {
    if (name === HASH_KEY || name === PREV_HASH_KEY) continue;
    (name < HASH_KEY ? low : name < PREV_HASH_KEY ? mid : high).push(name);
  }
  return {
    type: event.type,
    dataCanonical: canonicalStoredJson(event.data),
    metadataLow: canonicalMembers(event.metadata, low),
    metadataMid: canonicalMembers(event.metadata, mid),
    metadataHigh: canonicalMembers(event.metadata, high),
  };
}

/** Comma-joins the non-empty runs of members into an object's text. */
function objectOf(...runs: string[]): string {
  let text = '';
  for (const run of runs) {
    if (run === '') continue;
    text += text === '' ? run : `,${run}`;
  }
  return `{${text}}`;
}

/** Canonical text of the metadata as the caller sent it (without the link). */
export function metadataWithoutLinkJson(event: ChainPrepared): string {
  return objectOf(event.metadataLow, event.metadataMid, event.metadataHigh);
}

/** Canonical text of the metadata as stored: the caller's members with `hash` and `prevHash` in their places. */
export function metadataWithLinkJson(event: ChainPrepared, link: ChainLink): string {
  return objectOf(
    event.metadataLow,
    `"${HASH_KEY}":${JSON.stringify(link.hash)}`,
    event.metadataMid,
    `"${PREV_HASH_KEY}":${JSON.stringify(link.prevHash)}`,
    event.metadataHigh,
  );
}

/**
 * The links of events appended at `firstRevision` onwards, each covering the one before: what both adapters
 * add to the stored metadata. `prevHash` is the hash of the event at `firstRevision - 1` (GENESIS_HASH at 0).
 */
export function chainLinks(
  streamName: string,
  firstRevision: number,
  prevHash: string,
  events: readonly ChainPrepared[],
): ChainLink[] {
  const stream = JSON.stringify(streamName);
  let previous = prevHash;
  return events.map((event, index) => {
    const metadata = objectOf(
      event.metadataLow,
      event.metadataMid,
      `"${PREV_HASH_KEY}":${JSON.stringify(previous)}`,
      event.metadataHigh,
    );
    // Members in code-unit order: data, metadata, revision, stream, type (as computeEventHash builds them).
    const content =
      `{"data":${event.dataCanonical},"metadata":${metadata},"revision":${firstRevision + index},` +
      `"stream":${stream},"type":${JSON.stringify(event.type)}}`;
    const hash = digest('sha256', content, 'hex');
    const result = { prevHash: previous, hash };
    previous = hash;
    return result;
  });
}

/**
 * The `prevHash` an event appended after `head` gets: the head's `hash`, or GENESIS_HASH for a new stream. An
 * event recorded before the chain existed has no hash; what follows it starts over from GENESIS_HASH.
 */
export function prevHashAfter(
  head: { readonly metadata: Readonly<Record<string, unknown>> } | undefined,
): string {
  const hash = head?.metadata[HASH_KEY];
  return typeof hash === 'string' ? hash : GENESIS_HASH;
}

/** The store writes the links; a caller that sets them is refused rather than silently overridden. */
export function assertNoChainLink(metadata: object, where: string): void {
  if (Object.hasOwn(metadata, HASH_KEY) || Object.hasOwn(metadata, PREV_HASH_KEY)) {
    throw new InvalidAppendError(
      `${where}: metadata.${HASH_KEY} and metadata.${PREV_HASH_KEY} are set by the event store, not by callers`,
    );
  }
}

/** Stored metadata as the caller sent it: what an idempotent re-append is compared with. */
export function withoutChainLink(metadata: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { [HASH_KEY]: _hash, [PREV_HASH_KEY]: _prevHash, ...rest } = metadata;
  return rest;
}
