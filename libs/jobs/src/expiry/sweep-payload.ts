import { IsOptional, Matches } from 'class-validator';
import { JobPayload } from '../job-payload';
import { deriveJobId } from '../job-id';

/** A registration sweep job. A scheduled run has no `asOf`: it sweeps the Tokyo day it was scheduled for. */
export class RegistrationSweepPayload extends JobPayload {
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'asOf must be a date (YYYY-MM-DD)' })
  asOf?: string;
}

/** The Job Scheduler of the daily sweep: 00:05 Asia/Tokyo (the day has begun everywhere in Japan). */
export const EXPIRY_SCHEDULE = {
  schedulerId: 'registration-sweep-daily',
  pattern: '5 0 * * *',
  jobName: 'registration-sweep',
} as const;

/** An on-demand sweep of one day: its id derives from the day, so queuing it twice runs it once. */
export const sweepJobId = (asOf: string): string => deriveJobId('registration-sweep', asOf);
