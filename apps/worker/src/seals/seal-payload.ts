import { JobPayload } from '@ismap/jobs';

/** A seal job carries nothing but its correlation: it always seals the trail up to its last event. */
export class SealTrailPayload extends JobPayload {}

/** 00:30 Asia/Tokyo: after the day's registration sweep (00:05), so the seal covers what the sweep recorded. */
export const SEAL_SCHEDULE = {
  schedulerId: 'daily-trail-seal',
  pattern: '30 0 * * *',
  jobName: 'seal-trail',
} as const;
