import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS } from '@ismap/application';
import { APP_CONFIG, type AppConfig } from '@ismap/config';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import type { RunnerLog, RunnerStatus } from '@ismap/read-models';
import { PROJECTIONS, ProjectionRunner } from '@ismap/read-models';

/**
 * One runner per projection (docs/adr/0006): each has its own checkpoint, lease and halt state, so a projection
 * that stops on a poison event, is rebuilt, or is taken over by another worker leaves the others alone.
 */
@Injectable()
export class ProjectionsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProjectionsService.name);
  readonly runners: readonly ProjectionRunner[];

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const log: RunnerLog = {
      info: (message, details) =>
        this.logger.log(details === undefined ? message : { ...details, msg: message }),
      warn: (message, details) =>
        this.logger.warn(details === undefined ? message : { ...details, msg: message }),
      error: (message, details) =>
        this.logger.error(details === undefined ? message : { ...details, msg: message }),
    };
    this.runners = PROJECTIONS.map(
      (projection) =>
        new ProjectionRunner({ store, redis, keyPrefix: config.redisKeyPrefix, projection, log }),
    );
  }

  onApplicationBootstrap(): void {
    for (const runner of this.runners) runner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
  }

  status(): Promise<RunnerStatus[]> {
    return Promise.all(this.runners.map((runner) => runner.status()));
  }
}
