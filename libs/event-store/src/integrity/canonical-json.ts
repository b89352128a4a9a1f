/**
 * RFC 8785 (JSON Canonicalization Scheme): object members sorted by the UTF-16 code units of their names, no
 * whitespace, numbers in ECMAScript's shortest round-trip form, strings escaped as JSON.stringify does (which is
 * what RFC 8785 prescribes for ES2019+ engines). Values JSON cannot carry (undefined, functions, NaN, Infinity,
 * bigint) are refused rather than silently dropped: a hash must cover exactly what is stored.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON cannot hold ${String(value)}`);
      // Number#toString is the ECMAScript shortest form; -0 serialises as 0 (RFC 8785 §3.2.2.3).
      return Object.is(value, -0) ? '0' : JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item: unknown) => canonicalJson(item)).join(',')}]`;
      const record = value as Record<string, unknown>;
      // Default sort compares UTF-16 code units, as RFC 8785 §3.2.3 requires.
      const names = Object.keys(record).sort();
      const members: string[] = [];
      for (const name of names) {
        const member = record[name];
        if (member === undefined) throw new TypeError(`canonical JSON cannot hold undefined (at "${name}")`);
        members.push(`${JSON.stringify(name)}:${canonicalJson(member)}`);
      }
      return `{${members.join(',')}}`;
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      break;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}
