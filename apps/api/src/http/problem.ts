/** RFC 9457 problem details with the stable `code` every client can switch on. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail?: string;
  readonly instance?: string;
  readonly correlationId?: string;
  readonly errors?: readonly FieldError[];
  readonly [extension: string]: unknown;
}

export interface FieldError {
  readonly field: string;
  readonly messages: readonly string[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problem(
  status: number,
  code: string,
  detail?: string,
  extensions: Record<string, unknown> = {},
): Problem {
  // Extensions come first: a detail named like a standard member (e.g. a domain error's `status`) must not
  // replace the HTTP status or the code.
  return {
    ...extensions,
    type: `urn:ismap-ledger:problem:${code.toLowerCase()}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    ...(detail === undefined ? {} : { detail }),
  };
}

/** A 4xx/5xx the edge decided on itself (validation, idempotency, readiness). */
export class ProblemException extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(problem.detail ?? problem.title);
    this.name = 'ProblemException';
  }
}
