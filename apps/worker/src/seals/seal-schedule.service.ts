import type { OnApplicationBootstrap } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QUEUES, toJobData, upsertDailySchedule } from '@ismap/jobs';
import { SEAL_SCHEDULE, SealTrailPayload } from './seal-payload';

/**
 * Upserts the daily seal's Job Scheduler at every start-up: the scheduler id is fixed and each run's job id
 * derives from its instant, so restarts and several workers keep one seal job per day.
 */
@Injectable()
export class SealScheduleService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SealScheduleService.name);

  constructor(@InjectQueue(QUEUES.seals) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    const payload = Object.assign(new SealTrailPayload(), {
      correlationId: `schedule:${SEAL_SCHEDULE.schedulerId}`,
    });
    await upsertDailySchedule(this.queue, { ...SEAL_SCHEDULE, data: toJobData(SealTrailPayload, payload) });
    this.logger.log({ msg: 'trail seal scheduled', pattern: SEAL_SCHEDULE.pattern });
  }
}
