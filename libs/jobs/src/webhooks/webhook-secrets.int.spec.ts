import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WEBHOOK_KEY_FILE, WebhookSecrets } from './webhook-secrets';

describe('webhook signing secrets', () => {
  const dirs: string[] = [];
  const freshDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'ismap-webhook-key-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('creates one key in DATA_DIR (0600) even when several processes start at once, and all derive alike', async () => {
    const dataDir = freshDir();
    const loaded = await Promise.all(Array.from({ length: 6 }, () => WebhookSecrets.load({ dataDir })));
    const secrets = new Set(loaded.map((s) => s.secretFor('w-1')));
    expect(secrets.size).toBe(1);
    expect(statSync(join(dataDir, 'keys', WEBHOOK_KEY_FILE)).mode & 0o777).toBe(0o600);
    const again = await WebhookSecrets.load({ dataDir });
    expect(again.secretFor('w-1')).toBe([...secrets][0]);
  });

  it('gives each endpoint its own secret, and another key other secrets', async () => {
    const a = await WebhookSecrets.load({ dataDir: freshDir() });
    const b = await WebhookSecrets.load({ dataDir: freshDir() });
    expect(a.secretFor('w-1')).toMatch(/^whsec_[0-9a-f]{64}$/);
    expect(a.secretFor('w-1')).not.toBe(a.secretFor('w-2'));
    expect(a.secretFor('w-1')).not.toBe(b.secretFor('w-1'));
  });

  it('uses WEBHOOK_SIGNING_KEY when set, and refuses a short one', async () => {
    const key = 'ab'.repeat(32);
    const one = await WebhookSecrets.load({ dataDir: freshDir(), signingKey: key });
    const two = await WebhookSecrets.load({ dataDir: freshDir(), signingKey: key });
    expect(one.secretFor('w-1')).toBe(two.secretFor('w-1'));
    await expect(WebhookSecrets.load({ dataDir: freshDir(), signingKey: 'abcd' })).rejects.toThrow(
      /32 bytes/,
    );
  });

  it('records a fingerprint that names the secret without revealing it', () => {
    const fingerprint = WebhookSecrets.fingerprintOf('whsec_abc');
    expect(fingerprint).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(fingerprint).toBe(WebhookSecrets.fingerprintOf('whsec_abc'));
    expect(fingerprint).not.toBe(WebhookSecrets.fingerprintOf('whsec_abd'));
  });
});
