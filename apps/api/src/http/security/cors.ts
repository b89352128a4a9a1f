import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../problem-details.filter';
import { problem } from '../problem';

const ALLOWED_METHODS = ['GET', 'POST', 'OPTIONS'];
/** The request headers API.md defines; browsers preflight anything else and we refuse it. */
const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'idempotency-key',
  'if-match',
  'x-correlation-id',
  'x-min-log-position',
];
const EXPOSED_HEADERS =
  'X-Correlation-Id, X-Log-Position, ETag, Retry-After, Idempotent-Replayed, Location, WWW-Authenticate';
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * CORS by exact allow-list, closed when the list is empty: no `*`, no reflected origins, no credentials (tokens
 * travel in `Authorization`, never in cookies). A preflight from an origin not on the list is refused with 403,
 * and ordinary requests from it get no CORS headers, so the browser withholds the answer from the page.
 */
export function registerCors(fastify: FastifyInstance, allowedOrigins: readonly string[]): void {
  const allowed = new Set(allowedOrigins);
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    const preflight =
      request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (origin !== undefined) void reply.header('vary', 'Origin');
    const permitted = typeof origin === 'string' && allowed.has(origin);
    if (!preflight) {
      if (permitted) {
        void reply.header('access-control-allow-origin', origin);
        void reply.header('access-control-expose-headers', EXPOSED_HEADERS);
      }
      return;
    }
    const method = String(request.headers['access-control-request-method']).toUpperCase();
    const requested = String(request.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== '');
    const headersOk = requested.every((name) => ALLOWED_HEADERS.includes(name));
    if (!permitted || !ALLOWED_METHODS.includes(method) || !headersOk) {
      sendProblem(request, reply, {
        problem: problem(403, 'CORS.NOT_ALLOWED', 'This origin, method or header is not allowed'),
      });
      return reply;
    }
    void reply
      .header('access-control-allow-origin', origin)
      .header('access-control-allow-methods', ALLOWED_METHODS.join(', '))
      .header('access-control-allow-headers', ALLOWED_HEADERS.join(', '))
      .header('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS))
      .status(204)
      .send();
    return reply;
  });
}
