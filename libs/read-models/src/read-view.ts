import type { Doc } from './projection';

export interface IndexEntry {
  readonly member: string;
  readonly score: number;
}

export interface RangeOptions {
  /** Only entries with a score strictly greater (forwards) or strictly less (backwards) than this. */
  readonly after?: number;
  readonly limit: number;
  readonly direction?: 'forwards' | 'backwards';
}

/**
 * Read access to one projection's documents for queries. The Redis reader (the live key space) and the in-memory
 * model (time travel, tests) both implement it, so query functions are written once.
 */
export interface ReadView {
  get(collection: string, id: string): Promise<Doc | undefined>;
  getMany(collection: string, ids: readonly string[]): Promise<(Doc | undefined)[]>;
  all(collection: string): Promise<Doc[]>;
  range(index: string, options: RangeOptions): Promise<IndexEntry[]>;
  counter(name: string): Promise<number>;
}
