import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readOrCreatePrivateFile } from '@ismap/config';

/** The service's Ed25519 seal key: signs seals; its public half (and key id) lets anyone check them. */
export interface SealKeyPair {
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: SealPublicKey;
}

export interface SealPublicKey {
  readonly keyId: string;
  readonly algorithm: 'Ed25519';
  /** SubjectPublicKeyInfo, PEM: what a bundle carries and what `openssl pkey -pubin` reads. */
  readonly pem: string;
  readonly key: KeyObject;
}

export class SealKeyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SealKeyError';
  }
}

/** File name of the dev seal key in DATA_DIR/keys (PKCS#8 PEM, mode 0600). */
export const DEV_SEAL_KEY_FILE = 'seal-ed25519-private.pem';

/** Key id: SHA-256 over the DER SubjectPublicKeyInfo, hex; short enough to print on a report, long enough to pin. */
export function sealKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `ed25519:${createHash('sha256').update(der).digest('hex')}`;
}

export function publicSealKeyFromPem(pem: string): SealPublicKey {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new SealKeyError('the public seal key is not a PEM public key', { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new SealKeyError('the public seal key is not an Ed25519 key');
  return {
    keyId: sealKeyId(key),
    algorithm: 'Ed25519',
    pem: key.export({ type: 'spki', format: 'pem' }).toString(),
    key,
  };
}

function pairFromPrivatePem(pem: string, source: string): SealKeyPair {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    throw new SealKeyError(`${source} is not a PEM private key`, { cause: error });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new SealKeyError(`${source} is not an Ed25519 key`);
  const publicKey = publicSealKeyFromPem(
    createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
  );
  return { keyId: publicKey.keyId, privateKey, publicKey };
}

export interface SealKeySource {
  /** Production: a PKCS#8 PEM file provisioned by the operator (SEAL_KEY_FILE). */
  readonly keyFile?: string;
  /** Dev: DATA_DIR, where a key is generated on first use. */
  readonly dataDir: string;
  /** Production never generates a key: a seal signed by a throw-away key would witness nothing. */
  readonly allowGenerate: boolean;
}

/** The configured key, or in dev the key of DATA_DIR/keys, created once even when several processes race. */
export async function loadSealKeyPair(source: SealKeySource): Promise<SealKeyPair> {
  if (source.keyFile !== undefined) {
    let pem: string;
    try {
      pem = await readFile(source.keyFile, 'utf8');
    } catch (error) {
      throw new SealKeyError(`cannot read the seal key file ${source.keyFile}`, { cause: error });
    }
    return pairFromPrivatePem(pem, source.keyFile);
  }
  if (!source.allowGenerate) {
    throw new SealKeyError('no seal key configured: set SEAL_KEY_FILE to an Ed25519 PKCS#8 PEM file');
  }
  const directory = join(source.dataDir, 'keys');
  const file = join(directory, DEV_SEAL_KEY_FILE);
  let pem: string;
  try {
    pem = await readOrCreatePrivateFile(file, () =>
      generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    );
  } catch (error) {
    throw new SealKeyError(`cannot load or create the dev seal key in ${directory}`, { cause: error });
  }
  return pairFromPrivatePem(pem, file);
}
