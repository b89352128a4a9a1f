import type { Doc } from './projection';

/** Read access to a projection's documents for queries: the Redis reader and the in-memory model both offer it. */
export interface ReadView {
  get(collection: string, id: string): Promise<Doc | undefined>;
  all(collection: string): Promise<Doc[]>;
}
