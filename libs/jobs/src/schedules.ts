import type { Job, Queue } from 'bullmq';
import { tokyoDateOf } from '@ismap/domain';

/** Business days are Asia/Tokyo days (DOMAIN.md "Time"); every daily schedule runs on Tokyo time. */
export const SCHEDULE_TZ = 'Asia/Tokyo';

export interface DailySchedule {
  /** Stable id of the Job Scheduler in Redis: never rename without removing the old one. */
  readonly schedulerId: string;
  /** Cron pattern in SCHEDULE_TZ, e.g. `5 0 * * *` (00:05 every day). */
  readonly pattern: string;
  readonly jobName: string;
  /** The (validated) payload every run carries. */
  readonly data: Record<string, unknown>;
}

/**
 * Creates or updates a Job Scheduler. Upserting the same schedule again (every worker start-up does) keeps the one
 * scheduler and its one next job: BullMQ's id for a scheduled run is `repeat:<schedulerId>:<run instant>`, so a
 * run is derived from its day and cannot be queued twice.
 */
export async function upsertDailySchedule(queue: Queue, schedule: DailySchedule): Promise<void> {
  await queue.upsertJobScheduler(
    schedule.schedulerId,
    { pattern: schedule.pattern, tz: SCHEDULE_TZ },
    {
      name: schedule.jobName,
      data: schedule.data,
      opts: {
        attempts: 5,
        backoff: { type: 'exponential', delay: 30_000 },
        removeOnComplete: { count: 400 },
        removeOnFail: false,
      },
    },
  );
}

/** The instant a scheduled run stands for (not when a worker got to it), else when the job was added. */
export function scheduledInstantOf(job: Pick<Job, 'opts' | 'timestamp'>): Date {
  const scheduled = job.opts.prevMillis;
  return new Date(typeof scheduled === 'number' && scheduled > 0 ? scheduled : job.timestamp);
}

/** The Tokyo business day a scheduled run is for: a run delayed past midnight still sweeps its own day. */
export function scheduledDayOf(job: Pick<Job, 'opts' | 'timestamp'>): string {
  return tokyoDateOf(scheduledInstantOf(job));
}
