import type { OnApplicationBootstrap } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import {
  EXPIRY_SCHEDULE,
  QUEUES,
  RegistrationSweepPayload,
  toJobData,
  upsertDailySchedule,
} from '@ismap/jobs';

/**
 * Upserts the daily sweep's Job Scheduler at every start-up. Every worker does it and that is safe: the scheduler
 * id is fixed and a run's job id derives from its instant, so restarts and several workers keep one job per day.
 */
@Injectable()
export class SweepScheduleService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SweepScheduleService.name);

  constructor(@InjectQueue(QUEUES.expiry) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    const payload = Object.assign(new RegistrationSweepPayload(), {
      correlationId: `schedule:${EXPIRY_SCHEDULE.schedulerId}`,
    });
    await upsertDailySchedule(this.queue, {
      ...EXPIRY_SCHEDULE,
      data: toJobData(RegistrationSweepPayload, payload),
    });
    this.logger.log({ msg: 'registration sweep scheduled', pattern: EXPIRY_SCHEDULE.pattern });
  }
}
