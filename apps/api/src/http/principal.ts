import type { FastifyRequest } from 'fastify';
import type { Actor } from '@ismap/event-store';
import { actorOf, AuthenticationError, principalOf } from '@ismap/auth';

/** The verified caller as the actor recorded in event metadata; command routes never run anonymously. */
export function actorOfRequest(request: FastifyRequest): Actor {
  const principal = principalOf(request);
  if (principal.anonymous) throw new AuthenticationError('AUTH.AUTHENTICATION_REQUIRED');
  return actorOf(principal);
}
