import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS } from '@ismap/application';
import { APP_CONFIG, type AppConfig } from '@ismap/config';
import type { EventStore, Position } from '@ismap/event-store';
import { comparePositions, EVENT_STORE } from '@ismap/event-store';
import type { Projection, ReadView } from '@ismap/read-models';
import {
  headPosition,
  PROJECTIONS,
  projectionKeys,
  readCheckpoint,
  readLiveGeneration,
  RedisReadView,
  replayInMemory,
  memoryView,
} from '@ismap/read-models';
import { minLogPositionOf } from '../http/min-log-position';
import { problem, ProblemException } from '../http/problem';

const WAIT_LIMIT_MS = 5000;
const WAIT_STEP_MS = 50;

/** The query side's access to the read models: live views in Redis, time travel, and read-your-writes. */
@Injectable()
export class ReadModels {
  private readonly views = new Map<string, RedisReadView>();
  /** The highest log head seen (logHasReached). */
  private head: Position | undefined;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  projection(name: string): Projection {
    const found = PROJECTIONS.find((p) => p.name === name);
    if (found === undefined) throw new Error(`no projection named ${name}`);
    return found;
  }

  live(name: string): ReadView {
    return this.liveView(name);
  }

  /**
   * Changes whenever the live read model of `name` changes (a new generation or a new checkpoint): a cache key for
   * answers computed from it. It names what `live(name)` reads, which may lag a generation switch by the view's
   * cache time. Concurrent callers share one Redis lookup unless `fresh` (the caller waited for a log position).
   */
  stamp(name: string, options: { readonly fresh?: boolean } = {}): Promise<string> {
    return this.liveView(name).version(options);
  }

  private liveView(name: string): RedisReadView {
    let view = this.views.get(name);
    if (view === undefined) {
      view = new RedisReadView(this.redis, this.config.redisKeyPrefix, this.projection(name).name);
      this.views.set(name, view);
    }
    return view;
  }

  /** The projection replayed in memory as decided by `asOf` and/or as recorded at `atPosition`. */
  async replayed(name: string, point: { asOf?: string; atPosition?: Position }): Promise<ReadView> {
    return memoryView(await replayInMemory(this.store, this.projection(name), point));
  }

  /**
   * `X-Min-Log-Position`: waits (at most 5 s) until every named projection has applied every event up to the
   * position that concerns it, else 503 with Retry-After. Events a projection does not handle never hold it back.
   * Once it returns, `live(name)` reads the generation that was found caught up, or a later one.
   */
  async waitFor(header: string | string[] | undefined, names: readonly string[]): Promise<void> {
    const position = minLogPositionOf(header);
    if (position === undefined) return;
    const deadline = Date.now() + WAIT_LIMIT_MS;
    for (const name of names) {
      while (!(await this.caughtUp(name, position))) {
        if (Date.now() >= deadline) {
          throw new ProblemException(
            problem(
              503,
              'READ_MODEL.NOT_CAUGHT_UP',
              `The ${name} read model has not reached position ${position} yet`,
            ),
            { 'retry-after': '1' },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
      }
    }
  }

  private async caughtUp(name: string, position: Position): Promise<boolean> {
    const projection = this.projection(name);
    const keys = projectionKeys(this.config.redisKeyPrefix, projection.name);
    const generation = await readLiveGeneration(this.redis, keys);
    const checkpoint =
      generation === undefined ? undefined : await readCheckpoint(this.redis, keys.generation(generation));
    if (checkpoint === undefined || comparePositions(checkpoint, position) < 0) {
      // A position the log has not reached (from another data directory, or made up) has not been caught up with,
      // however idle the projection: answering at once would pass stale data off as fresh. Asked before the
      // pending events below, so that an event the log gains in between is among them.
      if (!(await this.logHasReached(position))) return false;
      // Behind the position, but maybe only by events this projection ignores: then it is as fresh as it can be.
      const pending = await this.store.readAll({
        fromPosition: checkpoint ?? 'start',
        maxCount: 2,
        ...(projection.eventTypes === undefined
          ? {}
          : { filter: { eventTypePrefixes: projection.eventTypes } }),
      });
      const next = pending.find(
        (event) => checkpoint === undefined || comparePositions(event.position, checkpoint) > 0,
      );
      if (next !== undefined && comparePositions(next.position, position) <= 0) return false;
    }
    // The view may still remember the generation this one replaced: it must not answer from that.
    if (generation !== undefined) this.liveView(name).readAtLeast(generation);
    return true;
  }

  /**
   * Whether the log holds `position` (the empty log holds position 0, which precedes every event). The highest head
   * seen is kept: the log only grows, and a caller waiting for a projection need not ask the store again each time.
   */
  private async logHasReached(position: Position): Promise<boolean> {
    const known = this.head;
    if (known !== undefined && comparePositions(known, position) >= 0) return true;
    const head = (await headPosition(this.store)) ?? '0';
    if (this.head === undefined || comparePositions(head, this.head) > 0) this.head = head;
    return comparePositions(head, position) >= 0;
  }
}
