import { deciderSpecification } from '@ismap/testing/decider-specification';
import { corporateNumberCheckDigit, isCorporateNumber } from './corporate-number';
import type { ProviderEvent } from './provider';
import { providerDecider, providerIdFor } from './provider';

const spec = deciderSpecification(providerDecider);
// 法人番号 of the National Tax Agency (国税庁) itself: check digit 7 over the base 000012050002.
const VALID = '7000012050002';

describe('corporate number', () => {
  it('computes the check digit of published numbers', () => {
    expect(isCorporateNumber('7000012050002')).toBe(true);
    expect(corporateNumberCheckDigit('000012050002')).toBe(7);
  });
  it('rejects a wrong check digit, a wrong length and non-digits', () => {
    expect(isCorporateNumber('8000012050002')).toBe(false);
    expect(isCorporateNumber('700001205000')).toBe(false);
    expect(isCorporateNumber('70000120500O2')).toBe(false);
  });
});

describe('provider decider', () => {
  const register = {
    type: 'RegisterProvider' as const,
    data: { providerId: providerIdFor(VALID), name: ' 国税庁 ', corporateNumber: VALID },
  };

  it('registers a new provider with a trimmed name on the business date', () => {
    spec
      .given([])
      .when(register, { occurredOn: '2021-03-01' })
      .then([
        {
          type: 'ProviderRegistered',
          data: {
            providerId: `P${VALID}`,
            name: '国税庁',
            corporateNumber: VALID,
            registeredOn: '2021-03-01',
          },
        },
      ]);
  });

  it('refuses to register the same corporate number twice', () => {
    const registered: ProviderEvent = {
      type: 'ProviderRegistered',
      data: { providerId: `P${VALID}`, name: '国税庁', corporateNumber: VALID, registeredOn: '2021-03-01' },
    };
    spec.given([registered]).when(register).thenThrows('PROVIDER.ALREADY_REGISTERED');
  });

  it('refuses a blank name and a bad check digit', () => {
    spec
      .given([])
      .when({ ...register, data: { ...register.data, name: '   ' } })
      .thenThrows('PROVIDER.NAME_REQUIRED');
    spec
      .given([])
      .when({ ...register, data: { ...register.data, corporateNumber: '8000012050002' } })
      .thenThrows('PROVIDER.CORPORATE_NUMBER_INVALID');
  });
});
