import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export const CORRELATION_HEADER = 'x-correlation-id';
/** Accepted as given only when it cannot smuggle anything into logs or headers. */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

declare module 'fastify' {
  interface FastifyRequest {
    correlationId: string;
  }
}

/** Fastify's request id is the correlation id, so every log line of a request carries it as `reqId`. */
export function correlationIdFromHeaders(request: IncomingMessage): string {
  const given = request.headers[CORRELATION_HEADER];
  return typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
}

export function correlationIdOf(request: FastifyRequest): string {
  return request.correlationId;
}

/** Every response carries the correlation id, which every event recorded for the request stores too. */
export function registerCorrelation(fastify: FastifyInstance): void {
  fastify.decorateRequest('correlationId', '');
  fastify.addHook('onRequest', async (request, reply) => {
    request.correlationId = request.id;
    void reply.header(CORRELATION_HEADER, request.id);
  });
}
