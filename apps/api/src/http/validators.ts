import { Transform } from 'class-transformer';
import type { ValidationOptions } from 'class-validator';
import { buildMessage, ValidateBy } from 'class-validator';
import { isBusinessDate, isCorporateNumber } from '@ismap/domain';

/**
 * Shapes of the ids the product hands out, so a path or body id that cannot exist is refused at the edge
 * instead of being looked up.
 */
export const ID_PATTERNS = {
  /** Applications, services, rulings and incidents: v5 UUIDs derived from command ids, always lower case. */
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  /** `AB` + the 13-digit corporate number. */
  auditBody: /^AB\d{13}$/,
  /** `M` + the meeting's number (第N回). */
  meeting: /^M[1-9]\d{0,8}$/,
  /** `<applicationId>.F<n>`. */
  finding: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.F[1-9]\d{0,5}$/,
} as const;

/** The edge normalises text (the domain refuses anything it would have to normalise itself). */
export const Trim = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/** A real calendar date written `YYYY-MM-DD` (2023-02-29 is refused, not rolled over). */
export function IsBusinessDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isBusinessDate',
      validator: {
        validate: (value: unknown): boolean => typeof value === 'string' && isBusinessDate(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be a calendar date written YYYY-MM-DD`,
          options,
        ),
      },
    },
    options,
  );
}

const INSTANT =
  /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-](0\d|1[0-4]):[0-5]\d)$/;

/** An ISO-8601 instant with its offset (`Z` or `±hh:mm`): a time without a zone names no instant. */
export function isIsoInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = INSTANT.exec(value);
  return match?.[1] !== undefined && isBusinessDate(match[1]) && !Number.isNaN(Date.parse(value));
}

export function IsIsoInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIsoInstant',
      validator: {
        validate: isIsoInstant,
        defaultMessage: buildMessage(
          (each) => `${each}$property must be an ISO-8601 instant with its offset, e.g. 2024-05-01T09:30:00Z`,
          options,
        ),
      },
    },
    options,
  );
}

/** 法人番号: 13 digits whose first is the check digit over the other twelve. */
export function IsCorporateNumber(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCorporateNumber',
      validator: {
        validate: (value: unknown): boolean => typeof value === 'string' && isCorporateNumber(value),
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be 13 digits whose check digit matches (法人番号のチェックディジットが一致しません)`,
          options,
        ),
      },
    },
    options,
  );
}
