/**
 * The BullMQ queues of the product. Names are persisted in Redis keys: never rename one without a migration.
 * Every queue lives under the deployment's REDIS_KEY_PREFIX (see `bullPrefix`).
 */
export const QUEUES = {
  /** Daily registration expiry sweep (Job Scheduler, 00:05 Asia/Tokyo) and on-demand sweeps. */
  expiry: 'expiry',
  /** Renewal deadline reminders (90, 30 and 7 days before validUntil). */
  reminders: 'reminders',
  /** Outbound webhook deliveries, one job per (endpoint, event). */
  webhooks: 'webhooks',
  /** Reports to the Cybersecurity Strategic Headquarters. */
  reports: 'reports',
  /** Daily integrity seals of the trail. */
  seals: 'seals',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** BullMQ's key prefix inside the deployment's prefix: `${REDIS_KEY_PREFIX}bull`. */
export function bullPrefix(redisKeyPrefix: string): string {
  return `${redisKeyPrefix}bull`;
}
