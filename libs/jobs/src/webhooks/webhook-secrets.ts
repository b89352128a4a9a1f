import { createHash, createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readOrCreatePrivateFile } from '@ismap/config';

export const WEBHOOK_KEY_FILE = 'webhook-signing.key';

/**
 * The signing secret of an endpoint is HMAC-SHA256(server key, webhookId): nothing secret is ever stored per
 * endpoint, neither in the event log (exported as evidence) nor in Redis, yet the API (which shows the secret once)
 * and every worker (which signs) compute the same one. The event log keeps only a fingerprint, so a receiver and an
 * auditor can tell which secret an endpoint was given. Changing the server key changes every secret
 * (docs/adr/0008-webhooks.md).
 */
export class WebhookSecrets {
  private constructor(private readonly key: Buffer) {}

  /** From WEBHOOK_SIGNING_KEY when set, else from (or newly into) DATA_DIR/keys/webhook-signing.key. */
  static async load(options: {
    readonly dataDir: string;
    readonly signingKey?: string;
  }): Promise<WebhookSecrets> {
    if (options.signingKey !== undefined) return new WebhookSecrets(decodeKey(options.signingKey));
    return new WebhookSecrets(await loadOrCreateKeyFile(join(options.dataDir, 'keys')));
  }

  static fromKey(key: Buffer): WebhookSecrets {
    if (key.length < 32) throw new Error('a webhook signing key has at least 32 bytes');
    return new WebhookSecrets(Buffer.from(key));
  }

  secretFor(webhookId: string): string {
    return `whsec_${createHmac('sha256', this.key).update(`webhook-secret:${webhookId}`, 'utf8').digest('hex')}`;
  }

  static fingerprintOf(secret: string): string {
    return `sha256:${createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 16)}`;
  }
}

function decodeKey(value: string): Buffer {
  const key = /^[0-9a-fA-F]+$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length < 32) throw new Error('WEBHOOK_SIGNING_KEY must be at least 32 bytes');
  return key;
}

/** The API and a worker may start at the same moment on a fresh DATA_DIR: one key wins (readOrCreatePrivateFile). */
async function loadOrCreateKeyFile(directory: string): Promise<Buffer> {
  const file = join(directory, WEBHOOK_KEY_FILE);
  const stored = await readOrCreatePrivateFile(file, () => `${randomBytes(32).toString('hex')}\n`);
  const hex = stored.trim();
  if (!/^[0-9a-f]{64,}$/.test(hex)) {
    throw new Error(
      `${file} is not a hex key; restore it from backup (deleting it changes every webhook secret)`,
    );
  }
  return Buffer.from(hex, 'hex');
}
