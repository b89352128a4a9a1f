import type { JobsOptions } from 'bullmq';
import { Matches } from 'class-validator';
import { deriveJobId } from '../job-id';
import { JobPayload } from '../job-payload';

/** The one job of the `reports` queue: compile report `reportId` from its ReportRequested event. */
export const REPORT_JOB = 'compile';

export class ReportJobPayload extends JobPayload {
  @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
    message: 'reportId must be a report id',
  })
  reportId!: string;
}

/** One job per report: requesting the job again (a retried request, a poll that finds it missing) is a no-op. */
export const reportJobId = (reportId: string): string => deriveJobId('report', reportId);

export const REPORT_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 2000 },
  // Kept, so that a poll tells a finished or failed job from one that was never queued.
  removeOnComplete: { age: 7 * 24 * 60 * 60 },
  removeOnFail: { age: 30 * 24 * 60 * 60 },
};
