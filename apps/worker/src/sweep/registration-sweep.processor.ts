import { Inject, Logger } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '@ismap/config';
import type { ExpiryEntry, SweepResult } from '@ismap/jobs';
import {
  fromJobData,
  QUEUES,
  RegistrationSweep,
  RegistrationSweepPayload,
  scheduledDayOf,
} from '@ismap/jobs';

/**
 * A killed worker's job is retried once its lock lapses: 15 s (renewed every 7.5 s while the job runs) keeps
 * that wait short; a sweep never blocks the event loop long enough to lose a lock it is holding.
 */
const LOCK_DURATION_MS = 15_000;

/** Runs the daily registration sweep (and on-demand sweeps of a given day) on the `expiry` queue. */
@Processor(QUEUES.expiry, {
  concurrency: 1,
  lockDuration: LOCK_DURATION_MS,
  stalledInterval: LOCK_DURATION_MS,
})
export class RegistrationSweepProcessor extends WorkerHost {
  private readonly logger = new Logger(RegistrationSweepProcessor.name);

  constructor(
    private readonly sweep: RegistrationSweep,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  async process(job: Job): Promise<SweepResult> {
    const payload = fromJobData(RegistrationSweepPayload, job.data);
    const asOf = payload.asOf ?? scheduledDayOf(job);
    const result = await this.sweep.run({
      asOf,
      correlationId: payload.correlationId,
      causationId: payload.causationId ?? `job:${job.id ?? 'unknown'}`,
      afterExpiry: (entry) => this.faultPoint(entry),
    });
    this.logger.log({
      msg: 'registration sweep done',
      jobId: job.id,
      asOf,
      expired: result.expired.length,
      reminded: result.reminded.length,
      skipped: result.skipped.length,
    });
    return result;
  }

  /** Test-only (refused in production by config): the crash and drain tests' window inside a running job. */
  private async faultPoint(entry: ExpiryEntry): Promise<void> {
    if (this.config.faultInjection === 'crash-during-expiry-sweep') {
      this.logger.warn({ msg: 'fault injection: killing the worker mid-sweep', serviceId: entry.serviceId });
      process.kill(process.pid, 'SIGKILL');
    }
    if (this.config.faultInjection === 'stall-during-expiry-sweep') {
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  }
}
