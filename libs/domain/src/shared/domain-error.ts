/**
 * A business rule said no. `kind` tells the edge which HTTP status family applies; `code` is stable and
 * documented (e.g. `APPLICATION.NOT_ACCEPTED`).
 */
export type DomainErrorKind = 'conflict' | 'rule' | 'not_found';

export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly kind: DomainErrorKind = 'rule',
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
