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
  /**
   * The texts around the parts only known at link time, joined once here rather than per link: the hashed text is
   * `hashHead + prevHash + hashTail + revision + ',"stream":' + stream + typeTail`, the stored metadata
   * `storedHead + hash + storedMid + prevHash + storedTail` (hashes as JSON strings).
   */
  readonly hashHead: string;
  readonly hashTail: string;
  readonly typeTail: string;
  readonly storedHead: string;
  readonly storedMid: string;
  readonly storedTail: string;
}

export interface ChainLink {
  readonly prevHash: string;
  readonly hash: string;
}

/** Characters JSON.stringify escapes; any surrogate also goes to it (it escapes lone ones and keeps pairs). */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify of a string, without its cost for the common string that needs no escaping. */
export function quoteJson(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** Member names recur from event to event; their JSON text is remembered (a bounded memory, started over when full). */
const quotedNames = new Map<string, string>();
const MAX_QUOTED_NAMES = 1000;

/** quoteJson of a member name. */
export function quoteName(name: string): string {
  let quoted = quotedNames.get(name);
  if (quoted === undefined) {
    quoted = quoteJson(name);
    if (quotedNames.size >= MAX_QUOTED_NAMES) quotedNames.clear();
    quotedNames.set(name, quoted);
  }
  return quoted;
}

/** Objects with more names than this are sorted by Array#sort; fewer, the usual, by insertion (cheaper there). */
const INSERTION_SORT_LIMIT = 16;

/** Own enumerable names in code-unit order (the default sort's, which RFC 8785 prescribes). */
export function sortedNames(record: object): string[] {
  const names = Object.keys(record);
  if (names.length > INSERTION_SORT_LIMIT) return names.sort();
  for (let index = 1; index < names.length; index++) {
    const name = names[index]!;
    let before = index - 1;
    if (names[before]! < name) continue;
    do {
      names[before + 1] = names[before]!;
      before -= 1;
    } while (before >= 0 && names[before]! > name);
    names[before + 1] = name;
  }
  return names;
}

/**
 * Makes V8 copy `text` into one piece. Text built by `+` stays a tree of its pieces until something reads it, and
 * the hashed text, the stored metadata and the stored data all contain an event's canonical parts: walking each
 * tree once, here, rather than once per text that contains it, measurably cheapens the append.
 */
function flatten(text: string): void {
  // Reading a character of a string built by `+` flattens it in place.
  text.charCodeAt(0);
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
      return quoteJson(value);
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
      const record = value as Record<string, unknown>;
      let text = '';
      for (const name of sortedNames(record)) {
        const member = record[name];
        if (member === undefined) continue;
        text += `${text.length > 0 ? ',' : ''}${quoteName(name)}:${canonicalStoredJson(member)}`;
      }
      return `{${text}}`;
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      break;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}

/** Canonical text of one member's value, or `undefined` when the caller refuses the value. */
export type CanonicalWriter = (value: unknown) => string | undefined;

/**
 * Joins an event's canonical parts into a ChainPrepared, splitting the metadata's members around where the link
 * goes (a member named `hash` or `prevHash` is left out: callers refuse those). `undefined` when `member` refuses
 * a value; a member holding `undefined` is left out, as JSON.stringify leaves it out.
 */
export function prepareCanonical(
  type: string,
  dataCanonical: string,
  metadata: Readonly<Record<string, unknown>>,
  member: CanonicalWriter,
): ChainPrepared | undefined {
  let low = '';
  let mid = '';
  let high = '';
  for (const name of sortedNames(metadata)) {
    const value = metadata[name];
    if (value === undefined) continue;
    const text = member(value);
    if (text === undefined) return undefined;
    if (name === HASH_KEY || name === PREV_HASH_KEY) continue;
    const pair = `${quoteName(name)}:${text}`;
    // Code-unit comparisons, as the sort: the run a name falls in does not depend on the others.
    if (name < HASH_KEY) low += low === '' ? pair : `,${pair}`;
    else if (name < PREV_HASH_KEY) mid += mid === '' ? pair : `,${pair}`;
    else high += high === '' ? pair : `,${pair}`;
  }
  flatten(dataCanonical);
  flatten(low);
  flatten(mid);
  flatten(high);
  const lowComma = low === '' ? '' : `${low},`;
  const midComma = mid === '' ? '' : `${mid},`;
  const commaHigh = high === '' ? '' : `,${high}`;
  return {
    type,
    dataCanonical,
    metadataLow: low,
    metadataMid: mid,
    metadataHigh: high,
    // Members in code-unit order: data, metadata, revision, stream, type (as computeEventHash builds them).
    hashHead: `{"data":${dataCanonical},"metadata":{${lowComma}${midComma}"${PREV_HASH_KEY}":`,
    hashTail: `${commaHigh}},"revision":`,
    typeTail: `,"type":${quoteJson(type)}}`,
    storedHead: `{${lowComma}"${HASH_KEY}":`,
    storedMid: `,${midComma}"${PREV_HASH_KEY}":`,
    storedTail: `${commaHigh}}`,
  };
}

/** Splits an event's canonical text around where the link will go. Leaves out a caller-supplied link. */
export function prepareForChain(event: {
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
}): ChainPrepared {
  const prepared = prepareCanonical(
    event.type,
    canonicalStoredJson(event.data),
    event.metadata,
    canonicalStoredJson,
  );
  if (prepared === undefined) throw new TypeError('canonical JSON refused a metadata member');
  return prepared;
}

/** Canonical text of the metadata as the caller sent it (without the link). */
export function metadataWithoutLinkJson(event: ChainPrepared): string {
  let text = event.metadataLow;
  if (event.metadataMid !== '') text += `${text === '' ? '' : ','}${event.metadataMid}`;
  if (event.metadataHigh !== '') text += `${text === '' ? '' : ','}${event.metadataHigh}`;
  return `{${text}}`;
}

/**
 * SHA-256 (hex) of the event at `revision` of the stream named by `streamJson`, after `prevHashJson`: exactly
 * computeEventHash of the event as stored. Both names are JSON strings (quoteJson).
 */
export function linkHash(
  event: ChainPrepared,
  streamJson: string,
  revision: number,
  prevHashJson: string,
): string {
  return digest(
    'sha256',
    `${event.hashHead}${prevHashJson}${event.hashTail}${revision},"stream":${streamJson}${event.typeTail}`,
    'hex',
  );
}

/** Canonical text of the metadata as stored, from its link as JSON strings (quoteJson). */
export function storedMetadataJson(event: ChainPrepared, hashJson: string, prevHashJson: string): string {
  return `${event.storedHead}${hashJson}${event.storedMid}${prevHashJson}${event.storedTail}`;
}

/** Canonical text of the metadata as stored: the caller's members with `hash` and `prevHash` in their places. */
export function metadataWithLinkJson(event: ChainPrepared, link: ChainLink): string {
  return storedMetadataJson(event, quoteJson(link.hash), quoteJson(link.prevHash));
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
  const stream = quoteJson(streamName);
  let previous = prevHash;
  return events.map((event, index) => {
    const hash = linkHash(event, stream, firstRevision + index, quoteJson(previous));
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
