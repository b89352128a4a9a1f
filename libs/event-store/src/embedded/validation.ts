import { InvalidAppendError } from '../errors';
import type { EventFilter, EventToAppend, ExpectedRevision } from '../event-store.port';
import {
  assertNoChainLink,
  metadataWithoutLinkJson,
  prepareCanonical,
  prepareForChain,
  quoteJson,
  quoteName,
  sortedNames,
} from '../integrity/chain-links';
import type { ChainPrepared } from '../integrity/chain-links';

/** EventStoreDB's default `MaxAppendSize`: refusing what production would refuse keeps dev and prod alike. */
export const DEFAULT_MAX_APPEND_SIZE = 1_048_576;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const MAX_NAME_LENGTH = 1000;

/** An event validated and serialised before it joins the commit queue, so that a bad one never aborts a batch. */
export interface PreparedEvent {
  readonly id: string;
  readonly type: string;
  /** RFC 8785 canonical JSON, as stored. */
  readonly dataJson: string;
  /** Its canonical text for the hash chain, built here rather than inside the write transaction. */
  readonly chain: ChainPrepared;
}

function assertName(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidAppendError(`${what} must be a non-empty string`);
  }
  if (value.length > MAX_NAME_LENGTH) {
    throw new InvalidAppendError(`${what} is longer than ${MAX_NAME_LENGTH} characters`);
  }
  if (CONTROL_CHARACTERS.test(value) || LONE_SURROGATE.test(value)) {
    throw new InvalidAppendError(
      `${what} ${JSON.stringify(value)} contains control characters or broken UTF-16`,
    );
  }
}

export function assertValidStreamName(streamName: unknown): asserts streamName is string {
  assertName(streamName, 'Stream name');
  // `$` streams belong to EventStoreDB itself; refusing them here keeps the application portable to it.
  if (streamName.startsWith('$')) {
    throw new InvalidAppendError(`Stream name ${streamName} is reserved (starts with $)`);
  }
}

export function assertValidExpectedRevision(expected: unknown): asserts expected is ExpectedRevision {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return;
  throw new InvalidAppendError(`Invalid expected revision ${String(expected)}`);
}

/**
 * Refuses anything that `JSON.stringify` would silently change (undefined in arrays, NaN, Dates, class instances,
 * Maps) or cannot write (BigInt, cycles), because the stored text must read back as the very same value.
 * Properties whose value is `undefined` are allowed and dropped, as optional fields often carry them.
 */
function assertJson(value: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidAppendError(`${path} is not a finite number`);
      return;
    case 'object': {
      if (value === null) return;
      if (ancestors.has(value)) throw new InvalidAppendError(`${path} is circular`);
      ancestors.add(value);
      if (Array.isArray(value)) {
        value.forEach((item: unknown, index) => {
          if (item === undefined) throw new InvalidAppendError(`${path}[${index}] is undefined`);
          assertJson(item, `${path}[${index}]`, ancestors);
        });
      } else {
        const prototype: unknown = Object.getPrototypeOf(value);
        if (prototype !== Object.prototype && prototype !== null) {
          throw new InvalidAppendError(
            `${path} is not a plain object (no Dates or class instances in events)`,
          );
        }
        for (const [key, item] of Object.entries(value)) {
          if (item !== undefined) assertJson(item, `${path}.${key}`, ancestors);
        }
      }
      ancestors.delete(value);
      return;
    }
    case 'undefined':
    case 'bigint':
    case 'symbol':
    case 'function':
      throw new InvalidAppendError(`${path} is a ${typeof value}, which JSON cannot hold`);
  }
}

function assertJsonObject(value: unknown, path: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidAppendError(`${path} must be a JSON object`);
  }
  assertJson(value, path, new Set());
}

/** Nesting beyond which the one-pass serialiser hands over to assertJson, which also finds cycles. */
const MAX_ONE_PASS_DEPTH = 64;

/**
 * Canonical text (as canonicalStoredJson writes it) of a value assertJson accepts, validated on the way: one
 * traversal instead of two. `undefined` for anything assertJson might refuse (and for holes in arrays and deep
 * nesting): the caller then runs assertJson, whose messages say what is wrong and where.
 */
function oneTraversal(value: unknown, depth: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return quoteJson(value);
    case 'number':
      // ECMAScript's shortest form; String(-0) is "0" as RFC 8785 requires.
      return Number.isFinite(value) ? String(value) : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (depth >= MAX_ONE_PASS_DEPTH) return undefined;
      if (Array.isArray(value)) {
        let text = '[';
        for (let index = 0; index < value.length; index++) {
          const item = oneTraversal(value[index], depth + 1);
          if (item === undefined) return undefined;
          text += index === 0 ? item : `,${item}`;
        }
        return `${text}]`;
      }
      const prototype: unknown = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) return undefined;
      const record = value as Record<string, unknown>;
      let text = '';
      for (const name of sortedNames(record)) {
        const member = record[name];
        if (member === undefined) continue;
        const item = oneTraversal(member, depth + 1);
        if (item === undefined) return undefined;
        text += `${text === '' ? '' : ','}${quoteName(name)}:${item}`;
      }
      return `{${text}}`;
    }
    case 'undefined':
    case 'bigint':
    case 'symbol':
    case 'function':
      return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const metadataMember = (value: unknown): string | undefined => oneTraversal(value, 1);

/** The event's canonical parts in one traversal, or `undefined` when it needs assertJson's verdict. */
function prepareInOnePass(event: EventToAppend): ChainPrepared | undefined {
  if (!isRecord(event.data) || !isRecord(event.metadata)) return undefined;
  const dataJson = oneTraversal(event.data, 0);
  if (dataJson === undefined) return undefined;
  // The metadata object itself: oneTraversal's checks of a record, then its members one by one.
  const prototype: unknown = Object.getPrototypeOf(event.metadata);
  if (prototype !== Object.prototype && prototype !== null) return undefined;
  return prepareCanonical(event.type, dataJson, event.metadata, metadataMember);
}

/** Validates and serialises one append's events; throws InvalidAppendError on the first problem. */
export function prepareEvents(events: readonly EventToAppend[], maxAppendSize: number): PreparedEvent[] {
  const list: unknown = events;
  if (!Array.isArray(list) || list.length === 0) {
    throw new InvalidAppendError('An append needs at least one event');
  }
  const seen = events.length > 1 ? new Set<string>() : undefined;
  const prepared: PreparedEvent[] = [];
  // UTF-16 code units: at most 3 UTF-8 bytes each, so exact byte counts are needed only near the limit.
  let units = 0;
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    if (typeof event.id !== 'string' || !UUID.test(event.id)) {
      throw new InvalidAppendError(`events[${index}].id ${String(event.id)} is not a UUID`);
    }
    // EventStoreDB reports ids in lower case; normalising here keeps the uniqueness check case-blind too.
    const id = event.id.toLowerCase();
    if (seen !== undefined) {
      if (seen.has(id)) {
        throw new InvalidAppendError(`events[${index}].id ${id} appears twice in the same append`);
      }
      seen.add(id);
    }
    assertName(event.type, `events[${index}].type`);
    // The canonical text is what the hash covers and, being JSON, also what is stored: one serialisation.
    let chain = prepareInOnePass(event);
    if (chain === undefined) {
      assertJsonObject(event.data, `events[${index}].data`);
      assertJsonObject(event.metadata, `events[${index}].metadata`);
    }
    assertNoChainLink(event.metadata, `events[${index}]`);
    chain ??= prepareForChain(event);
    const { dataCanonical, metadataLow, metadataMid, metadataHigh } = chain;
    // The metadata as sent: its runs, two commas at most and the braces.
    units += dataCanonical.length + metadataLow.length + metadataMid.length + metadataHigh.length + 4;
    prepared.push({ id, type: event.type, dataJson: dataCanonical, chain });
  }
  if (units * 3 > maxAppendSize) {
    let size = 0;
    for (const { dataJson, chain } of prepared) {
      size += Buffer.byteLength(dataJson) + Buffer.byteLength(metadataWithoutLinkJson(chain));
    }
    if (size > maxAppendSize) {
      throw new InvalidAppendError(`The append is ${size} bytes, more than the maximum of ${maxAppendSize}`);
    }
  }
  return prepared;
}

export function assertValidFilter(filter: EventFilter | undefined): void {
  if (filter === undefined) return;
  for (const prefixes of [filter.eventTypePrefixes, filter.streamNamePrefixes]) {
    if (prefixes === undefined) continue;
    if (!Array.isArray(prefixes) || prefixes.some((prefix) => typeof prefix !== 'string')) {
      throw new RangeError('Filter prefixes must be arrays of strings');
    }
  }
}

/** JSON text with object keys sorted, so that two serialisations of equal values compare equal. */
export function canonicalJson(text: string): string {
  const sortKeys = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(
        Object.entries(value)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([key, item]) => [key, sortKeys(item)]),
      );
    }
    return value;
  };
  return JSON.stringify(sortKeys(JSON.parse(text)));
}
