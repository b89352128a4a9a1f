import type { FastifyReply } from 'fastify';

/**
 * Every command answers `{ <name>Id, revision, position }` with `X-Log-Position` and, for one-stream resources,
 * `ETag: "<revision>"`.
 */
export function commandResponse<T extends Record<string, string>>(
  reply: FastifyReply,
  result: { readonly revision: number; readonly position: string },
  ids: T,
): T & { revision: number; position: string } {
  void reply.header('x-log-position', result.position);
  void reply.header('etag', `"${result.revision}"`);
  return { ...ids, revision: result.revision, position: result.position };
}
