import { DomainError } from '../shared/domain-error';

/**
 * Business dates are `YYYY-MM-DD` strings in Asia/Tokyo (DOMAIN.md "Time"). All arithmetic here is integer
 * calendar arithmetic on year/month/day: a `Date` would drag a time zone and a time of day into what is a calendar
 * question.
 */
export interface CalendarDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MIN_YEAR = 1;
const MAX_YEAR = 9999;

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isCalendarDate(date: CalendarDate): boolean {
  const { year, month, day } = date;
  return (
    Number.isInteger(year) &&
    Number.isInteger(month) &&
    Number.isInteger(day) &&
    year >= MIN_YEAR &&
    year <= MAX_YEAR &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month)
  );
}

function invalidDate(value: unknown): DomainError {
  return new DomainError(
    'DATE.INVALID',
    `${JSON.stringify(value)} is not a calendar date (YYYY-MM-DD)`,
    'rule',
    {
      value,
    },
  );
}

export function tryParseBusinessDate(value: string): CalendarDate | undefined {
  const match = DATE.exec(value);
  if (!match) return undefined;
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  return isCalendarDate(date) ? date : undefined;
}

/** @throws DomainError `DATE.INVALID` */
export function parseBusinessDate(value: string): CalendarDate {
  const date = tryParseBusinessDate(value);
  if (date === undefined) throw invalidDate(value);
  return date;
}

/** @throws DomainError `DATE.INVALID` */
export function formatBusinessDate(date: CalendarDate): string {
  if (!isCalendarDate(date)) throw invalidDate(date);
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil / civil_from_days),
// so that day arithmetic is a plain integer addition.
function toDayNumber({ year, month, day }: CalendarDate): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const monthFromMarch = (month + 9) % 12;
  const dayOfYear = Math.floor((153 * monthFromMarch + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function fromDayNumber(dayNumber: number): CalendarDate {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function assertWholeNumber(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be a whole number, got ${value}`);
}

export function addDays(date: string, days: number): string {
  assertWholeNumber('days', days);
  return formatBusinessDate(fromDayNumber(toDayNumber(parseBusinessDate(date)) + days));
}

/**
 * The day that corresponds, `months` on, to `date` (Civil Code art. 143(2) 起算日に応当する日); where that month
 * has no such day (31 → a 30-day month, 29–31 → February), the last day of that month. Negative `months` count back.
 */
export function addMonths(date: string, months: number): string {
  assertWholeNumber('months', months);
  const { year, month, day } = parseBusinessDate(date);
  const index = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = (index % 12) + 1;
  return formatBusinessDate({
    year: targetYear,
    month: targetMonth,
    day: Math.min(day, daysInMonth(targetYear, targetMonth)),
  });
}

/**
 * The last day of a period of `months` months whose first day is `firstDay`, by Civil Code art. 143: the day before
 * the day that corresponds, `months` on, to the first day; where that month has no such day, the last day of that
 * month. Not `addMonths(firstDay, months) - 1 day`: first day 2023-10-31 + 16 months ends on 2025-02-28, not
 * 2025-02-27 (DOMAIN.md "Lifecycle" item 7).
 */
export function civilPeriodEnd(firstDay: string, months: number): string {
  assertWholeNumber('months', months);
  if (months < 1) throw new RangeError(`a period lasts at least one month, got ${months}`);
  const { year, month, day } = parseBusinessDate(firstDay);
  const index = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = (index % 12) + 1;
  const lastDay = daysInMonth(targetYear, targetMonth);
  if (day > lastDay) return formatBusinessDate({ year: targetYear, month: targetMonth, day: lastDay });
  return addDays(formatBusinessDate({ year: targetYear, month: targetMonth, day }), -1);
}

/** -1, 0 or 1; validated, so a malformed string cannot silently sort somewhere. */
export function compareBusinessDates(a: string, b: string): -1 | 0 | 1 {
  const difference = daysBetween(b, a);
  return difference < 0 ? -1 : difference > 0 ? 1 : 0;
}

/** Days from `from` to `to` (negative when `to` is earlier); 2021-04-01 → 2021-04-02 is 1. */
export function daysBetween(from: string, to: string): number {
  return toDayNumber(parseBusinessDate(to)) - toDayNumber(parseBusinessDate(from));
}

/** Japanese fiscal year (April–March) named by the calendar year it starts in: 2022-03-31 is in FY2021. */
export function fiscalYearOf(date: string): number {
  const { year, month } = parseBusinessDate(date);
  return month >= 4 ? year : year - 1;
}

export type FiscalQuarter = 1 | 2 | 3 | 4;

/** Q1 = April–June … Q4 = January–March of the next calendar year. */
export function fiscalQuarterOf(date: string): {
  readonly fiscalYear: number;
  readonly quarter: FiscalQuarter;
} {
  const { month } = parseBusinessDate(date);
  const monthOfFiscalYear = (month + 8) % 12; // April → 0 … March → 11
  return {
    fiscalYear: fiscalYearOf(date),
    quarter: (Math.floor(monthOfFiscalYear / 3) + 1) as FiscalQuarter,
  };
}

export interface DateRange {
  readonly start: string;
  readonly end: string;
}

export function fiscalYearRange(fiscalYear: number): DateRange {
  return fiscalQuarterSpan(fiscalYear, 1, 4);
}

export function fiscalQuarterRange(fiscalYear: number, quarter: FiscalQuarter): DateRange {
  return fiscalQuarterSpan(fiscalYear, quarter, quarter);
}

function fiscalQuarterSpan(fiscalYear: number, first: FiscalQuarter, last: FiscalQuarter): DateRange {
  assertWholeNumber('fiscalYear', fiscalYear);
  const start = addMonths(formatBusinessDate({ year: fiscalYear, month: 4, day: 1 }), (first - 1) * 3);
  return { start, end: civilPeriodEnd(start, (last - first + 1) * 3) };
}
