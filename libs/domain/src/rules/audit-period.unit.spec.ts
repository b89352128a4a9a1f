import { DomainError } from '../shared/domain-error';
import {
  assertAuditPeriod,
  assertAuditReportDate,
  auditReportFilingDeadline,
  checkAuditPeriod,
  checkAuditReportDate,
  checkAuditReportFiling,
} from './audit-period';
import { throwOnViolations } from './violations';

const codes = (violations: readonly { code: string }[]): string[] => violations.map((v) => v.code);

describe('audit period length: at most 1 year, at least 3 months when shorter (DOMAIN.md item 1)', () => {
  it.each([
    ['exactly 1 year', '2021-04-01', '2022-03-31', []],
    ['1 year + 1 day', '2021-04-01', '2022-04-01', ['AUDIT_PERIOD.TOO_LONG']],
    ['exactly 3 months', '2021-04-01', '2021-06-30', []],
    ['3 months − 1 day', '2021-04-01', '2021-06-29', ['AUDIT_PERIOD.TOO_SHORT']],
    ['6 months', '2021-04-01', '2021-09-30', []],
    ['a single day', '2021-04-01', '2021-04-01', ['AUDIT_PERIOD.TOO_SHORT']],
    ['1 year from a leap day', '2024-02-29', '2025-02-28', []],
    ['1 year + 1 day from a leap day', '2024-02-29', '2025-03-01', ['AUDIT_PERIOD.TOO_LONG']],
    ['3 months from 30 November ends on the last day of February', '2023-11-30', '2024-02-29', []],
    ['3 months − 1 day from 30 November', '2023-11-30', '2024-02-28', ['AUDIT_PERIOD.TOO_SHORT']],
    ['1 year from mid-month', '2022-10-15', '2023-10-14', []],
    ['1 year + 1 day from mid-month', '2022-10-15', '2023-10-15', ['AUDIT_PERIOD.TOO_LONG']],
  ])('%s (%s … %s) → %j', (_case, start, end, expected) => {
    expect(codes(checkAuditPeriod({ start, end }))).toEqual(expected);
  });

  it('says which end date would have been allowed', () => {
    expect(checkAuditPeriod({ start: '2021-04-01', end: '2022-04-01' })[0]?.details).toEqual({
      start: '2021-04-01',
      end: '2022-04-01',
      latestEnd: '2022-03-31',
    });
    expect(checkAuditPeriod({ start: '2021-04-01', end: '2021-06-29' })[0]?.details).toEqual({
      start: '2021-04-01',
      end: '2021-06-29',
      earliestEnd: '2021-06-30',
    });
  });
});

describe('audit period dates', () => {
  it.each([
    ['end before start', '2021-04-02', '2021-04-01', undefined],
    ['start not a date', '2021-02-30', '2021-12-31', undefined],
    ['end not a date', '2021-04-01', 'soon', undefined],
    ['previous period end not a date', '2021-04-01', '2022-03-31', '2021-03-32'],
  ])('%s → only AUDIT_PERIOD.INVALID_DATES', (_case, start, end, previous) => {
    expect(codes(checkAuditPeriod({ start, end }, previous))).toEqual(['AUDIT_PERIOD.INVALID_DATES']);
  });
});

describe('renewal: the new period starts the day after the previous one ended', () => {
  it.each([
    ['contiguous', '2021-03-31', '2021-04-01', '2022-03-31', [], undefined],
    ['contiguous across a leap day', '2024-02-28', '2024-02-29', '2025-02-28', [], undefined],
    ['a gap of one day', '2021-03-31', '2021-04-02', '2022-03-31', ['AUDIT_PERIOD.GAP_ON_RENEWAL'], 1],
    ['an overlap of one day', '2021-03-31', '2021-03-31', '2022-03-30', ['AUDIT_PERIOD.GAP_ON_RENEWAL'], -1],
    [
      'a gap and too long at once',
      '2021-03-31',
      '2021-05-01',
      '2022-05-01',
      ['AUDIT_PERIOD.TOO_LONG', 'AUDIT_PERIOD.GAP_ON_RENEWAL'],
      30,
    ],
  ])('%s (previous end %s, new %s … %s) → %j', (_case, previous, start, end, expected, gapDays) => {
    const violations = checkAuditPeriod({ start, end }, previous);
    expect(codes(violations)).toEqual(expected);
    const gap = violations.find((v) => v.code === 'AUDIT_PERIOD.GAP_ON_RENEWAL');
    expect(gap?.details?.['gapDays']).toBe(gapDays);
  });
});

describe('assertAuditPeriod', () => {
  it('passes a valid renewal period', () => {
    expect(() => assertAuditPeriod({ start: '2021-04-01', end: '2022-03-31' }, '2021-03-31')).not.toThrow();
  });

  it('throws a rule DomainError with the first code and every violation listed', () => {
    let thrown: unknown;
    try {
      assertAuditPeriod({ start: '2021-05-01', end: '2022-05-01' }, '2021-03-31');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    const error = thrown as DomainError;
    expect(error.code).toBe('AUDIT_PERIOD.TOO_LONG');
    expect(error.kind).toBe('rule');
    expect((error.details['violations'] as { code: string }[]).map((v) => v.code)).toEqual([
      'AUDIT_PERIOD.TOO_LONG',
      'AUDIT_PERIOD.GAP_ON_RENEWAL',
    ]);
  });
});

describe('audit report date: on or after the period end', () => {
  it.each([
    ['2022-03-31', '2022-03-30', ['AUDIT_REPORT.BEFORE_PERIOD_END']],
    ['2022-03-31', '2022-03-31', []],
    ['2022-03-31', '2022-06-15', []],
    ['2022-03-31', '2022-06-31', ['AUDIT_REPORT.INVALID_DATES']],
  ])('period end %s, report dated %s → %j', (periodEnd, reportDate, expected) => {
    expect(codes(checkAuditReportDate(periodEnd, reportDate))).toEqual(expected);
  });

  it('throws AUDIT_REPORT.BEFORE_PERIOD_END as a rule error', () => {
    expect(() => assertAuditReportDate('2022-03-31', '2022-03-30')).toThrow(
      expect.objectContaining({ code: 'AUDIT_REPORT.BEFORE_PERIOD_END', kind: 'rule' }),
    );
  });
});

describe('audit report filed within 3 months of the period end (warning only)', () => {
  it.each([
    ['2022-03-31', '2022-06-30'],
    ['2021-12-31', '2022-03-31'],
    ['2022-11-30', '2023-02-28'],
    ['2023-11-29', '2024-02-29'],
  ])('period end %s → file by %s', (periodEnd, deadline) => {
    expect(auditReportFilingDeadline(periodEnd)).toBe(deadline);
  });

  it.each([
    ['2022-03-31', '2022-06-30', []],
    ['2022-03-31', '2022-07-01', ['AUDIT_REPORT.FILED_LATE']],
  ])('period end %s, filed %s → %j', (periodEnd, filedOn, expected) => {
    expect(codes(checkAuditReportFiling(periodEnd, filedOn))).toEqual(expected);
  });

  it('is a warning, so asserting it never refuses', () => {
    const late = checkAuditReportFiling('2022-03-31', '2022-09-01');
    expect(late.map((v) => v.severity)).toEqual(['warning']);
    expect(() => throwOnViolations(late)).not.toThrow();
  });
});
