import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { IdempotencyStore } from '@ismap/application';
import { problem, ProblemException } from '../http/problem';
import { actorOfRequest } from '../http/principal';

declare module 'fastify' {
  interface FastifyRequest {
    /** POST /webhooks: the command id derived from the caller's Idempotency-Key (see the guard). */
    webhookCommandId?: string;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The answer to `POST /webhooks` holds the signing secret, and the shared idempotency interceptor keeps first
 * answers in the event log, which must never hold a secret. So this route takes the key away from the interceptor
 * (guards run before interceptors) and is idempotent by itself: the key becomes the command id, the command id
 * the endpoint id, and the endpoint id the secret, so a retry re-derives the very same answer (docs/adr/0008).
 */
@Injectable()
export class WebhookIdempotencyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const key = request.headers['idempotency-key'];
    if (key === undefined) return true;
    if (typeof key !== 'string' || !UUID.test(key)) {
      throw new ProblemException(problem(400, 'IDEMPOTENCY.KEY_INVALID', 'Idempotency-Key must be a UUID'));
    }
    const actor = actorOfRequest(request);
    request.webhookCommandId = IdempotencyStore.commandIdFor(`webhooks\n${actor.sub}`, key.toLowerCase());
    delete request.headers['idempotency-key'];
    return true;
  }
}
