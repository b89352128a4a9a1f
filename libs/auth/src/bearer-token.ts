import { AuthenticationError } from './errors';

/** Far above any token we issue; stops an oversized header from reaching the crypto. */
export const MAX_TOKEN_LENGTH = 8192;

// RFC 6750 §2.1 b64token; the scheme is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * The token in an `Authorization` header; undefined when there is no header (an anonymous caller). Any other
 * scheme or shape is an error, not anonymity: a client that tried to authenticate must hear that it failed.
 */
export function bearerTokenFrom(header: string | readonly string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string')
    throw new AuthenticationError('AUTH.HEADER_MALFORMED', 'several Authorization headers');
  const match = BEARER.exec(header.trim());
  if (match?.[1] === undefined)
    throw new AuthenticationError('AUTH.HEADER_MALFORMED', 'not "Bearer <token>"');
  if (match[1].length > MAX_TOKEN_LENGTH)
    throw new AuthenticationError('AUTH.TOKEN_INVALID', 'token too long');
  return match[1];
}
