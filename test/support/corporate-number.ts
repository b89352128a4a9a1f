import { corporateNumberCheckDigit } from '@ismap/domain';

/** A valid 法人番号 with a random base: the check digit is computed, never hand-written. */
export function randomCorporateNumber(): string {
  const base12 = String(Math.floor(Math.random() * 1e12)).padStart(12, '0');
  return `${corporateNumberCheckDigit(base12)}${base12}`;
}
