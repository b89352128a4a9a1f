import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { Catch, HttpException, Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { IdempotencyKeyReusedError, PreconditionFailedError } from '@ismap/application';
import { DomainError } from '@ismap/domain';
import { EventStoreError, StoreUnavailableError, WrongExpectedVersionError } from '@ismap/event-store';
import type { Problem } from './problem';
import { problem, PROBLEM_CONTENT_TYPE, ProblemException } from './problem';

type Mapped = { readonly problem: Problem; readonly headers?: Readonly<Record<string, string>> };

const DOMAIN_STATUS = { conflict: 409, rule: 422, not_found: 404 } as const;

/** Fastify's own 4xx errors (body parsing, limits, content types), renamed to our stable codes. */
const FASTIFY_CODES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'REQUEST.MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'REQUEST.EMPTY_BODY',
  FST_ERR_CTP_BODY_TOO_LARGE: 'REQUEST.BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'REQUEST.INVALID_CONTENT_LENGTH',
  FST_ERR_CTP_INVALID_TYPE: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_BAD_URL: 'REQUEST.BAD_URL',
};

/**
 * Fixed details for them: Fastify's messages echo request input (a content type, a URL) or name internals,
 * and neither belongs in an answer.
 */
const TRANSPORT_DETAILS: Readonly<Record<string, string>> = {
  'REQUEST.MALFORMED_JSON': 'The body is not valid JSON',
  'REQUEST.EMPTY_BODY': 'The body is empty; send a JSON object',
  'REQUEST.BODY_TOO_LARGE': 'The body is larger than 256 KB',
  'REQUEST.UNSUPPORTED_MEDIA_TYPE': 'Send the body as application/json',
  'REQUEST.INVALID_CONTENT_LENGTH': 'Content-Length does not match the body',
  'REQUEST.BAD_URL': 'The URL is not valid',
};

const GENERIC_DETAILS: Readonly<Record<number, string>> = {
  400: 'The request is not valid',
  404: 'No such resource',
  405: 'This method is not allowed here',
  406: 'No acceptable representation',
  413: 'The request is too large',
  415: 'Send the body as application/json',
};

export function isClientError(error: unknown): error is Error & { statusCode: number; code?: string } {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return error instanceof Error && typeof status === 'number' && status >= 400 && status < 500;
}

/** Maps everything thrown on the way to a response onto problem+json; nothing internal leaks. */
export function toProblem(error: unknown, transportErrorCode?: string): Mapped {
  if (error instanceof ProblemException) return { problem: error.problem, headers: error.headers };
  if (error instanceof DomainError) {
    return { problem: problem(DOMAIN_STATUS[error.kind], error.code, error.message, error.details) };
  }
  if (error instanceof PreconditionFailedError) {
    return {
      problem: problem(412, 'CONCURRENCY.PRECONDITION_FAILED', error.message, {
        currentRevision: error.actual === 'no_stream' ? null : error.actual,
      }),
    };
  }
  if (error instanceof WrongExpectedVersionError) {
    return {
      problem: problem(
        409,
        'CONCURRENCY.CONFLICT',
        'Another change to the same object was recorded first; retry',
      ),
    };
  }
  if (error instanceof IdempotencyKeyReusedError) {
    return { problem: problem(422, 'IDEMPOTENCY.KEY_REUSED', error.message) };
  }
  if (error instanceof StoreUnavailableError) {
    return {
      problem: problem(503, 'STORE.UNAVAILABLE', 'The event store is unavailable'),
      headers: { 'retry-after': '5' },
    };
  }
  if (error instanceof EventStoreError) {
    return { problem: problem(500, 'INTERNAL', 'An internal error occurred') };
  }
  const transportCode =
    transportErrorCode === undefined ? (error as { code?: unknown } | null)?.code : transportErrorCode;
  const mappedCode = typeof transportCode === 'string' ? FASTIFY_CODES[transportCode] : undefined;
  if (mappedCode !== undefined && (error instanceof HttpException || isClientError(error))) {
    const status = error instanceof HttpException ? error.getStatus() : error.statusCode;
    return { problem: problem(status, mappedCode, TRANSPORT_DETAILS[mappedCode]) };
  }
  if (error instanceof HttpException && typeof (error as { code?: unknown }).code === 'string') {
    // Errors of libs/auth: their message is written to be shown; their `reason` stays in the log.
    const challenge = (error as { wwwAuthenticate?: unknown }).wwwAuthenticate;
    return {
      problem: problem(error.getStatus(), (error as unknown as { code: string }).code, error.message),
      ...(typeof challenge === 'string' ? { headers: { 'www-authenticate': challenge } } : {}),
    };
  }
  // Any other 4xx keeps its status but not its message, which may quote input or name internals.
  const status =
    error instanceof HttpException ? error.getStatus() : isClientError(error) ? error.statusCode : 500;
  if (status === 404) return { problem: problem(404, 'ROUTE.NOT_FOUND', 'No such resource') };
  if (status >= 400 && status < 500) {
    return {
      problem: problem(status, `HTTP.${status}`, GENERIC_DETAILS[status] ?? 'The request was refused'),
    };
  }
  return { problem: problem(500, 'INTERNAL', 'An internal error occurred') };
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, mapped: Mapped): void {
  const correlationId = (request as FastifyRequest & { correlationId?: string }).correlationId;
  const body: Problem = {
    ...mapped.problem,
    instance: request.url.split('?')[0] ?? request.url,
    ...(correlationId === undefined ? {} : { correlationId }),
  };
  for (const [name, value] of Object.entries(mapped.headers ?? {})) void reply.header(name, value);
  request.problemCode = body.code;
  void reply.status(body.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Fastify's own error code (body parsing, limits), which Nest drops when it wraps the error. */
    transportErrorCode?: string;
    /** The problem `code` the request was answered with, for the access audit. */
    problemCode?: string;
  }
}

/** Keeps Fastify's error code for the filter; Nest rewraps such errors as plain HttpExceptions. */
export function registerTransportErrorCodes(fastify: FastifyInstance): void {
  fastify.addHook('onError', async (request, _reply, error) => {
    if (typeof error.code === 'string') request.transportErrorCode = error.code;
  });
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const mapped = toProblem(error, request.transportErrorCode);
    if (mapped.problem.status >= 500) {
      this.logger.error(
        { err: error, correlationId: (request as { correlationId?: string }).correlationId },
        'request failed',
      );
    }
    sendProblem(request, reply, mapped);
  }
}
