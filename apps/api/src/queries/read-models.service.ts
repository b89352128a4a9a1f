import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS } from '@ismap/application';
import { APP_CONFIG, type AppConfig } from '@ismap/config';
import type { EventStore, Position } from '@ismap/event-store';
import { comparePositions, EVENT_STORE, isPosition } from '@ismap/event-store';
import type { Projection, ReadView } from '@ismap/read-models';
import {
  PROJECTIONS,
  projectionKeys,
  readCheckpoint,
  readLiveGeneration,
  RedisReadView,
  replayInMemory,
  memoryView,
} from '@ismap/read-models';
import { problem, ProblemException } from '../http/problem';

const WAIT_LIMIT_MS = 5000;
const WAIT_STEP_MS = 50;

/** The query side's access to the read models: live views in Redis, time travel, and read-your-writes. */
@Injectable()
export class ReadModels {
  private readonly views = new Map<string, RedisReadView>();

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
   */
  async waitFor(header: string | string[] | undefined, names: readonly string[]): Promise<void> {
    if (header === undefined) return;
    const position = Array.isArray(header) ? header[0] : header;
    if (position === undefined || !isPosition(position.trim())) {
      throw new ProblemException(
        problem(
          400,
          'REQUEST.INVALID_MIN_LOG_POSITION',
          'X-Min-Log-Position must be a position returned by a command',
        ),
      );
    }
    const deadline = Date.now() + WAIT_LIMIT_MS;
    for (const name of names) {
      while (!(await this.caughtUp(name, position.trim()))) {
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
    if (checkpoint !== undefined && comparePositions(checkpoint, position) >= 0) return true;
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
    return next === undefined || comparePositions(next.position, position) > 0;
  }
}
