import type { ValidityFacts } from './validity';
import { expiredFrom, isRenewalInTime, isValidOn, validUntil } from './validity';

describe('validUntil: 1 year 4 months from the day after the audit period (Basic Regulations 3.5)', () => {
  it.each([
    // DOMAIN.md examples
    ['2020-12-31', '2022-04-30', 'first day 2021-01-01 → 2022-05-01 − 1'],
    ['2021-03-31', '2022-07-31', 'first day 2021-04-01 → 2022-08-01 − 1'],
    ['2023-10-30', '2025-02-28', 'first day 2023-10-31; February 2025 has no 31st → its last day'],
    // issue 3 "Must show"
    ['2023-02-28', '2024-06-30', 'first day 2023-03-01 → 2024-07-01 − 1'],
    ['2024-02-29', '2025-06-30', 'first day 2024-03-01 → 2025-07-01 − 1'],
    ['2023-10-31', '2025-02-28', 'first day 2023-11-01 → 2025-03-01 − 1'],
    // leap February: the corresponding day exists, so the day before it
    ['2022-10-28', '2024-02-28', 'first day 2022-10-29 → 2024-02-29 exists − 1'],
    ['2022-10-29', '2024-02-29', 'first day 2022-10-30; no 30 February 2024 → its last day'],
    // common February: no 29th, so the month's last day rather than the day before a missing day
    ['2023-10-27', '2025-02-27', 'first day 2023-10-28 → 2025-02-28 exists − 1'],
    ['2023-10-28', '2025-02-28', 'first day 2023-10-29; no 29 February 2025 → its last day'],
    ['2023-10-29', '2025-02-28', 'first day 2023-10-30; no 30 February 2025 → its last day'],
    // no corresponding day in a 30-day month
    ['2022-01-30', '2023-05-30', 'first day 2022-01-31 → 2023-05-31 exists − 1'],
    ['2022-03-30', '2023-07-30', 'first day 2022-03-31 → 2023-07-31 exists − 1'],
    ['2022-05-30', '2023-09-30', 'first day 2022-05-31; no 31 September → its last day'],
  ])('audit period ending %s → valid until %s (%s)', (periodEnd, expected) => {
    expect(validUntil(periodEnd)).toBe(expected);
  });

  it('refuses a malformed period end', () => {
    expect(() => validUntil('2023-02-29')).toThrow(expect.objectContaining({ code: 'DATE.INVALID' }));
  });
});

describe('isValidOn and expiredFrom', () => {
  const term: ValidityFacts = { registeredOn: '2021-03-12', validUntil: '2022-04-30' };

  it.each<[string, ValidityFacts, string, boolean]>([
    ['before the registration ruling', term, '2021-03-11', false],
    ['on the registration date', term, '2021-03-12', true],
    ['on validUntil', term, '2022-04-30', true],
    ['the day after validUntil, no renewal', term, '2022-05-01', false],
    [
      'past validUntil, renewal applied on validUntil and undecided',
      { ...term, renewalAppliedOn: '2022-04-30' },
      '2023-01-10',
      true,
    ],
    [
      'past validUntil, renewal applied a day late',
      { ...term, renewalAppliedOn: '2022-05-01' },
      '2022-05-01',
      false,
    ],
    [
      'past validUntil, the day before a REJECT ruling',
      { ...term, renewalAppliedOn: '2022-03-01', renewalDecidedOn: '2022-06-20' },
      '2022-06-19',
      true,
    ],
    [
      'on the ruling date of a REJECT after validUntil',
      { ...term, renewalAppliedOn: '2022-03-01', renewalDecidedOn: '2022-06-20' },
      '2022-06-20',
      false,
    ],
    [
      'renewal rejected before validUntil: the term still runs to its end',
      { ...term, renewalAppliedOn: '2022-01-10', renewalDecidedOn: '2022-03-15' },
      '2022-04-30',
      true,
    ],
    [
      'renewal rejected before validUntil: expired the day after',
      { ...term, renewalAppliedOn: '2022-01-10', renewalDecidedOn: '2022-03-15' },
      '2022-05-01',
      false,
    ],
    ['no registration date known: valid up to validUntil', { validUntil: '2022-04-30' }, '2000-01-01', true],
  ])('%s → %s', (_case, facts, date, valid) => {
    expect(isValidOn(facts, date)).toBe(valid);
  });

  it.each<[string, ValidityFacts, string | undefined]>([
    ['no renewal: the day after validUntil', term, '2022-05-01'],
    ['late renewal does not extend', { ...term, renewalAppliedOn: '2022-05-02' }, '2022-05-01'],
    ['timely renewal, undecided: no expiry yet', { ...term, renewalAppliedOn: '2022-04-01' }, undefined],
    [
      'timely renewal rejected after validUntil: the ruling date',
      { ...term, renewalAppliedOn: '2022-04-01', renewalDecidedOn: '2022-06-20' },
      '2022-06-20',
    ],
    [
      'timely renewal rejected on validUntil: the day after',
      { ...term, renewalAppliedOn: '2022-04-01', renewalDecidedOn: '2022-04-30' },
      '2022-05-01',
    ],
  ])('%s → %s', (_case, facts, expected) => {
    expect(expiredFrom(facts)).toBe(expected);
  });

  it.each([
    ['2022-04-30', '2022-04-29', true],
    ['2022-04-30', '2022-04-30', true],
    ['2022-04-30', '2022-05-01', false],
  ])('a renewal for a term valid until %s applied on %s is in time: %s', (until, appliedOn, inTime) => {
    expect(isRenewalInTime(until, appliedOn)).toBe(inTime);
  });

  it('refuses a malformed query date', () => {
    expect(() => isValidOn(term, '2022-4-30')).toThrow(expect.objectContaining({ code: 'DATE.INVALID' }));
  });
});
