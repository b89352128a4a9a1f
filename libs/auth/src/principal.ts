import type { Role } from './roles';

/** Who is calling, as proven by a verified bearer token. Its `sub`/`roles`/`org` are the event store's `Actor`. */
export interface AuthenticatedPrincipal {
  readonly anonymous: false;
  readonly sub: string;
  readonly roles: readonly Role[];
  /** Present only when one of `roles` is org-scoped, so a policy comparing `org` cannot be fooled by another role. */
  readonly org?: string;
  readonly jti: string;
  /** `exp` in seconds since the epoch: how long a revocation of this `jti` must be remembered. */
  readonly expiresAt: number;
}

/** A caller without a token: may use public routes only. */
export interface AnonymousPrincipal {
  readonly anonymous: true;
  readonly sub: 'anonymous';
  readonly roles: readonly [];
  readonly org?: undefined;
  readonly jti?: undefined;
}

export type Principal = AuthenticatedPrincipal | AnonymousPrincipal;

export const ANONYMOUS: AnonymousPrincipal = Object.freeze({
  anonymous: true,
  sub: 'anonymous',
  roles: Object.freeze([] as []),
});

/** The shape recorded as `metadata.actor`; token bookkeeping (`jti`, `expiresAt`) stays out of the log. */
export interface ActorOfPrincipal {
  readonly sub: string;
  readonly roles: readonly Role[];
  readonly org?: string;
}

export function actorOf(principal: AuthenticatedPrincipal): ActorOfPrincipal {
  return principal.org === undefined
    ? { sub: principal.sub, roles: principal.roles }
    : { sub: principal.sub, roles: principal.roles, org: principal.org };
}
