import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';
import type { JWK, KeyLike } from 'jose';
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
    await mkdir(directory, { recursive: true, mode: 0o700 });
    let stored = await readIfExists(file);
    if (stored === undefined) {
      await publishCandidate(directory, file);
      stored = await readFile(file, 'utf8');
    }
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

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

async function publishCandidate(directory: string, file: string): Promise<void> {
  const { privateKey } = await generateKeyPair(DEV_KEY_ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const content = `${JSON.stringify({ ...jwk, alg: DEV_KEY_ALGORITHM, use: 'sig' }, null, 2)}\n`;
  const temp = join(
    directory,
    `.${DEV_PRIVATE_KEY_FILE}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`,
  );
  try {
    await writeDurably(temp, content, 0o600);
    try {
      await link(temp, file);
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  await syncDirectory(directory);
}

async function writeDurably(file: string, content: string, mode: number): Promise<void> {
  const handle = await open(file, 'wx', mode);
  try {
    // The umask could only have narrowed `mode`; make it exact so the check people do (`ls -l`) is predictable.
    await handle.chmod(mode);
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDirectory(directory: string): Promise<void> {
  // Best effort: makes the new name survive a power loss where the platform supports it.
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* not supported (e.g. Windows); the key would merely be regenerated */
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
  if ((await readIfExists(file)) === content) return;
  // Every writer derives the same content from the winning private key, so last-rename-wins is harmless.
  const temp = join(
    directory,
    `.${DEV_PUBLIC_JWKS_FILE}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`,
  );
  try {
    await writeDurably(temp, content, 0o644);
    await rename(temp, file);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}
