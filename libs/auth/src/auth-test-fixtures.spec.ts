// Shared by this library's specs. The `.spec.ts` suffix keeps it out of the build; jest only runs
// `*.unit|int|e2e.spec.ts`, so it is not a suite of its own.
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { JWK, JWTHeaderParameters, JWTPayload, KeyLike } from 'jose';
import { AuthenticationError } from './errors';
import type { AuthenticationErrorCode } from './errors';
import type { VerificationKeySource } from './key-source';

export const ISSUER = 'https://issuer.test/ismap';
export const AUDIENCE = 'ismap-ledger';
export const NOW = new Date('2025-04-01T03:00:00Z');
export const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

export interface TestKeys {
  readonly privateKey: KeyLike;
  readonly publicKey: KeyLike;
  readonly publicJwk: JWK;
  readonly source: VerificationKeySource;
}

export async function inMemoryKeys(kid = 'test-key'): Promise<TestKeys> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return {
    privateKey,
    publicKey,
    publicJwk,
    source: { description: 'in-memory test key', keyFor: () => Promise.resolve(publicKey) },
  };
}

/** Valid claims for a secretariat user at NOW; `undefined` in overrides removes a claim. */
export function claims(overrides: Record<string, unknown> = {}): JWTPayload {
  const base: Record<string, unknown> = {
    sub: 'alice',
    roles: ['secretariat'],
    jti: 'jti-0001',
    iss: ISSUER,
    aud: AUDIENCE,
    iat: NOW_SECONDS,
    nbf: NOW_SECONDS,
    exp: NOW_SECONDS + 3600,
  };
  const merged: Record<string, unknown> = { ...base, ...overrides };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  return merged;
}

export function sign(
  key: KeyLike | Uint8Array,
  payload: JWTPayload,
  header: JWTHeaderParameters = { alg: 'ES256', typ: 'JWT' },
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader(header).sign(key);
}

export async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, got a result');
}

/** Asserts the code and, where given, the logged reason, so a test cannot pass for the wrong reason. */
export async function expectAuthenticationError(
  promise: Promise<unknown>,
  code: AuthenticationErrorCode,
  reason?: RegExp,
): Promise<AuthenticationError> {
  const error = await failureOf(promise);
  expect(error).toBeInstanceOf(AuthenticationError);
  const authError = error as AuthenticationError;
  expect(authError.code).toBe(code);
  if (reason !== undefined) expect(authError.reason).toMatch(reason);
  return authError;
}
