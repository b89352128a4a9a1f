import { createHash } from 'node:crypto';

/** Namespace of ismap-ledger event ids (a fixed random UUID). */
const NAMESPACE = Buffer.from('6f1c1f0e4b2a4c7e9d3a8b5e2f7c9a10', 'hex');

/**
 * RFC 9562 version-5 UUID derived from the command id and the event's index in the command's result, so that a
 * retried command produces the same event ids and the store appends it once.
 */
export function deriveEventId(commandId: string, index: number): string {
  const hash = createHash('sha1').update(NAMESPACE).update(`${commandId}#${index}`, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
