import 'reflect-metadata';
import { RequestMethod, type Type } from '@nestjs/common';
import {
  GUARDS_METADATA,
  INTERCEPTORS_METADATA,
  METHOD_METADATA,
  PATH_METADATA,
} from '@nestjs/common/constants';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ApiModule } from '../api.module';
import { WebhookIdempotencyGuard } from '../webhooks/webhook-idempotency.guard';
import { IdempotencyInterceptor } from './idempotency.interceptor';

interface Route {
  readonly name: string;
  readonly method: RequestMethod;
  readonly handler: object;
}

const WRITES = new Set([RequestMethod.POST, RequestMethod.PUT, RequestMethod.PATCH, RequestMethod.DELETE]);

/** Every controller the HTTP edge registers, its own and those of the modules it imports. */
function controllersOf(module: Type<unknown>, seen = new Set<unknown>()): Type<unknown>[] {
  if (seen.has(module)) return [];
  seen.add(module);
  const own = (Reflect.getMetadata('controllers', module) ?? []) as Type<unknown>[];
  const imports = (Reflect.getMetadata('imports', module) ?? []) as unknown[];
  const nested = imports
    .filter((m): m is Type<unknown> => typeof m === 'function')
    .flatMap((m) => controllersOf(m, seen));
  return [...own, ...nested];
}

function routesOf(controller: Type<unknown>): Route[] {
  const prototype = controller.prototype as Record<string, unknown>;
  const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
  return Object.getOwnPropertyNames(prototype)
    .filter((key) => key !== 'constructor' && typeof prototype[key] === 'function')
    .map((key) => ({ key, handler: prototype[key] as object }))
    .filter(({ handler }) => Reflect.getMetadata(PATH_METADATA, handler) !== undefined)
    .map(({ key, handler }) => ({
      name: `${controller.name}.${key} (/${base}/${String(Reflect.getMetadata(PATH_METADATA, handler))})`,
      method: Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod,
      handler,
    }));
}

function interceptorsOf(handler: object): unknown[] {
  return (Reflect.getMetadata(INTERCEPTORS_METADATA, handler) ?? []) as unknown[];
}

const routes = controllersOf(ApiModule).flatMap(routesOf);
const writes = routes.filter((route) => WRITES.has(route.method));

describe('Idempotency-Key is honoured per command route, not globally', () => {
  it('finds the write routes it checks', () => {
    // Guards against a refactor that hides the routes from this test (it would then pass vacuously).
    expect(writes.length).toBeGreaterThanOrEqual(20);
    expect(writes.map((route) => route.name)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('ProvidersController.register'),
        expect.stringContaining('ReportsController.request'),
        expect.stringContaining('TokenRevocationsController.revoke'),
        expect.stringContaining('WebhooksController.register'),
      ]),
    );
  });

  it('puts the idempotency interceptor on every write route', () => {
    const without = writes
      .filter((route) => !interceptorsOf(route.handler).includes(IdempotencyInterceptor))
      .map((route) => route.name);
    expect(without).toEqual([]);
  });

  it('keeps it off every read route', () => {
    const reads = routes.filter((route) => !WRITES.has(route.method));
    expect(reads.length).toBeGreaterThan(0);
    const withIt = reads
      .filter((route) => interceptorsOf(route.handler).includes(IdempotencyInterceptor))
      .map((route) => route.name);
    expect(withIt).toEqual([]);
  });

  it('no longer registers it as a global interceptor', () => {
    const providers = (Reflect.getMetadata('providers', ApiModule) ?? []) as unknown[];
    const global = providers.filter(
      (p) => typeof p === 'object' && p !== null && (p as { provide?: unknown }).provide === APP_INTERCEPTOR,
    );
    expect(global).toEqual([]);
  });

  it('POST /webhooks still takes the key away first (its answer holds a secret)', () => {
    const register = writes.find((route) => route.name.startsWith('WebhooksController.register'));
    const guards = (Reflect.getMetadata(GUARDS_METADATA, register?.handler ?? {}) ?? []) as unknown[];
    expect(guards).toContain(WebhookIdempotencyGuard);
  });
});
