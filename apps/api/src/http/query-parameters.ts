import { Injectable, SetMetadata } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { FieldError } from './problem';
import { problem, ProblemException } from './problem';

const ANY_QUERY = 'ismap:any-query';

/** The route takes any query string and ignores it (the health probes: a load balancer may add its own). */
export const AnyQuery = (): MethodDecorator & ClassDecorator => SetMetadata(ANY_QUERY, true);

/** Names listed in the problem at most; a query of a thousand names gets the first ones. */
const MAX_NAMED = 20;

/**
 * A route that declares no `@Query()` takes no query string. `GET /services/:id?asOf=2021-01-01` is refused with
 * 400 naming `asOf`, instead of answering today's service as if the date had been heard; `POST /providers?dryRun=1`
 * is refused rather than recorded. Routes with a query DTO are checked field by field by the validation pipe, which
 * refuses names the DTO lacks; this covers the routes that have none. A global guard added after the access guard
 * (401/403 first), so it runs before any route guard or interceptor: a refused request claims no idempotency key.
 * A guard, not an interceptor: one global interceptor puts every request through an Observable chain, which more
 * than doubled the server's CPU per list request (58–92 → 142–192 µs under wrk, ADR 0014 item 13).
 */
@Injectable()
export class QueryParametersGuard implements CanActivate {
  private readonly takesQuery = new WeakMap<object, boolean>();

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const names = Object.keys(context.switchToHttp().getRequest<FastifyRequest>().query ?? {});
    if (names.length > 0 && !this.routeTakesQuery(context)) {
      const errors: FieldError[] = names
        .slice(0, MAX_NAMED)
        .map((name) => ({ field: name, messages: [`${name} is not a parameter of this route`] }));
      throw new ProblemException(problem(400, 'REQUEST.INVALID', 'The query is not valid', { errors }));
    }
    return true;
  }

  private routeTakesQuery(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let takes = this.takesQuery.get(handler);
    if (takes === undefined) {
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ??
        {}) as Record<string, unknown>;
      takes =
        this.reflector.getAllAndOverride<boolean>(ANY_QUERY, [handler, context.getClass()]) === true ||
        Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.QUERY));
      this.takesQuery.set(handler, takes);
    }
    return takes;
  }
}
