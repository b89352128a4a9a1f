import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { MemoryReadModel } from '../memory-read-model';
import type { GenerationKeys } from './keys';
import { globEscape } from './keys';

/**
 * A canonical dump of a read model: one line per document, index member and counter, sorted, with documents as
 * JSON with sorted keys and numbers normalised. Two models are equal exactly when their dumps (and so their
 * SHA-256) are: this is how a rebuilt generation is compared with the live one and Redis with a replay in memory.
 */
export type ReadModelDump = readonly string[];

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(JSON.parse(JSON.stringify(value) ?? 'null')));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort())
      sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    return sorted;
  }
  return value;
}

const num = (value: string | number): string => String(Number(value));
const docLine = (collection: string, id: string, json: string): string =>
  `c\t${collection}\t${id}\t${canonicalJson(JSON.parse(json))}`;

export function dumpMemoryModel(model: MemoryReadModel): ReadModelDump {
  const lines: string[] = [];
  for (const [collection, docs] of model.collections) {
    for (const [id, doc] of docs) lines.push(`c\t${collection}\t${id}\t${canonicalJson(doc)}`);
  }
  for (const [index, members] of model.indexes) {
    for (const [member, score] of members) lines.push(`i\t${index}\t${member}\t${num(score)}`);
  }
  for (const [counter, value] of model.counters) lines.push(`n\t${counter}\t${num(value)}`);
  return lines.sort();
}

/** Collections, indexes and counters of one generation (not its checkpoint, meta or halt flag). */
export async function dumpRedisGeneration(redis: Redis, keys: GenerationKeys): Promise<ReadModelDump> {
  const lines: string[] = [];
  // SCAN may return a key twice; the set keeps the dump free of doubles.
  const found = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${globEscape(keys.base)}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of batch) found.add(key);
  } while (cursor !== '0');
  for (const key of found) {
    const name = key.slice(keys.base.length);
    if (name.startsWith('c:')) {
      const collection = name.slice(2);
      await scanPairs(redis, 'hscan', key, (id, json) => lines.push(docLine(collection, id, json)));
    } else if (name.startsWith('i:')) {
      const index = name.slice(2);
      await scanPairs(redis, 'zscan', key, (member, score) =>
        lines.push(`i\t${index}\t${member}\t${num(score)}`),
      );
    } else if (key === keys.counters) {
      await scanPairs(redis, 'hscan', key, (counter, value) => lines.push(`n\t${counter}\t${num(value)}`));
    }
  }
  return lines.sort();
}

async function scanPairs(
  redis: Redis,
  command: 'hscan' | 'zscan',
  key: string,
  each: (first: string, second: string) => void,
): Promise<void> {
  const pairs = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, flat] =
      command === 'hscan'
        ? await redis.hscan(key, cursor, 'COUNT', 1000)
        : await redis.zscan(key, cursor, 'COUNT', 1000);
    cursor = next;
    for (let i = 0; i + 1 < flat.length; i += 2) pairs.set(flat[i]!, flat[i + 1]!);
  } while (cursor !== '0');
  for (const [first, second] of pairs) each(first, second);
}

export function hashDump(dump: ReadModelDump): string {
  const hash = createHash('sha256');
  for (const line of dump) hash.update(line).update('\n');
  return hash.digest('hex');
}
