import { createHmac, timingSafeEqual } from 'node:crypto';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` */
export const WEBHOOK_SIGNATURE_HEADER = 'x-ismap-signature';
/** The event id, also in the body: receivers deduplicate on it (delivery is at-least-once). */
export const WEBHOOK_EVENT_ID_HEADER = 'x-ismap-event-id';
export const WEBHOOK_EVENT_TYPE_HEADER = 'x-ismap-event-type';
/** Receivers refuse a signature whose timestamp is further than this from their clock, either way. */
export const WEBHOOK_REPLAY_WINDOW_SECONDS = 300;

function hmacHex(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret)
    .update(`${timestamp}.`, 'utf8')
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .digest('hex');
}

/** The signature header for one delivery attempt: each attempt is signed afresh with its own timestamp. */
export function signWebhookBody(secret: string, rawBody: string | Buffer, timestampSeconds: number): string {
  const t = Math.floor(timestampSeconds);
  return `t=${t},v1=${hmacHex(secret, t, rawBody)}`;
}

export type WebhookSignatureCheck =
  | { readonly valid: true; readonly timestamp: number }
  | {
      readonly valid: false;
      readonly reason: 'malformed' | 'timestamp-outside-window' | 'signature-mismatch';
    };

/**
 * What a receiver runs on every delivery, over the raw body bytes exactly as received (not re-serialised JSON):
 * the header must be well formed, its timestamp within the replay window of `nowSeconds`, and one of its `v1`
 * signatures must match (several `v1` entries are allowed so a secret can be rotated without a gap).
 */
export function verifyWebhookSignature(
  secret: string,
  rawBody: string | Buffer,
  header: string | undefined,
  nowSeconds: number = Date.now() / 1000,
  windowSeconds: number = WEBHOOK_REPLAY_WINDOW_SECONDS,
): WebhookSignatureCheck {
  if (header === undefined || header.length > 2048) return { valid: false, reason: 'malformed' };
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value, ...rest] = part.trim().split('=');
    if (key === undefined || value === undefined || rest.length > 0)
      return { valid: false, reason: 'malformed' };
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || timestamp !== undefined) return { valid: false, reason: 'malformed' };
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/.test(value)) return { valid: false, reason: 'malformed' };
      signatures.push(value);
    }
    // Other schemes (v0, v2…) are ignored, so a sender can add one without breaking receivers.
  }
  if (timestamp === undefined || signatures.length === 0) return { valid: false, reason: 'malformed' };
  if (Math.abs(nowSeconds - timestamp) > windowSeconds) {
    return { valid: false, reason: 'timestamp-outside-window' };
  }
  const expected = Buffer.from(hmacHex(secret, timestamp, rawBody), 'hex');
  const matches = signatures.some((signature) => timingSafeEqual(Buffer.from(signature, 'hex'), expected));
  return matches ? { valid: true, timestamp } : { valid: false, reason: 'signature-mismatch' };
}
