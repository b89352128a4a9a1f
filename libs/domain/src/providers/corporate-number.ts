/**
 * Japan's corporate number (法人番号): 13 digits, the first a check digit over the other twelve
 * (National Tax Agency specification: 9 − (Σ Pn×Qn mod 9), Pn the n-th digit from the right of the base,
 * Qn = 1 for odd n, 2 for even n).
 */
export function corporateNumberCheckDigit(base12: string): number {
  let sum = 0;
  for (let n = 1; n <= 12; n++) {
    const digit = Number(base12[12 - n]);
    sum += digit * (n % 2 === 1 ? 1 : 2);
  }
  return 9 - (sum % 9);
}

export function isCorporateNumber(value: string): boolean {
  if (!/^\d{13}$/.test(value)) return false;
  return corporateNumberCheckDigit(value.slice(1)) === Number(value[0]);
}
