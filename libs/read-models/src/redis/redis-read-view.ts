import type { Redis } from 'ioredis';
import type { Position } from '@ismap/event-store';
import type { Doc } from '../projection';
import type { IndexEntry, RangeOptions, ReadView } from '../read-view';
import type { GenerationKeys, ProjectionKeys } from './keys';
import { parseGeneration, projectionKeys } from './keys';

export interface RedisReadViewOptions {
  /**
   * How long the live generation is remembered. A rebuild deletes the previous generation only after
   * `REBUILD_READER_GRACE_MS`, which must stay above this.
   */
  readonly cacheMs?: number;
}

/** Milliseconds a view may keep reading a generation after a switch: keep below REBUILD_READER_GRACE_MS. */
export const VIEW_GENERATION_CACHE_MS = 250;

/** A projection's live generation in Redis, for queries. Before the first generation exists every read is empty. */
export class RedisReadView implements ReadView {
  private readonly keys: ProjectionKeys;
  private readonly cacheMs: number;
  private cached: { readonly keys: GenerationKeys | undefined; readonly until: number } | undefined;
  private resolving: Promise<GenerationKeys | undefined> | undefined;
  /** Counts readAtLeast calls: a lookup started before the latest one is superseded. */
  private lookups = 0;
  private versioning: Promise<string> | undefined;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    projectionName: string,
    options: RedisReadViewOptions = {},
  ) {
    this.keys = projectionKeys(prefix, projectionName);
    this.cacheMs = options.cacheMs ?? VIEW_GENERATION_CACHE_MS;
  }

  async get(collection: string, id: string): Promise<Doc | undefined> {
    const generation = await this.generation();
    if (generation === undefined) return undefined;
    return parse(await this.redis.hget(generation.collection(collection), id));
  }

  async getMany(collection: string, ids: readonly string[]): Promise<(Doc | undefined)[]> {
    const generation = await this.generation();
    if (generation === undefined || ids.length === 0) return ids.map(() => undefined);
    const values = await this.redis.hmget(generation.collection(collection), ...ids);
    return values.map(parse);
  }

  async all(collection: string): Promise<Doc[]> {
    const generation = await this.generation();
    if (generation === undefined) return [];
    const values = await this.redis.hvals(generation.collection(collection));
    return values.map((value) => JSON.parse(value) as Doc);
  }

  async range(index: string, { after, limit, direction = 'forwards' }: RangeOptions): Promise<IndexEntry[]> {
    const generation = await this.generation();
    if (generation === undefined || limit <= 0) return [];
    const key = generation.index(index);
    const reply =
      direction === 'forwards'
        ? await this.redis.zrangebyscore(
            key,
            after === undefined ? '-inf' : `(${after}`,
            '+inf',
            'WITHSCORES',
            'LIMIT',
            0,
            limit,
          )
        : await this.redis.zrevrangebyscore(
            key,
            after === undefined ? '+inf' : `(${after}`,
            '-inf',
            'WITHSCORES',
            'LIMIT',
            0,
            limit,
          );
    const entries: IndexEntry[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      entries.push({ member: reply[i]!, score: Number(reply[i + 1]) });
    }
    return entries;
  }

  async counter(name: string): Promise<number> {
    const generation = await this.generation();
    if (generation === undefined) return 0;
    const value = await this.redis.hget(generation.counters, name);
    return value === null ? 0 : Number(value);
  }

  /** The position the live generation has applied (read-your-writes compares X-Min-Log-Position with it). */
  async checkpoint(): Promise<Position | undefined> {
    const generation = await this.generation();
    if (generation === undefined) return undefined;
    return (await this.redis.get(generation.checkpoint)) ?? undefined;
  }

  /**
   * Changes whenever what this view reads changes (another generation, or a new checkpoint of it): a cache key for
   * answers computed from the view. Concurrent callers share one lookup; `fresh` starts a lookup of its own, for a
   * caller that must see at least what it has just waited for (X-Min-Log-Position).
   */
  version(options: { readonly fresh?: boolean } = {}): Promise<string> {
    if (options.fresh !== true && this.versioning !== undefined) return this.versioning;
    const lookup = (async () => {
      const generation = await this.generation();
      if (generation === undefined) return 'none';
      return `${generation.generation}:${(await this.redis.get(generation.checkpoint)) ?? ''}`;
    })();
    if (options.fresh === true) return lookup;
    this.versioning = lookup.finally(() => {
      this.versioning = undefined;
    });
    return this.versioning;
  }

  /** The generation queries read now (as cached). */
  async liveGeneration(): Promise<number | undefined> {
    return (await this.generation())?.generation;
  }

  /**
   * From now on reads `generation` or a later one. For a caller that has just found `generation` live (its
   * checkpoint satisfied X-Min-Log-Position): the view may remember the generation it replaced for up to `cacheMs`,
   * and a lookup under way may have been answered before the switch; neither may answer that caller. Generation
   * numbers only grow (INCR), so a later one remembered is kept.
   */
  readAtLeast(generation: number): void {
    const cached = this.cached;
    if (
      cached !== undefined &&
      Date.now() < cached.until &&
      cached.keys !== undefined &&
      cached.keys.generation >= generation
    ) {
      return;
    }
    this.cached = { keys: this.keys.generation(generation), until: Date.now() + this.cacheMs };
    this.lookups += 1;
    this.resolving = undefined;
  }

  private async generation(): Promise<GenerationKeys | undefined> {
    const cached = this.cached;
    if (cached !== undefined && Date.now() < cached.until) return cached.keys;
    // Concurrent queries share one lookup.
    this.resolving ??= this.lookUp();
    return this.resolving;
  }

  private lookUp(): Promise<GenerationKeys | undefined> {
    const lookup = this.lookups;
    // Superseded by readAtLeast while under way: its answer may predate a switch, so it is neither remembered nor
    // left for later callers to share.
    const current = (): boolean => lookup === this.lookups;
    return this.redis
      .get(this.keys.live)
      .then((value) => {
        const generation = parseGeneration(value);
        const keys = generation === undefined ? undefined : this.keys.generation(generation);
        if (current()) this.cached = { keys, until: Date.now() + this.cacheMs };
        return keys;
      })
      .finally(() => {
        if (current()) this.resolving = undefined;
      });
  }
}

function parse(value: string | null | undefined): Doc | undefined {
  return value === null || value === undefined ? undefined : (JSON.parse(value) as Doc);
}
