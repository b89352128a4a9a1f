/**
 * The BullMQ queues of the product. Names are persisted in Redis keys: never rename one without a migration.
 * Every queue lives under the deployment's REDIS_KEY_PREFIX (see `bullPrefix`).
 */
export const QUEUES = {
  /** Daily registration sweep (Job Scheduler, 00:05 Asia/Tokyo): expiries and renewal reminders; on-demand sweeps. */
  expiry: 'expiry',
  /** Reserved: renewal deadline reminders run inside the daily registration sweep on `expiry` (docs/adr/0013). */
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
