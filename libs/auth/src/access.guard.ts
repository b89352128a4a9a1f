import { createParamDecorator, Inject, Injectable } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { accessRuleOf, decideAccess } from './access';
import { AuthenticationError, ForbiddenAccessError } from './errors';
import type { Principal } from './principal';
import { TokenVerifier } from './token-verifier';

/** What the guard needs of a request; Fastify's and Express's both fit, so neither is imported. */
export interface AuthenticatableRequest {
  readonly headers: { readonly authorization?: string | readonly string[] | undefined };
  principal?: Principal;
}

/**
 * The global guard (AuthModule registers it as APP_GUARD). Verifies any bearer token, even on public routes, so a
 * client never mistakes a rejected token for success; then applies the route's declaration.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
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
    if (decision.allowed) return true;
    if (decision.failure === 'unauthenticated') {
      throw new AuthenticationError('AUTH.AUTHENTICATION_REQUIRED', `${route}: ${decision.reason}`);
    }
    throw new ForbiddenAccessError(`${route}: ${decision.reason}`);
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

/** Handler parameter: the caller, anonymous or authenticated. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal =>
  principalOf(context.switchToHttp().getRequest<object>()),
);
