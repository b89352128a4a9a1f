import type { Principal } from '../principal';
import { ROLES } from '../roles';
import type { Role } from '../roles';
import type { FactsByKind, PolicyFacts, ResourceKind } from './facts';
import { loadFacts } from './facts';
import type { ListRule } from './rules';

/** Who a policy speaks of: a caller without a token, or one role of a token. */
export type Actor = 'anonymous' | Role;
export const ACTORS: readonly Actor[] = ['anonymous', ...ROLES];

/** Every object the route touches, whoever it belongs to. */
export const ANY = 'any';
type Any = typeof ANY;

/** Decides for one org-scoped caller (`org` from the token) and the object's facts. */
type ObjectRule<F> = (org: string, facts: F) => boolean;
/** Names the audience of one org-scoped caller for this object. */
type AudienceRule<F, A extends string = string> = (org: string, facts: F) => A;

/*
 * The four shapes a route's policy takes. Each maps actors to a rule; an actor without an entry is refused
 * (401 without a token, else 403); an object a rule refuses is answered 404, exactly as one that does not exist.
 */
interface RouteOnly {
  readonly kind: 'route';
  readonly allow: Partial<Record<Actor, Any>>;
}
interface OnObject {
  readonly kind: 'object';
  readonly resource: ResourceKind;
  /** The path parameter naming the object. */
  readonly param: string;
  readonly allow: Partial<Record<Actor, Any | ObjectRule<never>>>;
}
interface OnList {
  readonly kind: 'list';
  readonly resource: ResourceKind;
  readonly allow: Partial<Record<Actor, Any | ListRule<never>>>;
}
interface ByAudience {
  readonly kind: 'fields';
  readonly resource: ResourceKind;
  readonly param: string;
  /** Least to most: the caller gets the highest its roles reach. */
  readonly order: readonly string[];
  readonly audiences: Partial<Record<Actor, string | AudienceRule<never>>>;
}

export type RoutePolicy = RouteOnly | OnObject | OnList | ByAudience;

type AllowMap<R> = Partial<Record<Actor, R>>;

/** Every actor, with or without a token. */
export function anyone(): RoutePolicy {
  return { kind: 'route', allow: Object.fromEntries(ACTORS.map((actor) => [actor, ANY])) };
}

/** These roles, whatever object the route touches (or none). */
export function roles(...allowed: [Role, ...Role[]]): RoutePolicy {
  return { kind: 'route', allow: Object.fromEntries(allowed.map((role) => [role, ANY])) };
}

/** A route on one object named by a path parameter; rules see the object's facts. */
export function onObject<K extends ResourceKind>(
  resource: K,
  param: string,
  allow: AllowMap<Any | ObjectRule<FactsByKind[K]>>,
): RoutePolicy {
  return { kind: 'object', resource, param, allow };
}

/** A list: each actor sees all (`ANY`) or the items its rule keeps. */
export function onList<K extends ResourceKind>(
  resource: K,
  allow: AllowMap<Any | ListRule<FactsByKind[K]>>,
): RoutePolicy {
  return { kind: 'list', resource, allow };
}

/** Field-level: every listed actor may read, and gets the serializer of the audience its rule names. */
export function byAudience<K extends ResourceKind, A extends string>(
  resource: K,
  param: string,
  order: readonly A[],
  audiences: AllowMap<A | AudienceRule<FactsByKind[K], A>>,
): RoutePolicy {
  return { kind: 'fields', resource, param, order, audiences };
}

/** The actors a policy lets through the route at all (object rules may still hide a given object). */
export function actorsAllowedBy(policy: RoutePolicy): Actor[] {
  const map = policy.kind === 'fields' ? policy.audiences : policy.allow;
  return ACTORS.filter((actor) => map[actor] !== undefined);
}

export type PolicyDecision =
  | {
      readonly allowed: true;
      /** Field-level routes: the audience whose serializer answers. */
      readonly audience: string | undefined;
      /** List routes: keeps the items the caller may see (identity elsewhere). */
      readonly visible: <T>(items: readonly T[]) => Promise<T[]>;
    }
  | { readonly allowed: false; readonly failure: 'unauthenticated' | 'forbidden'; readonly reason: string }
  | {
      readonly allowed: false;
      readonly failure: 'hidden';
      readonly resource: ResourceKind;
      readonly reason: string;
    };

const everything = <T>(items: readonly T[]): Promise<T[]> => Promise.resolve([...items]);

function actorsOf(principal: Principal): readonly Actor[] {
  return principal.anonymous ? ['anonymous'] : principal.roles;
}

function refused(principal: Principal, policy: RoutePolicy): PolicyDecision {
  if (principal.anonymous) return { allowed: false, failure: 'unauthenticated', reason: 'no token' };
  return {
    allowed: false,
    failure: 'forbidden',
    reason: `roles ${principal.roles.join(',')} not in ${actorsAllowedBy(policy).join(',')}`,
  };
}

/**
 * Applies a route's policy to a caller. Facts are loaded only when a rule needs them, at most once per request;
 * `facts` is a thunk so that routes without object rules need no resolver at all.
 */
export async function evaluatePolicy(
  policy: RoutePolicy,
  principal: Principal,
  params: Readonly<Record<string, unknown>>,
  facts: () => PolicyFacts,
): Promise<PolicyDecision> {
  const actors = actorsOf(principal);
  const org = principal.org;
  switch (policy.kind) {
    case 'route':
      return actors.some((actor) => policy.allow[actor] !== undefined)
        ? { allowed: true, audience: undefined, visible: everything }
        : refused(principal, policy);

    case 'object': {
      const rules = actors.flatMap((actor) => policy.allow[actor] ?? []);
      if (rules.length === 0) return refused(principal, policy);
      if (rules.includes(ANY)) return { allowed: true, audience: undefined, visible: everything };
      const id = params[policy.param];
      const loaded =
        org === undefined || typeof id !== 'string'
          ? undefined
          : await loadFacts(facts(), policy.resource, id);
      const passes = (rule: Any | ObjectRule<never>): boolean =>
        rule !== ANY &&
        org !== undefined &&
        loaded !== undefined &&
        (rule as ObjectRule<unknown>)(org, loaded);
      if (rules.some(passes)) return { allowed: true, audience: undefined, visible: everything };
      return {
        allowed: false,
        failure: 'hidden',
        resource: policy.resource,
        reason: `${policy.resource} ${String(id)} ${loaded === undefined ? 'does not exist' : 'belongs to another organisation'}`,
      };
    }

    case 'list': {
      const rules = actors.flatMap((actor) => policy.allow[actor] ?? []);
      if (rules.length === 0) return refused(principal, policy);
      if (rules.includes(ANY)) return { allowed: true, audience: undefined, visible: everything };
      const listRules = rules.filter((rule): rule is ListRule<never> => rule !== ANY);
      const visible = async <T>(items: readonly T[]): Promise<T[]> => {
        if (org === undefined) return [];
        const tests = await Promise.all(listRules.map((rule) => (rule as ListRule<unknown>)(org, facts())));
        return items.filter((item) => tests.some((keeps) => keeps(item)));
      };
      return { allowed: true, audience: undefined, visible };
    }

    case 'fields': {
      const rules = actors.flatMap((actor) => policy.audiences[actor] ?? []);
      if (rules.length === 0) return refused(principal, policy);
      const needsFacts = rules.some((rule) => typeof rule === 'function');
      const id = params[policy.param];
      const loaded =
        needsFacts && org !== undefined && typeof id === 'string'
          ? await loadFacts(facts(), policy.resource, id)
          : undefined;
      const lowest = policy.order[0];
      const reached = rules.map((rule) =>
        typeof rule === 'string'
          ? rule
          : org !== undefined && loaded !== undefined
            ? (rule as AudienceRule<unknown>)(org, loaded)
            : lowest,
      );
      const audience = policy.order.reduce<string | undefined>(
        (best, candidate) => (reached.includes(candidate) ? candidate : best),
        lowest,
      );
      return { allowed: true, audience, visible: everything };
    }
  }
}
