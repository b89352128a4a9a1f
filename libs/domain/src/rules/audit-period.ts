import {
  addDays,
  civilPeriodEnd,
  compareBusinessDates,
  daysBetween,
  tryParseBusinessDate,
} from './business-dates';
import type { DateRange } from './business-dates';
import type { RuleViolation } from './violations';
import { throwOnViolations, violation } from './violations';

/** DOMAIN.md "Lifecycle" item 1 [S]: at most 1 year; at least 3 months when shorter than a year. */
export const AUDIT_PERIOD_MAX_MONTHS = 12;
export const AUDIT_PERIOD_MIN_MONTHS = 3;
/** DOMAIN.md "Lifecycle" item 2 [S, one source]. */
export const AUDIT_REPORT_FILING_MONTHS = 3;

/**
 * "1 year" and "3 months" are counted like any statutory period (Civil Code art. 143), with the start date itself
 * as the first day because the audit period covers it whole (art. 140 proviso: a period beginning at 0:00 counts its
 * first day). So the longest period from 2021-04-01 ends 2022-03-31 and the shortest ends 2021-06-30; from
 * 2023-11-30 the shortest ends 2024-02-29 (no 30 February: the month's last day).
 */
export function longestAuditPeriodEnd(start: string): string {
  return civilPeriodEnd(start, AUDIT_PERIOD_MAX_MONTHS);
}

export function shortestAuditPeriodEnd(start: string): string {
  return civilPeriodEnd(start, AUDIT_PERIOD_MIN_MONTHS);
}

/**
 * Every violation of the audit-period rules. `previousPeriodEnd` is the last day of the audit period the current
 * registration was based on; give it for renewals, where the new period must start the very next day [S].
 */
export function checkAuditPeriod(period: DateRange, previousPeriodEnd?: string): readonly RuleViolation[] {
  const unparseable = [
    period.start,
    period.end,
    ...(previousPeriodEnd === undefined ? [] : [previousPeriodEnd]),
  ].filter((date) => tryParseBusinessDate(date) === undefined);
  if (unparseable.length > 0) {
    return [
      violation('AUDIT_PERIOD.INVALID_DATES', `Not calendar dates (YYYY-MM-DD): ${unparseable.join(', ')}`, {
        invalid: unparseable,
      }),
    ];
  }
  if (compareBusinessDates(period.end, period.start) < 0) {
    return [
      violation(
        'AUDIT_PERIOD.INVALID_DATES',
        `The audit period ends (${period.end}) before it starts (${period.start})`,
        {
          start: period.start,
          end: period.end,
        },
      ),
    ];
  }

  const violations: RuleViolation[] = [];
  const latestEnd = longestAuditPeriodEnd(period.start);
  const earliestEnd = shortestAuditPeriodEnd(period.start);
  if (compareBusinessDates(period.end, latestEnd) > 0) {
    violations.push(
      violation(
        'AUDIT_PERIOD.TOO_LONG',
        `An audit period lasts at most 1 year: from ${period.start} it must end by ${latestEnd}, not ${period.end}`,
        { start: period.start, end: period.end, latestEnd },
      ),
    );
  } else if (compareBusinessDates(period.end, earliestEnd) < 0) {
    violations.push(
      violation(
        'AUDIT_PERIOD.TOO_SHORT',
        `An audit period shorter than a year lasts at least 3 months: from ${period.start} it must end on or after ${earliestEnd}, not ${period.end}`,
        { start: period.start, end: period.end, earliestEnd },
      ),
    );
  }

  if (previousPeriodEnd !== undefined) {
    const expectedStart = addDays(previousPeriodEnd, 1);
    const offset = daysBetween(expectedStart, period.start);
    if (offset !== 0) {
      violations.push(
        violation(
          'AUDIT_PERIOD.GAP_ON_RENEWAL',
          `On renewal the audit period starts the day after the previous one ended (${expectedStart}), not ${period.start}: ${
            offset > 0 ? `a gap of ${offset} day(s)` : `an overlap of ${-offset} day(s)`
          }`,
          { previousPeriodEnd, expectedStart, start: period.start, gapDays: offset },
        ),
      );
    }
  }
  return violations;
}

/** @throws DomainError with the first violation's code (`AUDIT_PERIOD.*`), all of them in `details.violations`. */
export function assertAuditPeriod(period: DateRange, previousPeriodEnd?: string): void {
  throwOnViolations(checkAuditPeriod(period, previousPeriodEnd));
}

/** The report concludes on the whole period, so it cannot be dated before the period's last day [S]. */
export function checkAuditReportDate(periodEnd: string, reportDate: string): readonly RuleViolation[] {
  const unparseable = [periodEnd, reportDate].filter((date) => tryParseBusinessDate(date) === undefined);
  if (unparseable.length > 0) {
    return [
      violation('AUDIT_REPORT.INVALID_DATES', `Not calendar dates (YYYY-MM-DD): ${unparseable.join(', ')}`, {
        invalid: unparseable,
      }),
    ];
  }
  if (compareBusinessDates(reportDate, periodEnd) < 0) {
    return [
      violation(
        'AUDIT_REPORT.BEFORE_PERIOD_END',
        `The audit report (${reportDate}) is dated before the audit period ends (${periodEnd})`,
        { periodEnd, reportDate },
      ),
    ];
  }
  return [];
}

/** @throws DomainError `AUDIT_REPORT.BEFORE_PERIOD_END` or `AUDIT_REPORT.INVALID_DATES` */
export function assertAuditReportDate(periodEnd: string, reportDate: string): void {
  throwOnViolations(checkAuditReportDate(periodEnd, reportDate));
}

/** Last day of the 3 months after the period end, counted like validity (art. 143): 2021-03-31 → 2021-06-30. */
export function auditReportFilingDeadline(periodEnd: string): string {
  return civilPeriodEnd(addDays(periodEnd, 1), AUDIT_REPORT_FILING_MONTHS);
}

/**
 * Warning only, never enforced: the 3-month filing window comes from a single source (DOMAIN.md item 2
 * [S, one source]), so refusing an application over it would turn an unconfirmed rule into a hard stop. Surface it to
 * reviewers instead; promote it to an error in a ruleset once confirmed.
 */
export function checkAuditReportFiling(periodEnd: string, filedOn: string): readonly RuleViolation[] {
  const deadline = auditReportFilingDeadline(periodEnd);
  if (compareBusinessDates(filedOn, deadline) <= 0) return [];
  return [
    {
      code: 'AUDIT_REPORT.FILED_LATE',
      message: `The audit report was filed on ${filedOn}, after ${deadline} (3 months after the audit period ended on ${periodEnd})`,
      severity: 'warning',
      details: { periodEnd, filedOn, deadline },
    },
  ];
}
