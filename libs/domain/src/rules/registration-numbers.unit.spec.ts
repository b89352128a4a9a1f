import type { RegistrationNumber } from './registration-numbers';
import {
  firstRegistrationNumber,
  formatAuditBodyNumber,
  formatRegistrationNumber,
  isRegistrationNumber,
  nextRenewalNumber,
  parseAuditBodyNumber,
  parseRegistrationNumber,
  registrationNumberBase,
} from './registration-numbers';

const INVALID = expect.objectContaining({ code: 'REGISTRATION_NUMBER.INVALID', kind: 'rule' });

describe('cloud service registration numbers C{YY}-{NNNN}-{n} / L{YY}-{NNNN}-{n}', () => {
  it.each<[string, RegistrationNumber]>([
    ['C21-0008-2', { list: 'ISMAP', year: 2021, serial: 8, renewals: 1 }],
    ['C21-0001-1', { list: 'ISMAP', year: 2021, serial: 1, renewals: 0 }],
    ['L23-0012-1', { list: 'ISMAP-LIU', year: 2023, serial: 12, renewals: 0 }],
    ['C24-9999-10', { list: 'ISMAP', year: 2024, serial: 9999, renewals: 9 }],
    ['C00-0100-3', { list: 'ISMAP', year: 2000, serial: 100, renewals: 2 }],
  ])('%s ⇄ %o', (text, number) => {
    expect(parseRegistrationNumber(text)).toEqual(number);
    expect(formatRegistrationNumber(number)).toBe(text);
    expect(isRegistrationNumber(text)).toBe(true);
  });

  it.each([
    ['C21-0008-0', 'n starts at 1'],
    ['C21-0008-02', 'leading zero in n'],
    ['C21-0000-1', 'serial 0'],
    ['C21-008-1', 'serial of three digits'],
    ['C21-00008-1', 'serial of five digits'],
    ['C2021-0008-1', 'four-digit year'],
    ['C1-0008-1', 'one-digit year'],
    ['X21-0008-1', 'unknown list letter'],
    ['c21-0008-1', 'lower-case letter'],
    ['A21-0008', 'an audit body number'],
    ['C21-0008', 'no renewal part'],
    ['C21-0008-1 ', 'trailing whitespace'],
    ['C21_0008_1', 'underscores'],
    ['C21-0008-99999999999999999999', 'renewal count beyond safe integers'],
    ['', 'empty'],
  ])('rejects %j (%s)', (text) => {
    expect(isRegistrationNumber(text)).toBe(false);
    expect(() => parseRegistrationNumber(text)).toThrow(INVALID);
  });

  it.each<[string, RegistrationNumber]>([
    ['serial 0', { list: 'ISMAP', year: 2021, serial: 0, renewals: 0 }],
    ['serial 10000', { list: 'ISMAP', year: 2021, serial: 10_000, renewals: 0 }],
    ['fractional serial', { list: 'ISMAP', year: 2021, serial: 1.5, renewals: 0 }],
    ['year 1999', { list: 'ISMAP', year: 1999, serial: 1, renewals: 0 }],
    ['year 2100', { list: 'ISMAP', year: 2100, serial: 1, renewals: 0 }],
    ['two-digit year', { list: 'ISMAP', year: 21, serial: 1, renewals: 0 }],
    ['negative renewals', { list: 'ISMAP', year: 2021, serial: 1, renewals: -1 }],
    ['unknown list', { list: 'ISMAP-X' as RegistrationNumber['list'], year: 2021, serial: 1, renewals: 0 }],
  ])('refuses to format %s', (_case, number) => {
    expect(() => formatRegistrationNumber(number)).toThrow(INVALID);
  });

  it.each([
    ['C21-0008-2', 'C21-0008-3'],
    ['C21-0001-1', 'C21-0001-2'],
    ['L23-0012-9', 'L23-0012-10'],
  ])('renewing %s gives %s', (current, next) => {
    expect(nextRenewalNumber(current)).toBe(next);
    expect(registrationNumberBase(next)).toBe(registrationNumberBase(current));
  });

  it('refuses to renew a malformed number', () => {
    expect(() => nextRenewalNumber('C21-8-2')).toThrow(INVALID);
  });

  it.each([
    ['ISMAP', '2021-03-12', 1, 'C21-0001-1'],
    ['ISMAP', '2021-12-31', 20, 'C21-0020-1'],
    ['ISMAP', '2022-01-01', 21, 'C22-0021-1'],
    ['ISMAP-LIU', '2023-05-19', 1, 'L23-0001-1'],
  ] as const)(
    'the first %s registration on %s with serial %i is %s (calendar year, not fiscal)',
    (list, on, serial, text) => {
      expect(firstRegistrationNumber(list, on, serial)).toBe(text);
    },
  );
});

describe('audit body numbers A{YY}-{NNNN}', () => {
  it.each([
    ['A20-0001', { year: 2020, serial: 1 }],
    ['A23-0142', { year: 2023, serial: 142 }],
  ])('%s ⇄ %o', (text, number) => {
    expect(parseAuditBodyNumber(text)).toEqual(number);
    expect(formatAuditBodyNumber(number)).toBe(text);
  });

  it.each(['A20-0000', 'A20-001', 'A20-0001-1', 'C20-0001', 'a20-0001', 'A2020-0001'])(
    'rejects %j',
    (text) => {
      expect(() => parseAuditBodyNumber(text)).toThrow(INVALID);
    },
  );

  it('refuses to format an out-of-range serial', () => {
    expect(() => formatAuditBodyNumber({ year: 2020, serial: 10_000 })).toThrow(INVALID);
  });
});
