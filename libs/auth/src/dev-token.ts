import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { identifierProblem, ORG_CLAIM, ROLES_CLAIM } from './claims';
import { DEV_KEY_ALGORITHM, loadOrCreateDevKeyPair } from './dev-keys';
import { DevTokenRequestError } from './errors';
import { isOrgScopedRole, isRole, ORG_SCOPED_ROLES, ROLES } from './roles';

export interface DevTokenRequest {
  /** Unchecked operator input; refused unless it is one of ROLES. */
  readonly role: string;
  /** providerId for `csp`, auditBodyId for `audit-body`; refused for other roles. */
  readonly org?: string;
  /** Default `dev-<role>`. */
  readonly sub?: string;
  /** Default 8 hours (a working day). */
  readonly ttlSeconds?: number;
}

export interface DevTokenContext {
  readonly dataDir: string;
  readonly issuer: string;
  readonly audience: string;
  /** For tests; the wall clock otherwise. */
  readonly now?: Date;
}

export const DEFAULT_DEV_TOKEN_TTL_SECONDS = 8 * 60 * 60;
export const MAX_DEV_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;

/** A bearer token signed with DATA_DIR's dev key (created if missing), as the API in dev mode accepts it. */
export async function issueDevToken(request: DevTokenRequest, context: DevTokenContext): Promise<string> {
  const { role, org } = request;
  if (!isRole(role)) {
    throw new DevTokenRequestError(`Unknown role ${JSON.stringify(role)}. Known roles: ${ROLES.join(', ')}`);
  }
  if (isOrgScopedRole(role)) {
    if (org === undefined) {
      const what = role === 'csp' ? 'its providerId' : 'its auditBodyId';
      throw new DevTokenRequestError(`Role ${role} needs an org (${what})`);
    }
    const orgProblem = identifierProblem(org);
    if (orgProblem !== undefined) throw new DevTokenRequestError(`org ${orgProblem}`);
  } else if (org !== undefined) {
    throw new DevTokenRequestError(
      `Only ${ORG_SCOPED_ROLES.join(' and ')} tokens carry an org; ${role} does not`,
    );
  }
  const sub = request.sub ?? `dev-${role}`;
  const subProblem = identifierProblem(sub);
  if (subProblem !== undefined) throw new DevTokenRequestError(`sub ${subProblem}`);
  const ttl = request.ttlSeconds ?? DEFAULT_DEV_TOKEN_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_DEV_TOKEN_TTL_SECONDS) {
    throw new DevTokenRequestError(
      `ttlSeconds must be a whole number from 1 to ${MAX_DEV_TOKEN_TTL_SECONDS}`,
    );
  }

  const keyPair = await loadOrCreateDevKeyPair(context.dataDir);
  const issuedAt = Math.floor((context.now ?? new Date()).getTime() / 1000);
  return new SignJWT({ [ROLES_CLAIM]: [role], ...(org === undefined ? {} : { [ORG_CLAIM]: org }) })
    .setProtectedHeader({ alg: DEV_KEY_ALGORITHM, typ: 'JWT', kid: keyPair.kid })
    .setSubject(sub)
    .setIssuer(context.issuer)
    .setAudience(context.audience)
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(issuedAt + ttl)
    .sign(keyPair.privateKey);
}
