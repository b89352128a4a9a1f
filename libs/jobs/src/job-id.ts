import { createHash } from 'node:crypto';

/**
 * A job id derived from what causes the job (an event id, a time window, a report id), so that adding the same
 * job twice is a no-op in BullMQ: a duplicate cannot run twice. BullMQ refuses ':' in custom ids and integer-like
 * ids, so the id is `<kind>-<first 32 hex of SHA-256 over the parts>`.
 */
export function deriveJobId(kind: string, ...parts: readonly string[]): string {
  if (!/^[a-z][a-z0-9-]*$/.test(kind)) throw new Error(`job kind must be lower-case kebab: ${kind}`);
  if (parts.length === 0) throw new Error('a job id needs at least one part');
  const digest = createHash('sha256').update(parts.join('\u0000'), 'utf8').digest('hex');
  return `${kind}-${digest.slice(0, 32)}`;
}
