import type { OnModuleInit } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS } from '@ismap/application';
import { APP_CONFIG, type AppConfig } from '@ismap/config';
import { assertRedisEvictionPolicy } from '@ismap/jobs';

/** Start-up check (docs/adr/0013): production refuses a Redis that may evict queued jobs; dev and test warn. */
@Injectable()
export class RedisPolicyService implements OnModuleInit {
  private readonly logger = new Logger(RedisPolicyService.name);

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const warning = await assertRedisEvictionPolicy(this.redis, this.config.nodeEnv);
    if (warning !== null) this.logger.warn(warning);
  }
}
