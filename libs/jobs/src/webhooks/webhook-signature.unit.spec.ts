import { createHmac } from 'node:crypto';
import { signWebhookBody, verifyWebhookSignature, WEBHOOK_REPLAY_WINDOW_SECONDS } from './webhook-signature';

const SECRET = 'whsec_test-secret';
const BODY = '{"eventId":"e-1","type":"ApplicationAccepted","data":{"note":"受理"}}';
const T = 1_790_000_000;

describe('webhook signatures', () => {
  it('is HMAC-SHA256 over "<t>.<raw body>" in the documented header format', () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
    expect(signWebhookBody(SECRET, BODY, T + 0.9)).toBe(`t=${T},v1=${expected}`);
  });

  it('verifies a fresh signature over the exact bytes', () => {
    const header = signWebhookBody(SECRET, BODY, T);
    expect(verifyWebhookSignature(SECRET, BODY, header, T + 10)).toEqual({ valid: true, timestamp: T });
    expect(verifyWebhookSignature(SECRET, Buffer.from(BODY, 'utf8'), header, T)).toEqual({
      valid: true,
      timestamp: T,
    });
  });

  it('refuses another body, another secret, and a signature moved to another timestamp', () => {
    const header = signWebhookBody(SECRET, BODY, T);
    expect(verifyWebhookSignature(SECRET, BODY.replace('e-1', 'e-2'), header, T)).toEqual({
      valid: false,
      reason: 'signature-mismatch',
    });
    expect(verifyWebhookSignature('whsec_other', BODY, header, T).valid).toBe(false);
    const moved = header.replace(`t=${T}`, `t=${T + 1}`);
    expect(verifyWebhookSignature(SECRET, BODY, moved, T)).toEqual({
      valid: false,
      reason: 'signature-mismatch',
    });
  });

  it('accepts timestamps up to 5 minutes away either way and refuses anything beyond (replays)', () => {
    const header = signWebhookBody(SECRET, BODY, T);
    const window = WEBHOOK_REPLAY_WINDOW_SECONDS;
    expect(window).toBe(300);
    expect(verifyWebhookSignature(SECRET, BODY, header, T + window).valid).toBe(true);
    expect(verifyWebhookSignature(SECRET, BODY, header, T - window).valid).toBe(true);
    expect(verifyWebhookSignature(SECRET, BODY, header, T + window + 1)).toEqual({
      valid: false,
      reason: 'timestamp-outside-window',
    });
    expect(verifyWebhookSignature(SECRET, BODY, header, T - window - 1)).toEqual({
      valid: false,
      reason: 'timestamp-outside-window',
    });
  });

  it('accepts any one matching v1 (secret rotation) and ignores unknown schemes', () => {
    const good = signWebhookBody(SECRET, BODY, T).split(',')[1];
    const other = signWebhookBody('whsec_old', BODY, T).split(',')[1];
    expect(verifyWebhookSignature(SECRET, BODY, `t=${T},${other},v0=zz,${good}`, T).valid).toBe(true);
  });

  it('refuses malformed headers', () => {
    const v1 = `v1=${'a'.repeat(64)}`;
    for (const header of [
      undefined,
      '',
      `t=${T}`,
      v1,
      `t=x,${v1}`,
      `t=${T},t=${T},${v1}`,
      `t=${T},v1=XYZ`,
      `t=${T},${v1}=`,
    ]) {
      expect(verifyWebhookSignature(SECRET, BODY, header, T)).toEqual({ valid: false, reason: 'malformed' });
    }
  });
});
