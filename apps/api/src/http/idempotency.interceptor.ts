import { createHash } from 'node:crypto';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { HttpStatus, Injectable } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { from, mergeMap, of, catchError } from 'rxjs';
import { IdempotencyStore, newCommandId } from '@ismap/application';
import { actorOfRequest } from './principal';
import { Clock } from './clock';
import { problem, ProblemException } from './problem';

const COMMAND_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The headers a replay must repeat; others (dates, correlation ids) belong to the new request. */
const REPLAYED_HEADERS = ['x-log-position', 'etag', 'location'];

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * `Idempotency-Key` on every command route: the same key and request replays the first response and appends
 * nothing; the same key with another request is a 422. Keys are scoped to the caller (`sub`). Applied per route
 * (CommandRoute, and `@UseInterceptors` on the few POST routes declared without it), never globally: reads are
 * the hot path and have no key to honour.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly clock: Clock,
    private readonly reflector: Reflector,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const key = request.headers['idempotency-key'];
    if (!COMMAND_METHODS.has(request.method) || key === undefined) {
      request.commandId = newCommandId();
      return next.handle();
    }
    if (typeof key !== 'string' || !UUID.test(key)) {
      throw new ProblemException(problem(400, 'IDEMPOTENCY.KEY_INVALID', 'Idempotency-Key must be a UUID'));
    }
    const actor = actorOfRequest(request);
    const scope = actor.sub;
    const route = request.routeOptions.url ?? request.url;
    const requestHash = createHash('sha256')
      .update(`${request.method} ${route} ${request.url}\n${canonicalJson(request.body ?? null)}`)
      .digest('hex');
    const claim = await this.store.claim(scope, key.toLowerCase(), requestHash, actor, this.clock.now());
    if (claim.status === 'completed') {
      for (const [name, value] of Object.entries(claim.response.headers)) void reply.header(name, value);
      void reply.header('idempotent-replayed', 'true');
      void reply.status(claim.response.statusCode);
      return of(claim.response.body);
    }
    if (claim.status === 'in_progress') {
      throw new ProblemException(
        problem(
          409,
          'IDEMPOTENCY.IN_PROGRESS',
          'A request with this Idempotency-Key is still being processed',
        ),
        { 'retry-after': String(claim.retryAfterSeconds) },
      );
    }
    request.commandId = claim.commandId;
    const statusCode =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ??
      (request.method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);
    return next.handle().pipe(
      mergeMap((body: unknown) =>
        from(
          (async () => {
            const headers: Record<string, string> = {};
            for (const name of REPLAYED_HEADERS) {
              const value = reply.getHeader(name);
              if (value !== undefined) headers[name] = String(value);
            }
            await this.store.complete(
              scope,
              key.toLowerCase(),
              { statusCode, headers, body },
              actor,
              this.clock.now(),
            );
            return body;
          })(),
        ),
      ),
      catchError((error: unknown) =>
        from(
          (async () => {
            await this.store.release(scope, key.toLowerCase(), actor, this.clock.now());
            throw error;
          })(),
        ),
      ),
    );
  }
}
