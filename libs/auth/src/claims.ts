import type { JWTPayload } from 'jose';
import { AuthenticationError } from './errors';
import type { AuthenticatedPrincipal } from './principal';
import { isOrgScopedRole, isRole, ROLES } from './roles';
import type { Role } from './roles';

/** Claim names carrying our authorisation data; an OIDC issuer must map its groups onto these. */
export const ROLES_CLAIM = 'roles';
export const ORG_CLAIM = 'org';

const MAX_IDENTIFIER_LENGTH = 256;

/**
 * Why an identifier (`sub`, `org`, `jti`) is unacceptable, or undefined when it is fine. They end up in event
 * metadata, logs and policy comparisons, so control characters and unbounded lengths are refused.
 */
export function identifierProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'is not a string';
  if (value.length === 0) return 'is empty';
  if (value.length > MAX_IDENTIFIER_LENGTH) return `is longer than ${MAX_IDENTIFIER_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value)) return 'contains control characters';
  if (value.trim() !== value) return 'has surrounding white space';
  return undefined;
}

function invalid(reason: string): AuthenticationError {
  return new AuthenticationError('AUTH.TOKEN_INVALID', reason);
}

/**
 * Turns the claims of a token whose signature, `exp`, `nbf`, `iss` and `aud` were already checked into a
 * principal, refusing anything our policies could misread.
 */
export function principalFromClaims(payload: JWTPayload): AuthenticatedPrincipal {
  const subProblem = identifierProblem(payload.sub);
  if (subProblem !== undefined) throw invalid(`sub ${subProblem}`);
  const jtiProblem = identifierProblem(payload.jti);
  if (jtiProblem !== undefined) throw invalid(`jti ${jtiProblem}`);
  if (typeof payload.exp !== 'number') throw invalid('exp missing');

  const claimed: unknown = payload[ROLES_CLAIM];
  if (!Array.isArray(claimed) || claimed.length === 0)
    throw invalid(`${ROLES_CLAIM} is not a non-empty array`);
  const roles: Role[] = [];
  for (const role of claimed as unknown[]) {
    if (!isRole(role)) throw invalid(`unknown role ${JSON.stringify(role)}; known: ${ROLES.join(', ')}`);
    if (!roles.includes(role)) roles.push(role);
  }

  const orgScoped = roles.filter(isOrgScopedRole);
  // One `org` cannot name both a provider and an audit body.
  if (orgScoped.length > 1) throw invalid(`more than one org-scoped role: ${orgScoped.join(', ')}`);
  const base = {
    anonymous: false as const,
    sub: payload.sub as string,
    roles: Object.freeze(roles),
    jti: payload.jti as string,
    expiresAt: payload.exp,
  };
  if (orgScoped.length === 0) return Object.freeze(base);

  const orgProblem = identifierProblem(payload[ORG_CLAIM]);
  if (orgProblem !== undefined)
    throw invalid(`${ORG_CLAIM} ${orgProblem} (required for ${orgScoped.join(', ')})`);
  return Object.freeze({ ...base, org: payload[ORG_CLAIM] as string });
}
