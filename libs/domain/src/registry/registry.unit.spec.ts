import { deciderSpecification } from '@ismap/testing/decider-specification';
import type { NumberReserved, RegistryList, ReserveNumber } from './registry';
import { registryDecider, registryStreamName } from './registry';

const spec = deciderSpecification(registryDecider);

const reserve = (
  subjectId: string,
  reservedOn = '2021-03-12',
  list: RegistryList = 'ISMAP',
): ReserveNumber => ({
  type: 'ReserveNumber',
  data: { list, subjectId, reservedOn },
});
const reserved = (
  subjectId: string,
  serial: number,
  number: string,
  reservedOn = '2021-03-12',
  list: RegistryList = 'ISMAP',
): NumberReserved => ({ type: 'NumberReserved', data: { list, subjectId, reservedOn, serial, number } });

describe('registry decider', () => {
  it('gives the first subject serial 1', () => {
    spec
      .given([])
      .when(reserve('APP-0001'))
      .then([reserved('APP-0001', 1, 'C21-0001-1')]);
  });

  it('gives the next subjects serials 2 and 3', () => {
    spec
      .given([reserved('APP-0001', 1, 'C21-0001-1'), reserved('APP-0002', 2, 'C21-0002-1')])
      .when(reserve('APP-0003'))
      .then([reserved('APP-0003', 3, 'C21-0003-1')]);
  });

  it('gives the same subject no new number (a retried ruling reuses its reservation)', () => {
    spec
      .given([reserved('APP-0001', 1, 'C21-0001-1')])
      .when(reserve('APP-0001', '2021-06-22'))
      .then([]);
  });

  it('keeps counting serials across calendar years, with the year of the reservation date', () => {
    spec
      .given([reserved('APP-0001', 1, 'C21-0001-1')])
      .when(reserve('APP-0002', '2022-01-05'))
      .then([reserved('APP-0002', 2, 'C22-0002-1', '2022-01-05')]);
  });

  it('takes the calendar year, not the fiscal year: 2022-03-31 (FY2021) numbers as 22', () => {
    spec
      .given([])
      .when(reserve('APP-0001', '2022-03-31'))
      .then([reserved('APP-0001', 1, 'C22-0001-1', '2022-03-31')]);
  });

  it('numbers the ISMAP-LIU list with L', () => {
    spec
      .given([])
      .when(reserve('APP-0100', '2023-01-10', 'ISMAP_LIU'))
      .then([reserved('APP-0100', 1, 'L23-0001-1', '2023-01-10', 'ISMAP_LIU')]);
  });

  it('numbers audit bodies A{YY}-{NNNN}', () => {
    spec
      .given([])
      .when(reserve('AB2120001000002', '2020-12-25', 'AUDIT_BODY'))
      .then([reserved('AB2120001000002', 1, 'A20-0001', '2020-12-25', 'AUDIT_BODY')]);
  });

  it('refuses serial 10000', () => {
    spec
      .given([reserved('APP-9999', 9999, 'C30-9999-1')])
      .when(reserve('APP-X'))
      .thenThrows('REGISTRY.FULL');
  });

  it.each<[RegistryList, string]>([
    ['ISMAP', 'registry-ISMAP'],
    ['ISMAP_LIU', 'registry-ISMAP_LIU'],
    ['AUDIT_BODY', 'registry-AUDIT_BODY'],
  ])('keeps the %s list in its own stream', (list, stream) => {
    expect(registryStreamName(list)).toBe(stream);
  });
});
