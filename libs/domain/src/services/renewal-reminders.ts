import { daysBetween } from '../rules/business-dates';

/** [D] Renewal deadline reminders go out this many days before `validUntil`, most distant first. */
export const RENEWAL_REMINDER_DAYS = [90, 30, 7] as const;
export type RenewalReminderDays = (typeof RENEWAL_REMINDER_DAYS)[number];

export const isRenewalReminderDays = (value: number): value is RenewalReminderDays =>
  (RENEWAL_REMINDER_DAYS as readonly number[]).includes(value);

/**
 * The reminder due on `asOf` for a validity ending `validUntil`: the nearest threshold the day has reached, from
 * that threshold's day up to `validUntil` itself. Only the nearest: after a missed sweep (the worker was down on
 * day 90 and runs again on day 29) the provider gets the 30-day reminder, not a stale 90-day one as well.
 * Null before the first threshold and after `validUntil`.
 */
export function dueRenewalReminder(validUntil: string, asOf: string): RenewalReminderDays | null {
  const daysLeft = daysBetween(asOf, validUntil);
  if (daysLeft < 0) return null;
  let due: RenewalReminderDays | null = null;
  for (const days of RENEWAL_REMINDER_DAYS) if (daysLeft <= days) due = days;
  return due;
}
