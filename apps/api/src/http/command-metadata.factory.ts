import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { CommandMetadata } from '@ismap/application';
import { newCommandId } from '@ismap/application';
import { tokyoDateOf } from '@ismap/domain';
import type { Actor } from '@ismap/event-store';
import { Clock } from './clock';
import { problem, ProblemException } from './problem';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the idempotency interceptor: derived from the Idempotency-Key, or fresh. */
    commandId?: string;
  }
}

const IF_MATCH = /^"(0|[1-9]\d{0,15})"$/;

/**
 * Builds a command's metadata from the request: the actor from the verified token only (never the body), the
 * correlation id, the command id, the clock, and `If-Match` where the route acts on an existing stream.
 */
@Injectable()
export class CommandMetadataFactory {
  constructor(private readonly clock: Clock) {}

  fromRequest(
    request: FastifyRequest,
    actor: Actor,
    options: { readonly occurredOn?: string; readonly acceptsIfMatch?: boolean } = {},
  ): CommandMetadata {
    const now = this.clock.now();
    const commandId = request.commandId ?? newCommandId();
    const expectedRevision = options.acceptsIfMatch ? this.ifMatch(request) : undefined;
    return {
      commandId,
      actor: {
        sub: actor.sub,
        roles: [...actor.roles],
        ...(actor.org === undefined ? {} : { org: actor.org }),
      },
      correlationId: request.correlationId,
      causationId: commandId,
      occurredOn: options.occurredOn ?? tokyoDateOf(now),
      now: now.toISOString(),
      ...(expectedRevision === undefined ? {} : { expectedRevision }),
    };
  }

  private ifMatch(request: FastifyRequest): number | undefined {
    const header = request.headers['if-match'];
    if (header === undefined) return undefined;
    const match = typeof header === 'string' ? IF_MATCH.exec(header.trim()) : null;
    if (!match?.[1]) {
      throw new ProblemException(
        problem(400, 'REQUEST.INVALID_IF_MATCH', 'If-Match must be a quoted revision, e.g. "3"'),
      );
    }
    return Number(match[1]);
  }
}
