import { errors, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import { bearerTokenFrom, MAX_TOKEN_LENGTH } from './bearer-token';
import { principalFromClaims } from './claims';
import { AuthConfigurationError, AuthenticationError, AuthUnavailableError } from './errors';
import type { VerificationKeySource } from './key-source';
import { ANONYMOUS } from './principal';
import type { AuthenticatedPrincipal, Principal } from './principal';

/** The only algorithm accepted: pinning it defeats `none` and HS256-with-the-public-key forgeries. */
export const TOKEN_ALGORITHM = 'ES256';

/** ASVS asks for little skew; a minute absorbs ordinary clock drift between the issuer and us. */
export const MAX_CLOCK_TOLERANCE_SECONDS = 60;

/**
 * Consulted after a token proved itself. An implementation that cannot answer must throw (the verifier then
 * fails closed with AUTH.UNAVAILABLE), never return false.
 */
export interface RevocationList {
  isRevoked(principal: AuthenticatedPrincipal): Promise<boolean>;
}

/** A revocation list that can also be added to (POST /auth/revocations). */
export interface RevocationRegistry extends RevocationList {
  /**
   * Refuses the token `jti` until `until` (its `exp`; the verifier's clock tolerance is added). Answers false when
   * `until` is already past that tolerance, so nothing needed remembering.
   */
  revoke(jti: string, until: Date, note: RevocationNote): Promise<boolean>;
}

export interface RevocationNote {
  readonly revokedBy: string;
  readonly revokedAt: string;
  readonly reason: string;
}

export function isRevocationRegistry(list: RevocationList | undefined): list is RevocationRegistry {
  return typeof (list as Partial<RevocationRegistry> | undefined)?.revoke === 'function';
}

export interface TokenVerifierOptions {
  readonly issuer: string;
  readonly audience: string;
  /** Default and maximum: 60. */
  readonly clockToleranceSeconds?: number;
  readonly revocations?: RevocationList;
  /** For tests; the wall clock otherwise. */
  readonly now?: () => Date;
}

/** Verified tokens remembered, so a client's every request does not pay for an ECDSA verification. */
const CACHE_MAX_ENTRIES = 10_000;
/** A cached verification is redone at least this often, so a key withdrawn from the JWKS stops working soon. */
const CACHE_MAX_AGE_MS = 5 * 60_000;

interface CachedVerification {
  readonly principal: AuthenticatedPrincipal;
  readonly notBeforeMs: number;
  readonly cachedUntilMs: number;
}

export class TokenVerifier {
  private readonly clockTolerance: number;
  private readonly verified = new Map<string, CachedVerification>();

  constructor(
    readonly keys: VerificationKeySource,
    private readonly options: TokenVerifierOptions,
  ) {
    this.clockTolerance = options.clockToleranceSeconds ?? MAX_CLOCK_TOLERANCE_SECONDS;
    if (
      !Number.isInteger(this.clockTolerance) ||
      this.clockTolerance < 0 ||
      this.clockTolerance > MAX_CLOCK_TOLERANCE_SECONDS
    ) {
      throw new AuthConfigurationError(
        `clockToleranceSeconds must be a whole number from 0 to ${MAX_CLOCK_TOLERANCE_SECONDS}`,
      );
    }
    if (options.issuer.length === 0 || options.audience.length === 0) {
      throw new AuthConfigurationError('issuer and audience must not be empty');
    }
  }

  /** Anonymous without a header; otherwise the verified principal or an error (never anonymous). */
  async principalFromHeader(authorization: string | readonly string[] | undefined): Promise<Principal> {
    const token = bearerTokenFrom(authorization);
    return token === undefined ? ANONYMOUS : this.verify(token);
  }

  async verify(token: string): Promise<AuthenticatedPrincipal> {
    const principal = await this.verifySignatureAndClaims(token);
    await this.refuseRevoked(principal);
    return principal;
  }

  /**
   * Who a token names, when its signature and claims hold, without consulting the revocation list; undefined
   * otherwise. For bookkeeping before the guard runs (rate limits per caller), never for access decisions.
   */
  async identify(
    authorization: string | readonly string[] | undefined,
  ): Promise<AuthenticatedPrincipal | undefined> {
    try {
      const token = bearerTokenFrom(authorization);
      return token === undefined ? undefined : await this.verifySignatureAndClaims(token);
    } catch {
      return undefined;
    }
  }

  private async verifySignatureAndClaims(token: string): Promise<AuthenticatedPrincipal> {
    if (token.length > MAX_TOKEN_LENGTH)
      throw new AuthenticationError('AUTH.TOKEN_INVALID', 'token too long');
    const nowMs = (this.options.now?.() ?? new Date()).getTime();
    const cached = this.verified.get(token);
    if (cached !== undefined) {
      // The same string carries the same signature and claims: only time can have changed its verdict.
      if (nowMs < cached.cachedUntilMs && nowMs >= cached.notBeforeMs) return cached.principal;
      this.verified.delete(token);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header, jws) => this.keys.keyFor(header, jws), {
        algorithms: [TOKEN_ALGORITHM],
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: this.clockTolerance,
        requiredClaims: ['iss', 'aud', 'exp', 'sub', 'jti'],
        ...(this.options.now === undefined ? {} : { currentDate: this.options.now() }),
      }));
    } catch (error) {
      throw translate(error);
    }
    const principal = principalFromClaims(payload);
    this.remember(token, principal, payload, nowMs);
    return principal;
  }

  private remember(
    token: string,
    principal: AuthenticatedPrincipal,
    payload: JWTPayload,
    nowMs: number,
  ): void {
    const toleranceMs = this.clockTolerance * 1000;
    const expiresMs = (payload.exp ?? 0) * 1000 + toleranceMs;
    const notBeforeMs = payload.nbf === undefined ? 0 : payload.nbf * 1000 - toleranceMs;
    if (this.verified.size >= CACHE_MAX_ENTRIES) {
      const oldest = this.verified.keys().next();
      if (oldest.done !== true) this.verified.delete(oldest.value);
    }
    this.verified.set(token, {
      principal,
      notBeforeMs,
      cachedUntilMs: Math.min(expiresMs, nowMs + CACHE_MAX_AGE_MS),
    });
  }

  private async refuseRevoked(principal: AuthenticatedPrincipal): Promise<void> {
    const revocations = this.options.revocations;
    if (revocations === undefined) return;
    let revoked: boolean;
    try {
      revoked = await revocations.isRevoked(principal);
    } catch (error) {
      throw new AuthUnavailableError(`revocation list: ${String(error)}`, { cause: error });
    }
    if (revoked) throw new AuthenticationError('AUTH.TOKEN_REVOKED', `jti ${principal.jti} revoked`);
  }
}

function translate(error: unknown): Error {
  if (error instanceof AuthenticationError || error instanceof AuthUnavailableError) return error;
  if (error instanceof errors.JWTExpired) {
    return new AuthenticationError('AUTH.TOKEN_EXPIRED', `exp ${String(error.payload.exp)}`, {
      cause: error,
    });
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf' && error.reason === 'check_failed') {
      return new AuthenticationError('AUTH.TOKEN_NOT_YET_VALID', `nbf ${String(error.payload.nbf)}`, {
        cause: error,
      });
    }
    return new AuthenticationError('AUTH.TOKEN_INVALID', `claim ${error.claim} ${error.reason}`, {
      cause: error,
    });
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new AuthenticationError('AUTH.TOKEN_INVALID', 'alg not allowed', { cause: error });
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new AuthenticationError('AUTH.TOKEN_INVALID', 'signature', { cause: error });
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new AuthenticationError('AUTH.TOKEN_INVALID', 'no single matching key', { cause: error });
  }
  // Malformed compact form, bad JSON, unsupported header parameters, ...: all the token's doing. Failing
  // closed here is safe because key-source trouble arrives above as AuthUnavailableError.
  return new AuthenticationError(
    'AUTH.TOKEN_INVALID',
    error instanceof errors.JOSEError ? `${error.code}: ${error.message}` : `unexpected: ${String(error)}`,
    { cause: error },
  );
}
