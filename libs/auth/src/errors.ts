import { HttpException, HttpStatus } from '@nestjs/common';

/*
 * The HTTP errors extend HttpException so that, even before the problem+json filter knows them, Nest answers
 * 401/403/503 and never 500. Their `message` is safe to show; `reason` is for logs only.
 */

const REALM = 'ismap-ledger';

export const AUTHENTICATION_ERROR_CODES = {
  /** No token on a route that needs one. */
  'AUTH.AUTHENTICATION_REQUIRED': 'A bearer token is required.',
  /** An Authorization header that is not `Bearer <token>`. */
  'AUTH.HEADER_MALFORMED': 'The Authorization header must be "Bearer <token>".',
  'AUTH.TOKEN_INVALID': 'The bearer token is invalid.',
  'AUTH.TOKEN_EXPIRED': 'The bearer token has expired.',
  'AUTH.TOKEN_NOT_YET_VALID': 'The bearer token is not valid yet.',
  'AUTH.TOKEN_REVOKED': 'The bearer token has been revoked.',
} as const;

export type AuthenticationErrorCode = keyof typeof AUTHENTICATION_ERROR_CODES;

/** → 401. Carries the RFC 6750 challenge for the `WWW-Authenticate` header. */
export class AuthenticationError extends HttpException {
  readonly wwwAuthenticate: string;

  constructor(
    readonly code: AuthenticationErrorCode,
    /** Why, in detail, for the log. Never put it in a response: it helps an attacker tune a forged token. */
    readonly reason: string = code,
    options?: { cause?: unknown },
  ) {
    const message = AUTHENTICATION_ERROR_CODES[code];
    super({ statusCode: HttpStatus.UNAUTHORIZED, code, message }, HttpStatus.UNAUTHORIZED, options);
    this.name = 'AuthenticationError';
    this.message = message;
    this.wwwAuthenticate =
      code === 'AUTH.AUTHENTICATION_REQUIRED'
        ? `Bearer realm="${REALM}"`
        : code === 'AUTH.HEADER_MALFORMED'
          ? `Bearer realm="${REALM}", error="invalid_request"`
          : `Bearer realm="${REALM}", error="invalid_token"`;
  }
}

/** → 403: authenticated, but no role the route allows. */
export class ForbiddenAccessError extends HttpException {
  readonly code = 'AUTH.FORBIDDEN';

  constructor(
    /** For the log (e.g. which roles the route wanted); never sent. */
    readonly reason: string = 'forbidden',
  ) {
    const message = 'You are not allowed to do this.';
    super({ statusCode: HttpStatus.FORBIDDEN, code: 'AUTH.FORBIDDEN', message }, HttpStatus.FORBIDDEN);
    this.name = 'ForbiddenAccessError';
    this.message = message;
  }
}

/** → 503: the keys (JWKS) or the revocation list could not be consulted; the token may well be fine. */
export class AuthUnavailableError extends HttpException {
  readonly code = 'AUTH.UNAVAILABLE';

  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    const message = 'Authentication is temporarily unavailable.';
    super(
      { statusCode: HttpStatus.SERVICE_UNAVAILABLE, code: 'AUTH.UNAVAILABLE', message },
      HttpStatus.SERVICE_UNAVAILABLE,
      options,
    );
    this.name = 'AuthUnavailableError';
    this.message = message;
  }
}

/** Bad auth options or an unreadable dev key: start-up must stop with this message. */
export class AuthConfigurationError extends Error {
  readonly code = 'AUTH.CONFIGURATION_INVALID';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuthConfigurationError';
  }
}

/** A dev-token request the CLI should refuse (unknown role, missing org, ...); the message is for the operator. */
export class DevTokenRequestError extends Error {
  readonly code = 'AUTH.DEV_TOKEN_REQUEST_INVALID';

  constructor(message: string) {
    super(message);
    this.name = 'DevTokenRequestError';
  }
}

/** Start-up refuses routes that do not say who may call them. */
export class UndeclaredRouteAccessError extends Error {
  readonly code = 'AUTH.ROUTE_ACCESS_UNDECLARED';

  constructor(readonly routes: readonly string[]) {
    super(
      'Every route must declare who may call it with @Access(...roles) or @Public() on the handler or its ' +
        `controller. Undeclared:\n${routes.map((route) => `  - ${route}`).join('\n')}`,
    );
    this.name = 'UndeclaredRouteAccessError';
  }
}

/**
 * → 404: an object the caller may not know exists. Code and text are those of an object that does not exist
 * (`APPLICATION.NOT_FOUND`, …), so the answer reveals nothing.
 */
export class HiddenObjectError extends HttpException {
  constructor(
    readonly code: string,
    message: string,
    /** For the log only: whether it exists and whose it is. */
    readonly reason: string,
  ) {
    super({ statusCode: HttpStatus.NOT_FOUND, code, message }, HttpStatus.NOT_FOUND);
    this.name = 'HiddenObjectError';
    this.message = message;
  }
}

/** Start-up refuses a route whose @Access/@Public and policy row (ROUTE_POLICIES) name different actors. */
export class PolicyMismatchError extends Error {
  readonly code = 'AUTH.POLICY_MISMATCH';

  constructor(readonly routes: readonly string[]) {
    super(
      'The actors of a route policy (libs/auth/src/policies/route-policies.ts) must be those its @Access/@Public ' +
        `allows. Mismatched:\n${routes.map((route) => `  - ${route}`).join('\n')}`,
    );
    this.name = 'PolicyMismatchError';
  }
}

/** → 400: a body claiming an identity (`actor`, `createdBy`, `org`); apps usually answer with their own shape. */
export class IdentityClaimError extends HttpException {
  readonly code = 'REQUEST.INVALID';

  constructor(readonly fields: readonly string[]) {
    const message = 'The request body is not valid';
    super({ statusCode: HttpStatus.BAD_REQUEST, code: 'REQUEST.INVALID', message }, HttpStatus.BAD_REQUEST);
    this.name = 'IdentityClaimError';
    this.message = message;
  }
}
