import type { DynamicModule } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BullModule } from '@nestjs/bullmq';
import { APP_CONFIG, type AppConfig } from '@ismap/config';
import { bullConnection } from './connection';
import { JobsDrain } from './jobs-drain';
import type { QueueName } from './queues';
import { bullPrefix } from './queues';

/**
 * BullMQ for a process, configured from the validated AppConfig that ApplicationModule.forRoot provides: every
 * queue and worker connects with `bullConnection(REDIS_URL)` (maxRetriesPerRequest: null) under
 * `bullPrefix(REDIS_KEY_PREFIX)`, and SIGTERM drains active jobs within SHUTDOWN_TIMEOUT_MS (JobsDrain).
 *
 * `forRoot()` returns one and the same module object every time, so the API and the worker may both import it
 * in the one-process server without registering BullMQ twice.
 */
@Module({})
export class JobsModule {
  private static root: DynamicModule | undefined;

  static forRoot(): DynamicModule {
    JobsModule.root ??= {
      module: JobsModule,
      global: true,
      imports: [
        DiscoveryModule,
        BullModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => ({
            connection: bullConnection(config.redisUrl),
            prefix: bullPrefix(config.redisKeyPrefix),
          }),
        }),
      ],
      providers: [JobsDrain],
      exports: [BullModule],
    };
    return JobsModule.root;
  }

  /** The queues a module produces to or processes (`@InjectQueue(name)`, `@Processor(name)`). */
  static queues(...names: readonly QueueName[]): DynamicModule {
    return BullModule.registerQueue(...names.map((name) => ({ name })));
  }
}
