import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS, ReactionProcessManager, ReactionRunner } from '@ismap/application';
import { APP_CONFIG, type AppConfig } from '@ismap/config';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';

/** Runs the reactions' process manager for as long as the worker runs (docs/adr/0004). */
@Injectable()
export class ReactionsService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly manager: ReactionProcessManager;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
    runner: ReactionRunner,
  ) {
    this.manager = new ReactionProcessManager(store, redis, runner, config.redisKeyPrefix);
  }

  onApplicationBootstrap(): void {
    this.manager.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.manager.stop();
  }
}
