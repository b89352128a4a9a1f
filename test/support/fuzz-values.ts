import fc from 'fast-check';

/** Every byte of the UTF-8 form, %-encoded: lone surrogates included (they become U+FFFD). */
export const percentEncode = (text: string): string =>
  [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');

/** Text that has broken parsers before: control characters, injections, prototype names, huge or odd numbers. */
export const NASTY_TEXTS = [
  '',
  ' ',
  '\r\n',
  '\u0000',
  '../../etc/passwd',
  '%00',
  '${jndi:ldap://x}',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  '9'.repeat(400),
  '\u202e\u2028\ud800',
  'NaN',
  '-0',
  '1e309',
  'null',
] as const;

/** Any string, or one of NASTY_TEXTS. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...NASTY_TEXTS),
);
