import type { Reflector } from '@nestjs/core';
import type { Principal } from './principal';
import { isRole, ROLES } from './roles';
import type { Role } from './roles';

/**
 * Who may call a route, as data so it can be listed, tested and later extended with object-level policies.
 * One metadata key holds it: a handler cannot be both public and role-restricted by accident.
 */
export type AccessRule =
  { readonly kind: 'public' } | { readonly kind: 'roles'; readonly roles: readonly Role[] };

export const ACCESS_METADATA = 'ismap:auth:access';

export type AccessDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly failure: 'unauthenticated' | 'forbidden'; readonly reason: string };

export function decideAccess(rule: AccessRule, principal: Principal): AccessDecision {
  switch (rule.kind) {
    case 'public':
      return { allowed: true };
    case 'roles':
      if (principal.anonymous) return { allowed: false, failure: 'unauthenticated', reason: 'no token' };
      if (principal.roles.some((role) => rule.roles.includes(role))) return { allowed: true };
      return {
        allowed: false,
        failure: 'forbidden',
        reason: `roles ${principal.roles.join(',')} not in ${rule.roles.join(',')}`,
      };
  }
}

/** A class or function carrying metadata, in the terms Reflector accepts. */
type MetadataTarget = Parameters<Reflector['get']>[1];

/** Handler declaration first, so one handler can narrow or widen what its controller declares. */
export function accessRuleOf(
  reflector: Reflector,
  handler: MetadataTarget,
  controller: MetadataTarget,
): AccessRule | undefined {
  return reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_METADATA, [handler, controller]);
}

type AccessDecorator = ClassDecorator & MethodDecorator;

function declare(rule: AccessRule, decoratorName: string): AccessDecorator {
  const decorator = (
    target: object,
    propertyKey?: string | symbol,
    descriptor?: PropertyDescriptor,
  ): void => {
    const subject: unknown = descriptor === undefined ? target : descriptor.value;
    if (typeof subject !== 'function')
      throw new Error(`@${decoratorName}() goes on a controller or a route handler`);
    if (Reflect.getOwnMetadata(ACCESS_METADATA, subject) !== undefined) {
      const where =
        propertyKey === undefined ? subject.name : `${target.constructor.name}.${String(propertyKey)}`;
      throw new Error(`${where} declares its access twice; keep one of @Access(...) or @Public()`);
    }
    Reflect.defineMetadata(ACCESS_METADATA, rule, subject);
  };
  return decorator;
}

/** Only callers holding one of these roles (on the handler, or on the controller for all its handlers). */
export function Access(...roles: [Role, ...Role[]]): AccessDecorator {
  const unknown = roles.filter((role) => !isRole(role));
  if (roles.length === 0 || unknown.length > 0) {
    throw new Error(`@Access() needs at least one of ${ROLES.join(', ')}; got ${JSON.stringify(roles)}`);
  }
  return declare({ kind: 'roles', roles: Object.freeze([...new Set(roles)]) }, 'Access');
}

/** Anyone, including callers without a token. A token that is sent must still be valid. */
export function Public(): AccessDecorator {
  return declare({ kind: 'public' }, 'Public');
}
