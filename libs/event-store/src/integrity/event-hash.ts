import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/** `prevHash` of the first event of every stream. */
export const GENESIS_HASH = '0'.repeat(64);

/** The metadata keys the chain adds at append; `hash` is excluded from what it covers, `prevHash` included. */
export const HASH_KEY = 'hash';
export const PREV_HASH_KEY = 'prevHash';

export interface HashedEventContent {
  readonly streamName: string;
  readonly revision: number;
  readonly type: string;
  readonly data: unknown;
  /** As stored, with `prevHash`; a `hash` member, if present, is left out of the hash. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/**
 * SHA-256 (lower-case hex) over the RFC 8785 canonical JSON of {stream, revision, type, data, metadata without
 * `hash`}: the link of an event in its stream's chain. Covers the event as stored, never as upcast.
 */
export function computeEventHash(event: HashedEventContent): string {
  const { [HASH_KEY]: _ignored, ...covered } = event.metadata;
  const content = {
    stream: event.streamName,
    revision: event.revision,
    type: event.type,
    data: event.data,
    metadata: covered,
  };
  return createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex');
}
