import { createHash } from 'node:crypto';

/** Every delivery is tried at most this often; the last failure goes to the dead letter. */
export const WEBHOOK_MAX_ATTEMPTS = 8;
/** The BullMQ backoff type whose strategy is `webhookRetryDelayMs` (set on the worker). */
export const WEBHOOK_BACKOFF_TYPE = 'webhook-exponential-jitter';
/** No single wait is longer than this, whatever the base. */
export const WEBHOOK_MAX_RETRY_DELAY_MS = 6 * 60 * 60 * 1000;

/**
 * The wait after the `failedAttempt`-th attempt (1-based): `base · 2^(n-1)`, capped, with "equal jitter" (half of it
 * fixed, the other half random) so that receivers coming back from an outage are not hit by every retry at once.
 * The random half is derived from the job id and the attempt, so the worker can record the exact time of the next
 * retry that BullMQ will use: the same inputs always give the same delay, different jobs spread out.
 */
export function webhookRetryDelayMs(failedAttempt: number, baseMs: number, jobId: string): number {
  const n = Math.max(1, Math.floor(failedAttempt));
  const ceiling = Math.min(WEBHOOK_MAX_RETRY_DELAY_MS, baseMs * 2 ** (n - 1));
  const half = ceiling / 2;
  const digest = createHash('sha256').update(`${jobId}\u0000${n}`).digest();
  const fraction = digest.readUInt32BE(0) / 0x1_0000_0000;
  return Math.round(half + fraction * half);
}
