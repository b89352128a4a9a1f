import type { Type } from '@nestjs/common';
import { applyDecorators, HttpCode, UseInterceptors } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPreconditionFailedResponse,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { IdempotencyInterceptor } from './idempotency.interceptor';

export interface CommandRouteOptions {
  /** 201 when the command creates an object, 200 when it changes one. */
  readonly status: 201 | 200;
  readonly response: Type<unknown>;
  /** Routes acting on an existing stream take `If-Match: "<revision>"`. */
  readonly ifMatch?: boolean;
  readonly summary?: string;
}

const PROBLEM = 'application/problem+json with a stable `code`';

/**
 * The conventions every command route shares (API.md "Conventions"), declared once for HTTP and OpenAPI.
 * `Idempotency-Key` is honoured here, per route, not by a global interceptor: reads then skip its cost.
 */
export function CommandRoute(options: CommandRouteOptions): MethodDecorator {
  const headers = [
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'UUID; a retry with the same key and body appends nothing',
    }),
    ApiHeader({
      name: 'X-Correlation-Id',
      required: false,
      description: 'Returned and stored in the metadata of every event the command records',
    }),
    ...(options.ifMatch
      ? [
          ApiHeader({
            name: 'If-Match',
            required: false,
            description: 'The revision (ETag) the caller last saw, e.g. "3"; 412 when the object moved on',
          }),
          ApiPreconditionFailedResponse({ description: `The object moved on since If-Match; ${PROBLEM}` }),
        ]
      : []),
  ];
  const success = {
    type: options.response,
    description: 'Recorded; `X-Log-Position` and `ETag` headers carry the log position and the revision',
  };
  return applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    HttpCode(options.status),
    options.status === 201 ? ApiCreatedResponse(success) : ApiOkResponse(success),
    ...headers,
    ApiBadRequestResponse({ description: `Malformed or invalid body, with the field errors; ${PROBLEM}` }),
    ApiUnauthorizedResponse({ description: `No or invalid bearer token; ${PROBLEM}` }),
    ApiForbiddenResponse({ description: `The caller's role may not do this; ${PROBLEM}` }),
    ApiNotFoundResponse({ description: `No such object, or not one the caller may know of; ${PROBLEM}` }),
    ApiConflictResponse({
      description: `Not possible in the object's state, or a concurrent change; ${PROBLEM}`,
    }),
    ApiUnprocessableEntityResponse({ description: `A business rule refused it; ${PROBLEM}` }),
  );
}
