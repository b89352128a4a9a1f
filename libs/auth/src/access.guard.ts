import { createParamDecorator, Inject, Injectable } from '@nestjs/common';
import type { CanActivate, ExecutionContext, Type } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { accessRuleOf, decideAccess } from './access';
import { AuthenticationError, ForbiddenAccessError, HiddenObjectError, IdentityClaimError } from './errors';
import { NOT_FOUND_OF, POLICY_FACTS } from './policies/facts';
import type { PolicyFacts } from './policies/facts';
import { IDENTITY_CLAIM_REFUSAL, identityFieldsIn } from './policies/identity-claims';
import type { IdentityClaimRefusal } from './policies/identity-claims';
import { evaluatePolicy } from './policies/policy';
import type { RoutePolicy } from './policies/policy';
import { ROUTE_POLICIES } from './policies/route-policies';
import type { Principal } from './principal';
import { routeKeysOfHandler } from './route-access';
import { TokenVerifier } from './token-verifier';

/** What the guard needs of a request; Fastify's and Express's both fit, so neither is imported. */
export interface AuthenticatableRequest {
  readonly headers: { readonly authorization?: string | readonly string[] | undefined };
  readonly params?: unknown;
  readonly body?: unknown;
  principal?: Principal;
  authorization?: Authorization;
}

/** What the route's policy granted this request; handlers read it instead of deciding again. */
export interface Authorization {
  /** `METHOD /path` of the policy row applied, or null for a route without one (its @Access alone). */
  readonly route: string | null;
  /** Field-level routes: the audience whose serializer must answer (e.g. `public`, `privileged`). */
  readonly audience: string | undefined;
  /** List routes: the items the caller may see, in their order. Identity on other routes. */
  visible<T>(items: readonly T[]): Promise<T[]>;
}

const UNRESTRICTED: Authorization = {
  route: null,
  audience: undefined,
  visible: <T>(items: readonly T[]) => Promise.resolve([...items]),
};

/**
 * The global guard (AuthModule registers it as APP_GUARD). Verifies any bearer token, even on public routes, so a
 * client never mistakes a rejected token for success; then applies the route's declaration.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly policies = new WeakMap<object, { key: string; policy: RoutePolicy } | null>();
  private facts: PolicyFacts | undefined;

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const route = `${context.getClass().name}.${context.getHandler().name}`;
    // Fail closed: the start-up check covers HTTP controllers only.
    if (context.getType() !== 'http') throw new ForbiddenAccessError(`${route}: not an HTTP route`);
    const rule = accessRuleOf(this.reflector, context.getHandler(), context.getClass());
    if (rule === undefined) throw new ForbiddenAccessError(`${route} declares no access`);

    const request = context.switchToHttp().getRequest<AuthenticatableRequest>();
    const principal = await this.verifier.principalFromHeader(request.headers.authorization);
    request.principal = principal;

    const decision = decideAccess(rule, principal);
    if (!decision.allowed) {
      if (decision.failure === 'unauthenticated') {
        throw new AuthenticationError('AUTH.AUTHENTICATION_REQUIRED', `${route}: ${decision.reason}`);
      }
      throw new ForbiddenAccessError(`${route}: ${decision.reason}`);
    }

    const claimed = identityFieldsIn(request.body);
    if (claimed.length > 0) throw this.identityClaimRefusal()(claimed);

    const row = this.policyOf(context.getClass(), context.getHandler());
    if (row === null) {
      request.authorization = UNRESTRICTED;
      return true;
    }
    const params =
      typeof request.params === 'object' && request.params !== null
        ? (request.params as Readonly<Record<string, unknown>>)
        : {};
    const verdict = await evaluatePolicy(row.policy, principal, params, () => this.policyFacts());
    if (verdict.allowed) {
      request.authorization = { route: row.key, audience: verdict.audience, visible: verdict.visible };
      return true;
    }
    switch (verdict.failure) {
      case 'unauthenticated':
        throw new AuthenticationError('AUTH.AUTHENTICATION_REQUIRED', `${row.key}: ${verdict.reason}`);
      case 'forbidden':
        throw new ForbiddenAccessError(`${row.key}: ${verdict.reason}`);
      case 'hidden': {
        const { code, message } = NOT_FOUND_OF[verdict.resource];
        throw new HiddenObjectError(code, message, `${row.key}: ${verdict.reason}`);
      }
    }
  }

  /** The ROUTE_POLICIES row of a handler, looked up once. */
  private policyOf(controller: Type, handler: object): { key: string; policy: RoutePolicy } | null {
    let row = this.policies.get(handler);
    if (row === undefined) {
      const key = routeKeysOfHandler(controller, handler).find((candidate) =>
        Object.hasOwn(ROUTE_POLICIES, candidate),
      );
      const policy = key === undefined ? undefined : ROUTE_POLICIES[key];
      row = key === undefined || policy === undefined ? null : { key, policy };
      this.policies.set(handler, row);
    }
    return row;
  }

  /** The app's answer to a body claiming an identity, if it provides one. */
  private identityClaimRefusal(): IdentityClaimRefusal {
    try {
      return this.moduleRef.get<IdentityClaimRefusal>(IDENTITY_CLAIM_REFUSAL, { strict: false });
    } catch {
      return (fields) => new IdentityClaimError(fields);
    }
  }

  /** Resolved on first use: only routes with object rules need it, and the app module provides it. */
  private policyFacts(): PolicyFacts {
    this.facts ??= this.moduleRef.get<PolicyFacts>(POLICY_FACTS, { strict: false });
    return this.facts;
  }
}

/** The principal AccessGuard attached; throws if the guard did not run, rather than guessing "anonymous". */
export function principalOf(request: object): Principal {
  const principal = (request as AuthenticatableRequest).principal;
  if (principal === undefined) {
    throw new Error('No principal on the request: AccessGuard did not run (is AuthModule imported?)');
  }
  return principal;
}

/** What AccessGuard granted this request (see `Authorization`); throws if the guard did not run. */
export function authorizationOf(request: object): Authorization {
  const authorization = (request as AuthenticatableRequest).authorization;
  if (authorization === undefined) {
    throw new Error('No authorization on the request: AccessGuard did not run (is AuthModule imported?)');
  }
  return authorization;
}

/** Handler parameter: the caller, anonymous or authenticated. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal =>
  principalOf(context.switchToHttp().getRequest<object>()),
);
