import { Inject, Injectable, RequestMethod } from '@nestjs/common';
import type { INestApplicationContext, OnModuleInit, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { accessRuleOf } from './access';
import type { AccessRule } from './access';
import { PolicyMismatchError, UndeclaredRouteAccessError } from './errors';
import { ACTORS, actorsAllowedBy } from './policies/policy';
import { policyFor } from './policies/route-policies';

export interface RouteAccess {
  readonly controller: string;
  readonly handler: string;
  /** `GET`, `POST`, ... */
  readonly method: string;
  /** As declared on the controller and handler, without a global prefix. */
  readonly paths: readonly string[];
  readonly access: AccessRule | undefined;
}

export function describeRoute(route: RouteAccess): string {
  return `${route.controller}.${route.handler} (${route.method} ${route.paths.join(', ')})`;
}

/** Every route handler of these controllers with its declaration; also the row source of an access matrix. */
export function routeAccessTable(
  controllers: Iterable<Type>,
  reflector: Reflector = new Reflector(),
): RouteAccess[] {
  return scanRoutes(controllers).map(({ controller, handlerName, handler, method, paths }) => ({
    controller: controller.name,
    handler: handlerName,
    method,
    paths,
    access: accessRuleOf(reflector, handler, controller),
  }));
}

/**
 * Every route with its access declaration and the value of one more metadata key (handler first, then
 * controller), for edges that act on route declarations outside Nest's pipeline (e.g. an access audit).
 */
export function routeMetadataTable<T>(
  controllers: Iterable<Type>,
  key: string,
  reflector: Reflector = new Reflector(),
): (RouteAccess & { readonly value: T | undefined })[] {
  return scanRoutes(controllers).map(({ controller, handlerName, handler, method, paths }) => ({
    controller: controller.name,
    handler: handlerName,
    method,
    paths,
    access: accessRuleOf(reflector, handler, controller),
    value: reflector.getAllAndOverride<T | undefined>(key, [handler, controller]),
  }));
}

interface ScannedRoute {
  readonly controller: Type;
  readonly handlerName: string;
  readonly handler: Type;
  readonly method: string;
  readonly paths: readonly string[];
}

function scanRoutes(controllers: Iterable<Type>): ScannedRoute[] {
  const scanner = new MetadataScanner();
  const routes: ScannedRoute[] = [];
  for (const controller of new Set(controllers)) {
    const prototype = controller.prototype as Record<string, unknown>;
    const controllerPaths = pathsOf(Reflect.getMetadata(PATH_METADATA, controller));
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      if (typeof handler !== 'function') continue;
      const handlerPath: unknown = Reflect.getMetadata(PATH_METADATA, handler);
      // Nest's router treats exactly these as routes.
      if (handlerPath === undefined) continue;
      const method: unknown = Reflect.getMetadata(METHOD_METADATA, handler);
      routes.push({
        controller,
        handlerName: name,
        handler: handler as Type,
        method: typeof method === 'number' ? (RequestMethod[method] ?? String(method)) : 'GET',
        paths: controllerPaths.flatMap((base) => pathsOf(handlerPath).map((path) => joinPaths(base, path))),
      });
    }
  }
  return routes;
}

/** `METHOD /path` of one handler, as Nest registers it (ROUTE_POLICIES' keys); several when it has several paths. */
export function routeKeysOfHandler(controller: Type, handler: object): string[] {
  const handlerPath: unknown = Reflect.getMetadata(PATH_METADATA, handler);
  const method: unknown = Reflect.getMetadata(METHOD_METADATA, handler);
  const verb = typeof method === 'number' ? (RequestMethod[method] ?? String(method)) : 'GET';
  return pathsOf(Reflect.getMetadata(PATH_METADATA, controller)).flatMap((base) =>
    pathsOf(handlerPath).map((path) => `${verb} ${joinPaths(base, path)}`),
  );
}

function pathsOf(metadata: unknown): string[] {
  if (Array.isArray(metadata)) return metadata.filter((path): path is string => typeof path === 'string');
  return typeof metadata === 'string' ? [metadata] : ['/'];
}

function joinPaths(...parts: string[]): string {
  const segments = parts.flatMap((part) => part.split('/')).filter((segment) => segment.length > 0);
  return `/${segments.join('/')}`;
}

export function controllersOf(discovery: DiscoveryService): Type[] {
  return discovery
    .getControllers()
    .map((wrapper) => wrapper.metatype)
    .filter((metatype): metatype is Type => typeof metatype === 'function');
}

/** Throws one error naming every route whose handler and controller both lack @Access/@Public. */
export function assertEveryRouteDeclaresAccess(app: INestApplicationContext): void {
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  assertDeclared(routeAccessTable(controllersOf(discovery), app.get(Reflector)));
}

function assertDeclared(routes: readonly RouteAccess[]): void {
  const undeclared = routes.filter((route) => route.access === undefined).map(describeRoute);
  if (undeclared.length > 0) throw new UndeclaredRouteAccessError(undeclared);
  const mismatched = routes.flatMap((route) =>
    route.paths.flatMap((path) => {
      const policy = policyFor(route.method, path);
      if (policy === undefined || route.access === undefined) return [];
      const declared = route.access.kind === 'public' ? [...ACTORS] : route.access.roles;
      const inPolicy = actorsAllowedBy(policy);
      const same = declared.length === inPolicy.length && declared.every((actor) => inPolicy.includes(actor));
      return same
        ? []
        : [`${describeRoute(route)}: @Access ${declared.join(',')} vs policy ${inPolicy.join(',')}`];
    }),
  );
  if (mismatched.length > 0) throw new PolicyMismatchError(mismatched);
}

/** Registered by AuthModule: start-up (app.init / listen) fails before the first request can reach such a route. */
@Injectable()
export class RouteAccessCheck implements OnModuleInit {
  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    assertDeclared(routeAccessTable(controllersOf(this.discovery), this.reflector));
  }
}
