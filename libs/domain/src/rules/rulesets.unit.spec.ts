import { NoRulesetError, rulesetOn } from './rulesets';

describe('rulesetOn', () => {
  it.each([
    ['2021-03-12', '2020-06', false],
    ['2022-10-31', '2020-06', false],
    ['2022-11-01', '2022-11', true],
    ['2023-05-19', '2023-05', true],
    ['2025-07-01', '2025-07', true],
    ['2026-11-21', '2025-07', true],
  ])('on %s the version in force is %s', (date, version, liu) => {
    expect(rulesetOn(date).version).toBe(version);
    expect(rulesetOn(date).liuTrackOpen).toBe(liu);
  });

  it('has no rules before the programme started', () => {
    expect(() => rulesetOn('2020-05-31')).toThrow(NoRulesetError);
  });
});
