import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Nothing to load, frame or submit: every answer of the API is data. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The Swagger UI at /docs needs its own scripts, styles (some inline), data: images and to fetch /docs-json;
 * still no other origin, no framing, no eval.
 */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const FIXED_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  'x-permitted-cross-domain-policies': 'none',
};

export interface SecurityHeadersOptions {
  /** 0: no Strict-Transport-Security (TLS ends elsewhere, or not at all in development). */
  readonly hstsMaxAgeSeconds: number;
}

function isDocsPath(url: string): boolean {
  const path = url.split('?')[0] ?? url;
  return path === '/docs' || path.startsWith('/docs/');
}

/** The headers of one answer; also for answers Fastify sends outside its hooks (framework errors). */
export function applySecurityHeaders(
  request: FastifyRequest,
  reply: FastifyReply,
  options: SecurityHeadersOptions,
): void {
  for (const [name, value] of Object.entries(FIXED_HEADERS)) void reply.header(name, value);
  // A route that serves a document of its own (the HQ report's HTML page) sets that document's policy, which is
  // at least as strict (no script, no other origin); every other answer gets the API's or the docs' policy.
  if (!reply.hasHeader('content-security-policy')) {
    void reply.header('content-security-policy', isDocsPath(request.url) ? DOCS_CSP : API_CSP);
  }
  if (options.hstsMaxAgeSeconds > 0) {
    void reply.header('strict-transport-security', `max-age=${options.hstsMaxAgeSeconds}; includeSubDomains`);
  }
  if (request.headers.authorization !== undefined || !reply.hasHeader('cache-control')) {
    void reply.header('cache-control', 'no-store');
    void reply.header('pragma', 'no-cache');
  }
}

/**
 * Security headers on every answer, errors and Fastify's own refusals (404, 413, 415) included, because onSend
 * runs for all of them. Confidential answers must not be kept by browsers or shared caches: whatever carried a
 * token, and whatever did not say it may be cached, is `no-store`.
 */
export function registerSecurityHeaders(fastify: FastifyInstance, options: SecurityHeadersOptions): void {
  fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    applySecurityHeaders(request, reply, options);
    return payload;
  });
}
