import { DomainError } from '../shared/domain-error';

/**
 * Rule checks return every violation they find, so a caller (a projection, a dry-run endpoint) can show them all;
 * `decide` throws through `throwOnViolations`. Warnings are reported but never refuse a command.
 */
export interface RuleViolation {
  readonly code: string;
  readonly message: string;
  readonly severity: 'error' | 'warning';
  readonly details?: Readonly<Record<string, unknown>>;
}

export function violation(
  code: string,
  message: string,
  details?: Readonly<Record<string, unknown>>,
): RuleViolation {
  return details === undefined
    ? { code, message, severity: 'error' }
    : { code, message, severity: 'error', details };
}

/**
 * Throws a `DomainError` (kind 'rule', HTTP 422) carrying the first error's code, so clients can branch on one stable
 * code, with every error listed under `details.violations`.
 */
export function throwOnViolations(violations: readonly RuleViolation[]): void {
  const errors = violations.filter((v) => v.severity === 'error');
  const [first] = errors;
  if (first === undefined) return;
  throw new DomainError(first.code, errors.map((v) => v.message).join('; '), 'rule', {
    ...first.details,
    violations: errors.map((v) => ({
      code: v.code,
      message: v.message,
      ...(v.details ? { details: v.details } : {}),
    })),
  });
}
