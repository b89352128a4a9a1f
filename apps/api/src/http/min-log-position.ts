import { Injectable, SetMetadata } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { isPosition, type Position } from '@ismap/event-store';
import { problem, ProblemException } from './problem';

export const MIN_LOG_POSITION_HEADER = 'x-min-log-position';

const IGNORES_MIN_LOG_POSITION = 'ismap:ignores-min-log-position';

/**
 * The route does not look at `X-Min-Log-Position`, not even to refuse it (the health probes: what a load balancer
 * sends is not the caller's business with the log).
 */
export const IgnoresMinLogPosition = (): MethodDecorator & ClassDecorator =>
  SetMetadata(IGNORES_MIN_LOG_POSITION, true);

/**
 * The position an `X-Min-Log-Position` header names, undefined without one; 400 when it names none, so that a
 * client with a typo hears of it instead of getting an answer that may predate its write.
 */
export function minLogPositionOf(header: string | readonly string[] | undefined): Position | undefined {
  if (header === undefined) return undefined;
  const position = (typeof header === 'string' ? header : header[0])?.trim();
  if (position === undefined || !isPosition(position)) {
    throw new ProblemException(
      problem(
        400,
        'REQUEST.INVALID_MIN_LOG_POSITION',
        'X-Min-Log-Position must be a position returned by a command',
      ),
    );
  }
  return position;
}

/**
 * Every read refuses a malformed `X-Min-Log-Position` the same way, whether or not it has to wait for one: the
 * routes over the Redis read models wait for the position themselves (ReadModels.waitFor); the routes that read
 * the log itself (time travel with `asOf`/`atPosition`, reports, integrity, webhook endpoints) are as fresh as the
 * log by construction and only need the header to be well formed; the access log is written before it is read, and
 * webhook deliveries record what was sent, which no log position promises. A global guard after the access guard
 * (401/403 first), like QueryParametersGuard and for the same reason (ADR 0014 item 14: no global interceptor). A
 * request without the header, nearly every one, costs one property lookup.
 */
@Injectable()
export class MinLogPositionGuard implements CanActivate {
  private readonly ignores = new WeakMap<object, boolean>();

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers[MIN_LOG_POSITION_HEADER];
    if (header === undefined) return true;
    // Commands answer with a position; they do not read at one.
    if (request.method !== 'GET' && request.method !== 'HEAD') return true;
    if (!this.routeIgnores(context)) minLogPositionOf(header);
    return true;
  }

  private routeIgnores(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let ignores = this.ignores.get(handler);
    if (ignores === undefined) {
      ignores =
        this.reflector.getAllAndOverride<boolean>(IGNORES_MIN_LOG_POSITION, [handler, context.getClass()]) ===
        true;
      this.ignores.set(handler, ignores);
    }
    return ignores;
  }
}
