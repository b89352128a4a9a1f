import fc from 'fast-check';
import { DomainError } from '../shared/domain-error';
import {
  addDays,
  addMonths,
  civilPeriodEnd,
  compareBusinessDates,
  daysBetween,
  daysInMonth,
  fiscalQuarterOf,
  fiscalQuarterRange,
  fiscalYearOf,
  fiscalYearRange,
  formatBusinessDate,
  isLeapYear,
  parseBusinessDate,
  tryParseBusinessDate,
} from './business-dates';

// Tests may use Date as an independent oracle; the code under test does not.
const utcDay = (date: string): number => Date.parse(`${date}T00:00:00Z`) / 86_400_000;
const dateArbitrary = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

describe('parsing and formatting business dates', () => {
  it.each([
    ['2021-03-12', { year: 2021, month: 3, day: 12 }],
    ['2024-02-29', { year: 2024, month: 2, day: 29 }],
    ['2000-02-29', { year: 2000, month: 2, day: 29 }],
    ['0001-01-01', { year: 1, month: 1, day: 1 }],
  ])('given %s, parses to its calendar fields and formats back', (text, fields) => {
    expect(parseBusinessDate(text)).toEqual(fields);
    expect(formatBusinessDate(fields)).toBe(text);
  });

  it.each([
    ['2023-02-29', 'no 29 February in a common year'],
    ['1900-02-29', 'century years are not leap years unless divisible by 400'],
    ['2021-04-31', 'April has 30 days'],
    ['2021-13-01', 'month 13'],
    ['2021-00-10', 'month 0'],
    ['2021-01-00', 'day 0'],
    ['0000-01-01', 'year 0'],
    ['2021-3-12', 'unpadded month'],
    ['21-03-12', 'two-digit year'],
    [' 2021-03-12', 'leading whitespace'],
    ['2021-03-12T00:00:00Z', 'a timestamp, not a date'],
    ['2021/03/12', 'slashes'],
    ['', 'empty'],
  ])('rejects %s (%s) with DATE.INVALID', (text) => {
    expect(tryParseBusinessDate(text)).toBeUndefined();
    expect(() => parseBusinessDate(text)).toThrow(DomainError);
    expect(() => parseBusinessDate(text)).toThrow(
      expect.objectContaining({ code: 'DATE.INVALID', kind: 'rule' }),
    );
  });

  it('refuses to format fields that are not a date', () => {
    expect(() => formatBusinessDate({ year: 2023, month: 2, day: 29 })).toThrow(
      expect.objectContaining({ code: 'DATE.INVALID' }),
    );
    expect(() => formatBusinessDate({ year: 2023, month: 1, day: 1.5 })).toThrow(
      expect.objectContaining({ code: 'DATE.INVALID' }),
    );
  });

  it.each([
    [2024, true],
    [2023, false],
    [2000, true],
    [1900, false],
    [2100, false],
  ])('leap year %i: %s', (year, leap) => {
    expect(isLeapYear(year)).toBe(leap);
    expect(daysInMonth(year, 2)).toBe(leap ? 29 : 28);
  });
});

describe('addDays and daysBetween', () => {
  it.each([
    ['2021-03-31', 1, '2021-04-01'],
    ['2021-12-31', 1, '2022-01-01'],
    ['2024-02-28', 1, '2024-02-29'],
    ['2023-02-28', 1, '2023-03-01'],
    ['2024-03-01', -1, '2024-02-29'],
    ['2021-04-01', 0, '2021-04-01'],
    ['2021-04-01', 365, '2022-04-01'],
    ['2024-01-01', 366, '2025-01-01'],
  ])('%s + %i days = %s', (from, days, to) => {
    expect(addDays(from, days)).toBe(to);
    expect(daysBetween(from, to)).toBe(days);
    expect(daysBetween(to, from) + days).toBe(0);
  });

  it('agrees with an independent UTC oracle for any date and offset', () => {
    fc.assert(
      fc.property(dateArbitrary, fc.integer({ min: -40_000, max: 40_000 }), (date, days) => {
        const result = addDays(date, days);
        expect(new Date((utcDay(date) + days) * 86_400_000).toISOString().slice(0, 10)).toBe(result);
        expect(daysBetween(date, result)).toBe(days);
      }),
    );
  });

  it('refuses fractional offsets and results outside four-digit years', () => {
    expect(() => addDays('2021-04-01', 0.5)).toThrow(RangeError);
    expect(() => addDays('9999-12-31', 1)).toThrow(expect.objectContaining({ code: 'DATE.INVALID' }));
  });
});

describe('compareBusinessDates', () => {
  it.each([
    ['2021-03-12', '2021-03-13', -1],
    ['2021-03-12', '2021-03-12', 0],
    ['2022-01-01', '2021-12-31', 1],
  ])('compare(%s, %s) = %i', (a, b, expected) => {
    expect(compareBusinessDates(a, b)).toBe(expected);
  });

  it('refuses to order a malformed date instead of sorting it as a string', () => {
    expect(() => compareBusinessDates('2021-3-12', '2021-03-12')).toThrow(
      expect.objectContaining({ code: 'DATE.INVALID' }),
    );
  });
});

describe('addMonths: the corresponding day, or the month end where there is none (art. 143(2))', () => {
  it.each([
    ['2021-04-01', 12, '2022-04-01'],
    ['2021-01-31', 1, '2021-02-28'],
    ['2024-01-31', 1, '2024-02-29'],
    ['2023-10-31', 16, '2025-02-28'],
    ['2021-08-31', 1, '2021-09-30'],
    ['2021-12-15', 1, '2022-01-15'],
    ['2022-01-15', -1, '2021-12-15'],
    ['2024-03-31', -1, '2024-02-29'],
    ['2024-02-29', 12, '2025-02-28'],
    ['2024-02-29', 48, '2028-02-29'],
  ])('%s + %i months = %s', (from, months, to) => {
    expect(addMonths(from, months)).toBe(to);
  });
});

describe('civilPeriodEnd: last day of a period of N months from its first day (art. 143)', () => {
  it.each([
    // corresponding day exists: the day before it
    ['2021-01-01', 16, '2022-04-30'],
    ['2021-04-01', 12, '2022-03-31'],
    ['2021-04-01', 3, '2021-06-30'],
    ['2022-10-29', 16, '2024-02-28'],
    ['2023-10-28', 16, '2025-02-27'],
    // no corresponding day: the last day of that month, not the day before the clamped day
    ['2023-10-29', 16, '2025-02-28'],
    ['2023-10-31', 16, '2025-02-28'],
    ['2023-11-30', 3, '2024-02-29'],
    ['2021-05-31', 1, '2021-06-30'],
  ])('from %s, %i months end on %s', (firstDay, months, last) => {
    expect(civilPeriodEnd(firstDay, months)).toBe(last);
  });

  it('ends the day before the corresponding day, or on the month end exactly when there is no such day', () => {
    fc.assert(
      fc.property(dateArbitrary, fc.integer({ min: 1, max: 60 }), (firstDay, months) => {
        const corresponding = addMonths(firstDay, months);
        const noSuchDay = corresponding.slice(8) !== firstDay.slice(8);
        expect(civilPeriodEnd(firstDay, months)).toBe(noSuchDay ? corresponding : addDays(corresponding, -1));
      }),
    );
  });

  it('refuses periods shorter than one month', () => {
    expect(() => civilPeriodEnd('2021-04-01', 0)).toThrow(RangeError);
  });
});

describe('fiscal years (April–March) and their quarters', () => {
  it.each([
    ['2021-04-01', 2021, 1],
    ['2021-06-30', 2021, 1],
    ['2021-07-01', 2021, 2],
    ['2021-09-30', 2021, 2],
    ['2021-10-01', 2021, 3],
    ['2021-12-31', 2021, 3],
    ['2022-01-01', 2021, 4],
    ['2022-03-31', 2021, 4],
    ['2021-03-12', 2020, 4],
    ['2022-04-01', 2022, 1],
  ])('%s is in FY%i Q%i', (date, fiscalYear, quarter) => {
    expect(fiscalYearOf(date)).toBe(fiscalYear);
    expect(fiscalQuarterOf(date)).toEqual({ fiscalYear, quarter });
  });

  it.each([
    [2021, { start: '2021-04-01', end: '2022-03-31' }],
    [2023, { start: '2023-04-01', end: '2024-03-31' }],
  ])('FY%i runs %o', (fiscalYear, range) => {
    expect(fiscalYearRange(fiscalYear)).toEqual(range);
  });

  it.each([
    [2021, 1, { start: '2021-04-01', end: '2021-06-30' }],
    [2021, 2, { start: '2021-07-01', end: '2021-09-30' }],
    [2021, 3, { start: '2021-10-01', end: '2021-12-31' }],
    [2023, 4, { start: '2024-01-01', end: '2024-03-31' }],
  ] as const)('FY%i Q%i runs %o', (fiscalYear, quarter, range) => {
    expect(fiscalQuarterRange(fiscalYear, quarter)).toEqual(range);
    expect(fiscalQuarterOf(range.start)).toEqual({ fiscalYear, quarter });
    expect(fiscalQuarterOf(range.end)).toEqual({ fiscalYear, quarter });
  });
});
