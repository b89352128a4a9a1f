import type { ConnectionOptions } from 'bullmq';

/**
 * Connection options for BullMQ queues and workers. Workers block on Redis, so `maxRetriesPerRequest: null` is
 * required (BullMQ refuses a worker connection otherwise); the connection is BullMQ's own, not the shared one.
 */
export function bullConnection(redisUrl: string): ConnectionOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: url.port === '' ? 6379 : Number(url.port),
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}
