import { randomBytes } from 'node:crypto';
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';
import type { JWK, KeyLike } from 'jose';
import { readFileIfExists, readOrCreatePrivateFile, writeFileDurably } from '@ismap/config';
import { AuthConfigurationError } from './errors';

export const DEV_KEY_ALGORITHM = 'ES256';
/** The source of truth: the whole key pair as one private JWK, so it can be published atomically. */
export const DEV_PRIVATE_KEY_FILE = 'es256-private.jwk.json';
/** Derived from the private file on every start, for people and tools that want the public key. */
export const DEV_PUBLIC_JWKS_FILE = 'es256-public.jwks.json';

export interface DevKeyPair {
  /** RFC 7638 thumbprint of the public key. */
  readonly kid: string;
  readonly privateKey: KeyLike;
  readonly publicKey: KeyLike;
  /** With `kid`, `alg` and `use`: ready to serve in a JWKS. */
  readonly publicJwk: JWK;
  readonly privateKeyFile: string;
}

export function devKeysDirectory(dataDir: string): string {
  return join(dataDir, 'keys');
}

/** A new key pair as one private JWK (the candidate written when DATA_DIR has none yet). */
async function newPrivateJwk(): Promise<string> {
  const { privateKey } = await generateKeyPair(DEV_KEY_ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return `${JSON.stringify({ ...jwk, alg: DEV_KEY_ALGORITHM, use: 'sig' }, null, 2)}\n`;
}

/**
 * The dev signing key pair of DATA_DIR, generated on first use. The API (verifying) and the CLI (signing) may start
 * at the same moment: each writes a complete candidate to a private temp file and hard-links it into place, which
 * fails if the name exists, so exactly one candidate wins and everyone reads the winner. Readers never see a
 * half-written file because the name appears only when the content is complete.
 */
export async function loadOrCreateDevKeyPair(dataDir: string): Promise<DevKeyPair> {
  const directory = devKeysDirectory(dataDir);
  const file = join(directory, DEV_PRIVATE_KEY_FILE);
  try {
    const stored = await readOrCreatePrivateFile(file, newPrivateJwk);
    const pair = await parseKeyPair(stored, file);
    await writePublicJwks(directory, pair.publicJwk);
    return pair;
  } catch (error) {
    if (error instanceof AuthConfigurationError) throw error;
    throw new AuthConfigurationError(
      `Cannot load or create the dev signing key in ${directory}: ${String(error)}`,
      {
        cause: error,
      },
    );
  }
}

async function parseKeyPair(stored: string, file: string): Promise<DevKeyPair> {
  let jwk: unknown;
  try {
    jwk = JSON.parse(stored);
  } catch {
    throw new AuthConfigurationError(`${file} is not JSON; delete it to generate a new dev key pair`);
  }
  if (!isEcPrivateJwk(jwk)) {
    throw new AuthConfigurationError(
      `${file} is not a P-256 private JWK; delete it to generate a new dev key pair`,
    );
  }
  const publicPart: JWK = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
  const kid = await calculateJwkThumbprint(publicPart);
  const privateKey = await importJWK({ ...publicPart, d: jwk.d }, DEV_KEY_ALGORITHM);
  const publicKey = await importJWK(publicPart, DEV_KEY_ALGORITHM);
  if (privateKey instanceof Uint8Array || publicKey instanceof Uint8Array) {
    throw new AuthConfigurationError(`${file} holds a symmetric key`);
  }
  return {
    kid,
    privateKey,
    publicKey,
    publicJwk: Object.freeze({ ...publicPart, kid, alg: DEV_KEY_ALGORITHM, use: 'sig' }),
    privateKeyFile: file,
  };
}

function isEcPrivateJwk(
  value: unknown,
): value is { kty: 'EC'; crv: 'P-256'; x: string; y: string; d: string } {
  if (typeof value !== 'object' || value === null) return false;
  const jwk = value as Record<string, unknown>;
  return (
    jwk['kty'] === 'EC' &&
    jwk['crv'] === 'P-256' &&
    typeof jwk['x'] === 'string' &&
    typeof jwk['y'] === 'string' &&
    typeof jwk['d'] === 'string'
  );
}

async function writePublicJwks(directory: string, publicJwk: JWK): Promise<void> {
  const file = join(directory, DEV_PUBLIC_JWKS_FILE);
  const content = `${JSON.stringify({ keys: [publicJwk] }, null, 2)}\n`;
  if ((await readFileIfExists(file)) === content) return;
  // Every writer derives the same content from the winning private key, so last-rename-wins is harmless.
  const temp = join(
    directory,
    `.${DEV_PUBLIC_JWKS_FILE}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`,
  );
  try {
    await writeFileDurably(temp, content, 0o644);
    await rename(temp, file);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}
