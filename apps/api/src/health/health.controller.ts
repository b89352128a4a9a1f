import { Controller, Get, HttpCode, Inject, Logger } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Redis } from 'ioredis';
import { REDIS } from '@ismap/application';
import { Public } from '@ismap/auth';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import { problem, ProblemException } from '../http/problem';
import { IgnoresMinLogPosition } from '../http/min-log-position';
import { AnyQuery } from '../http/query-parameters';

const logger = new Logger('Health');

/** Public: says which dependency is down, never why (addresses and messages stay in the log). */
type CheckResult = { status: 'up' | 'down' };

async function check(name: string, probe: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'up' };
  } catch (error) {
    logger.warn({ dependency: name, err: error }, 'readiness check failed');
    return { status: 'down' };
  } finally {
    clearTimeout(timer);
  }
}

@ApiTags('health')
@Controller('health')
@AnyQuery()
@IgnoresMinLogPosition()
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  @Get('live')
  @Public()
  @HttpCode(200)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready when both the event store and Redis answer; 503 names the one that does not. */
  @Get('ready')
  @Public()
  @HttpCode(200)
  async ready(): Promise<{ status: 'ok'; checks: Record<string, CheckResult> }> {
    const [eventStore, redis] = await Promise.all([
      check('eventStore', () => this.store.ping(), 2000),
      check('redis', () => this.redis.ping(), 2000),
    ]);
    const checks = { eventStore, redis };
    if (eventStore.status === 'down' || redis.status === 'down') {
      throw new ProblemException(
        problem(503, 'HEALTH.NOT_READY', 'A dependency is not available', { checks }),
        {
          'retry-after': '5',
        },
      );
    }
    return { status: 'ok', checks };
  }
}
