import { DomainError } from '../shared/domain-error';
import { parseBusinessDate } from './business-dates';

/**
 * Registration numbers (DOMAIN.md "Lists"): `C21-0008-2` is the published shape [S]; the reading of its parts is
 * ours [D]: `C` ISMAP / `L` ISMAP-LIU, the two-digit calendar year of first registration, a 1-based serial in order of
 * first registration within that list, and 1 + the number of renewals. Audit bodies: `A{YY}-{NNNN}` [D].
 */
export type ServiceList = 'ISMAP' | 'ISMAP-LIU';

export interface RegistrationNumber {
  readonly list: ServiceList;
  /** Four-digit calendar year of the first registration. */
  readonly year: number;
  readonly serial: number;
  /** Renewals so far: the number's last part is `renewals + 1`. */
  readonly renewals: number;
}

export interface AuditBodyNumber {
  /** Four-digit calendar year of the audit body's registration. */
  readonly year: number;
  readonly serial: number;
}

const LIST_LETTER: Readonly<Record<ServiceList, 'C' | 'L'>> = { ISMAP: 'C', 'ISMAP-LIU': 'L' };
const REGISTRATION_NUMBER = /^([CL])(\d{2})-(\d{4})-([1-9]\d*)$/;
const AUDIT_BODY_NUMBER = /^A(\d{2})-(\d{4})$/;
const MAX_SERIAL = 9999;

function invalid(value: unknown, why: string): DomainError {
  return new DomainError(
    'REGISTRATION_NUMBER.INVALID',
    `${JSON.stringify(value)} is not a valid number: ${why}`,
    'rule',
    {
      value,
      reason: why,
    },
  );
}

// Two digits cannot say the century; the programme started in 2020, so every year it numbers is in 2000–2099.
function twoDigitYear(year: number, value: unknown): string {
  if (!Number.isInteger(year) || year < 2000 || year > 2099)
    throw invalid(value, 'the year must be 2000–2099');
  return String(year - 2000).padStart(2, '0');
}

function fourDigitSerial(serial: number, value: unknown): string {
  if (!Number.isInteger(serial) || serial < 1 || serial > MAX_SERIAL) {
    throw invalid(value, `the serial must be 1–${MAX_SERIAL}`);
  }
  return String(serial).padStart(4, '0');
}

/** @throws DomainError `REGISTRATION_NUMBER.INVALID` */
export function formatRegistrationNumber(number: RegistrationNumber): string {
  const letter = LIST_LETTER[number.list] as 'C' | 'L' | undefined;
  if (letter === undefined) throw invalid(number, 'the list must be ISMAP or ISMAP-LIU');
  if (!Number.isSafeInteger(number.renewals) || number.renewals < 0) {
    throw invalid(number, 'renewals must be a whole number ≥ 0');
  }
  return `${letter}${twoDigitYear(number.year, number)}-${fourDigitSerial(number.serial, number)}-${number.renewals + 1}`;
}

/**
 * The number a first REGISTER ruling assigns: the year is the calendar year of the registration date (the first list,
 * 2021-03-12, is still FY2020 but its entries read `C21-…`).
 * @throws DomainError `REGISTRATION_NUMBER.INVALID`, `DATE.INVALID`
 */
export function firstRegistrationNumber(list: ServiceList, registeredOn: string, serial: number): string {
  return formatRegistrationNumber({ list, year: parseBusinessDate(registeredOn).year, serial, renewals: 0 });
}

/** @throws DomainError `REGISTRATION_NUMBER.INVALID` */
export function parseRegistrationNumber(value: string): RegistrationNumber {
  const match = REGISTRATION_NUMBER.exec(value);
  if (!match) throw invalid(value, 'expected C{YY}-{NNNN}-{n} or L{YY}-{NNNN}-{n}');
  const [, letter, yy, nnnn, n] = match;
  const serial = Number(nnnn);
  const edition = Number(n);
  if (serial < 1) throw invalid(value, 'serials start at 0001');
  if (!Number.isSafeInteger(edition)) throw invalid(value, 'the renewal count is out of range');
  return {
    list: letter === 'C' ? 'ISMAP' : 'ISMAP-LIU',
    year: 2000 + Number(yy),
    serial,
    renewals: edition - 1,
  };
}

export function isRegistrationNumber(value: string): boolean {
  try {
    parseRegistrationNumber(value);
    return true;
  } catch {
    return false;
  }
}

/** `C21-0008-2` → `C21-0008-3`: a renewal keeps the service's year and serial. */
export function nextRenewalNumber(value: string): string {
  const number = parseRegistrationNumber(value);
  return formatRegistrationNumber({ ...number, renewals: number.renewals + 1 });
}

/** `C21-0008-2` → `C21-0008`: the part that stays the same across renewals, i.e. identifies the service. */
export function registrationNumberBase(value: string): string {
  const number = parseRegistrationNumber(value);
  return `${LIST_LETTER[number.list]}${twoDigitYear(number.year, value)}-${fourDigitSerial(number.serial, value)}`;
}

/** @throws DomainError `REGISTRATION_NUMBER.INVALID` */
export function formatAuditBodyNumber(number: AuditBodyNumber): string {
  return `A${twoDigitYear(number.year, number)}-${fourDigitSerial(number.serial, number)}`;
}

/** @throws DomainError `REGISTRATION_NUMBER.INVALID` */
export function parseAuditBodyNumber(value: string): AuditBodyNumber {
  const match = AUDIT_BODY_NUMBER.exec(value);
  if (!match) throw invalid(value, 'expected A{YY}-{NNNN}');
  const serial = Number(match[2]);
  if (serial < 1) throw invalid(value, 'serials start at 0001');
  return { year: 2000 + Number(match[1]), serial };
}
