import { createRemoteJWKSet, errors } from 'jose';
import type { FlattenedJWSInput, JWTHeaderParameters, KeyLike } from 'jose';
import { AuthConfigurationError, AuthUnavailableError } from './errors';
import type { VerificationKeySource } from './key-source';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The JWKS URL as a URL, refusing plain http except on the loopback interface: keys fetched over an unprotected
 * network could be swapped for an attacker's.
 */
export function jwksUrlFrom(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AuthConfigurationError(`The JWKS URL ${JSON.stringify(value)} is not a valid URL`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return url;
  throw new AuthConfigurationError(
    `The JWKS URL must use https (plain http only on localhost/127.0.0.1/[::1]); got ${url.protocol}//${url.host}`,
  );
}

/** Production: the OIDC issuer's published keys, cached and refetched by jose when an unknown `kid` appears. */
export class JwksKeySource implements VerificationKeySource {
  readonly description: string;
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(jwksUrl: string, options: { readonly timeoutMs?: number } = {}) {
    const url = jwksUrlFrom(jwksUrl);
    this.description = `JWKS ${url.href}`;
    this.jwks = createRemoteJWKSet(url, { timeoutDuration: options.timeoutMs ?? 5000 });
  }

  async keyFor(protectedHeader: JWTHeaderParameters, token: FlattenedJWSInput): Promise<KeyLike> {
    try {
      return await this.jwks(protectedHeader, token);
    } catch (error) {
      // No key for this token's kid/alg: the token's fault. Anything else (unreachable, not 200, not a JWKS):
      // ours, and a 401 would wrongly tell a legitimate caller to throw its token away.
      if (
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys ||
        error instanceof errors.JOSENotSupported
      ) {
        throw error;
      }
      throw new AuthUnavailableError(`${this.description} unusable: ${String(error)}`, { cause: error });
    }
  }
}
