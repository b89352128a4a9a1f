import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SealStatement } from './seal';
import { parseSignedSeal, signSeal, verifySealSignature } from './seal';
import { DEV_SEAL_KEY_FILE, loadSealKeyPair, publicSealKeyFromPem, SealKeyError } from './seal-keys';

const statement = (keyId: string): SealStatement => ({
  version: 1,
  position: '1234',
  eventCount: 1200,
  root: 'ab'.repeat(32),
  previous: { position: '900', eventCount: 880, root: 'cd'.repeat(32) },
  sealedAt: '2026-11-22T15:30:00.000Z',
  keyId,
});

describe('seal keys and signatures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ismap-seal-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates one dev key, mode 0600, even when several loaders race', async () => {
    const dataDir = join(dir, 'race');
    const pairs = await Promise.all(
      Array.from({ length: 8 }, () => loadSealKeyPair({ dataDir, allowGenerate: true })),
    );
    expect(new Set(pairs.map((pair) => pair.keyId)).size).toBe(1);
    expect(pairs[0]!.keyId).toMatch(/^ed25519:[0-9a-f]{64}$/);
    expect(statSync(join(dataDir, 'keys', DEV_SEAL_KEY_FILE)).mode & 0o777).toBe(0o600);
    const again = await loadSealKeyPair({ dataDir, allowGenerate: true });
    expect(again.keyId).toBe(pairs[0]!.keyId);
  });

  it('reads a configured key file, and never generates one where that is not allowed (production)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const file = join(dir, 'configured.pem');
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const pair = await loadSealKeyPair({ keyFile: file, dataDir: dir, allowGenerate: false });
    expect(pair.keyId).toBe(
      publicSealKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()).keyId,
    );
    await expect(loadSealKeyPair({ dataDir: join(dir, 'prod'), allowGenerate: false })).rejects.toThrow(
      SealKeyError,
    );
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    writeFileSync(join(dir, 'ec.pem'), ec.export({ type: 'pkcs8', format: 'pem' }));
    await expect(
      loadSealKeyPair({ keyFile: join(dir, 'ec.pem'), dataDir: dir, allowGenerate: false }),
    ).rejects.toThrow(/not an Ed25519 key/);
  });

  it('verifies a genuine seal and refuses every forgery', async () => {
    const pair = await loadSealKeyPair({ dataDir: join(dir, 'sign'), allowGenerate: true });
    const seal = signSeal(statement(pair.keyId), pair.privateKey);
    expect(verifySealSignature(seal, pair.publicKey.key)).toBe(true);
    // Any field of the statement changed: the signature no longer holds.
    const forgeries = [
      { ...seal, root: 'ef'.repeat(32) },
      { ...seal, eventCount: 1199 },
      { ...seal, position: '1235' },
      { ...seal, previous: null },
      { ...seal, sealedAt: '2026-11-23T15:30:00.000Z' },
    ];
    for (const forged of forgeries) expect(verifySealSignature(forged, pair.publicKey.key)).toBe(false);
    // A signature with one bit flipped, and a genuine statement signed by another key.
    const bytes = Buffer.from(seal.signature, 'base64url');
    bytes[10] = bytes[10]! ^ 0x01;
    expect(verifySealSignature({ ...seal, signature: bytes.toString('base64url') }, pair.publicKey.key)).toBe(
      false,
    );
    const other = generateKeyPairSync('ed25519');
    expect(verifySealSignature(signSeal(statement(pair.keyId), other.privateKey), pair.publicKey.key)).toBe(
      false,
    );
    expect(verifySealSignature({ ...seal, signature: 'not base64' }, pair.publicKey.key)).toBe(false);
  });

  it('reads a seal back from untrusted JSON only when it is well-formed', async () => {
    const pair = await loadSealKeyPair({ dataDir: join(dir, 'parse'), allowGenerate: true });
    const seal = signSeal(statement(pair.keyId), pair.privateKey);
    expect(parseSignedSeal(JSON.parse(JSON.stringify(seal)))).toEqual(seal);
    expect(parseSignedSeal({ ...seal, eventCount: '1200' })).toBeUndefined();
    expect(parseSignedSeal({ ...seal, algorithm: 'RS256' })).toBeUndefined();
    expect(parseSignedSeal(null)).toBeUndefined();
  });
});
