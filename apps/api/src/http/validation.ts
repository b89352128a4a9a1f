import type { ArgumentMetadata } from '@nestjs/common';
import { ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import type { FieldError } from './problem';
import { problem, ProblemException } from './problem';

function flatten(errors: readonly ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent === '' ? error.property : `${parent}.${error.property}`;
    const own: FieldError[] = error.constraints
      ? [{ field, messages: Object.values(error.constraints) }]
      : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * Names every object inherits (`valueOf`, `constructor`, `toString`…). class-transformer's instances answer to them,
 * so the whitelist would let a body field of that name through unnoticed: refuse them outright, at any depth. Also
 * `prototype`, which Nest's ValidationPipe deletes before validating (with `__proto__` and `constructor`): a field
 * of that name would be dropped without a word instead of refused like any other field the request does not have.
 */
const INHERITED = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

function inheritedNames(value: unknown, path: string, found: FieldError[], depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 32) return;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const field = path === '' ? key : `${path}.${key}`;
    if (INHERITED.has(key)) found.push({ field, messages: [`${field} is not a field of this request`] });
    inheritedNames(child, field, found, depth + 1);
  }
}

/** Field errors found by class-validator, before it is known which part of the request they are about. */
class InvalidFields extends Error {
  constructor(readonly errors: readonly FieldError[]) {
    super('invalid fields');
  }
}

/** The problem names the part of the request at fault: a client fixing its query string is not sent to its body. */
function invalid(part: ArgumentMetadata['type'], errors: readonly FieldError[]): ProblemException {
  const detail =
    part === 'query'
      ? 'The query is not valid'
      : part === 'param'
        ? 'The path is not valid'
        : 'The request body is not valid';
  return new ProblemException(problem(400, 'REQUEST.INVALID', detail, { errors }));
}

class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const found: FieldError[] = [];
      inheritedNames(value, '', found);
      if (found.length > 0) throw invalid(metadata.type, found);
    }
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      throw error instanceof InvalidFields ? invalid(metadata.type, error.errors) : error;
    }
  }
}

/** Whitelist + forbid unknown fields; every field error is listed, none of the values is echoed. */
export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new InvalidFields(flatten(errors)),
  });
}
