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

/** The seed of a property run: `FUZZ_SEED` to replay a printed counterexample, else a fresh one. */
export const fuzzSeed = (): number => Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);

const PROBLEM_KEYS = ['type', 'title', 'status', 'code'];

/** What is wrong with an answer as the edge must give it, or undefined: no 5xx, no internals, 4xx as problem+json. */
export function answerDefect(response: {
  readonly statusCode: number;
  readonly headers: Record<string, unknown>;
  readonly body: string;
}): string | undefined {
  if (response.statusCode >= 500) return 'a 5xx';
  if (/\bat \S+ \(|\.ts:\d+|"stack"/.test(response.body)) return 'internals leaked';
  if (response.statusCode < 400) return undefined;
  if (!String(response.headers['content-type']).startsWith('application/problem+json'))
    return 'not problem+json';
  const problem = JSON.parse(response.body) as Record<string, unknown>;
  const missing = PROBLEM_KEYS.find((member) => problem[member] === undefined);
  if (missing !== undefined) return `problem without ${missing}`;
  if (
    problem['status'] !== response.statusCode ||
    !/^[A-Z_]+(\.[A-Z0-9_]+)+$/.test(String(problem['code']))
  ) {
    return 'problem does not match its status or has no stable code';
  }
  return undefined;
}
