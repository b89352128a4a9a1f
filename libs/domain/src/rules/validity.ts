import { addDays, civilPeriodEnd, compareBusinessDates, parseBusinessDate } from './business-dates';

/** Basic Regulations 3.5 [S]: "1 year 4 months". */
export const VALIDITY_MONTHS = 16;

/**
 * Last day on which a registration based on an audit period ending `auditPeriodEnd` is valid (DOMAIN.md
 * "Lifecycle" item 7 [S]): the 16 months are counted from the day after the period's last day, and by Civil Code
 * art. 143 they end the day before the day that corresponds, 16 months on, to that first day — or, where that month
 * has no such day, on the month's last day.
 *
 * Read literally, that second branch means period ends 2023-10-28, -29 and -30 all give 2025-02-28: first days
 * 2023-10-29/-30/-31 have no corresponding day in February 2025, so the period ends on February's last day rather
 * than "the day before" a day that does not exist. Only when the corresponding day exists do we step back one day
 * (2022-10-28 → first day 2022-10-29 → 2024-02-29 exists → 2024-02-28).
 *
 * @throws DomainError `DATE.INVALID`
 */
export function validUntil(auditPeriodEnd: string): string {
  return civilPeriodEnd(addDays(auditPeriodEnd, 1), VALIDITY_MONTHS);
}

/**
 * What is known about one validity term of a registration. A RENEW ruling starts a new term (new `validUntil`), so a
 * term's facts never include a successful renewal's outcome: `renewalDecidedOn` only ends the grace of a pending
 * renewal. A DEFER ruling is not a decision.
 */
export interface ValidityFacts {
  /** Business date of the REGISTER (or RENEW) ruling that started the term; before it the term is not valid. */
  readonly registeredOn?: string;
  readonly validUntil: string;
  /** Business date the renewal application was submitted, if one was. */
  readonly renewalAppliedOn?: string;
  /** Business date of the ruling that closed that renewal application without renewing it (e.g. REJECT). */
  readonly renewalDecidedOn?: string;
}

/** A renewal keeps the registration alive past `validUntil` only when applied for on or before it [S]. */
export function isRenewalInTime(validUntilDate: string, renewalAppliedOn: string): boolean {
  return compareBusinessDates(renewalAppliedOn, validUntilDate) <= 0;
}

/**
 * First day on which the term is EXPIRED, or `undefined` while a timely renewal is still undecided (the grace of
 * DOMAIN.md item 7 [S] has no end date until the committee decides).
 *
 * - no timely renewal: the day after `validUntil` [S];
 * - a timely renewal decided after `validUntil` without renewing: the ruling date [D];
 * - decided on or before `validUntil`: the term simply runs out, the day after `validUntil`.
 */
export function expiredFrom(facts: ValidityFacts): string | undefined {
  const dayAfter = addDays(facts.validUntil, 1);
  if (facts.renewalAppliedOn === undefined || !isRenewalInTime(facts.validUntil, facts.renewalAppliedOn)) {
    return dayAfter;
  }
  if (facts.renewalDecidedOn === undefined) return undefined;
  return compareBusinessDates(facts.renewalDecidedOn, dayAfter) > 0 ? facts.renewalDecidedOn : dayAfter;
}

/** Whether the term counts as valid on business date `date` (for "the list as decided on D"). */
export function isValidOn(facts: ValidityFacts, date: string): boolean {
  parseBusinessDate(date);
  if (facts.registeredOn !== undefined && compareBusinessDates(date, facts.registeredOn) < 0) return false;
  const expiry = expiredFrom(facts);
  return expiry === undefined || compareBusinessDates(date, expiry) < 0;
}
