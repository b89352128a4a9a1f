import { Redis } from 'ioredis';
import type { AppConfig } from '@ismap/config';
import { upcastEvent } from '@ismap/domain';
import type { EventStore } from '@ismap/event-store';
import { EventStoreDbEventStore, SqliteEventStore } from '@ismap/event-store';
import { join } from 'node:path';

/** Injection token for the shared ioredis connection (read models, checkpoints, rate limits). */
export const REDIS = Symbol.for('ismap.Redis');

/**
 * Opens the configured store with the domain's upcasters, so every reader (projections, deciders, replays) sees
 * each event in its latest shape; reads `asStored` (verification, export) bypass them.
 */
export async function createEventStore(config: AppConfig): Promise<EventStore> {
  if (config.store.kind === 'eventstoredb' && config.store.eventStoreConnectionString !== undefined) {
    return EventStoreDbEventStore.connect(config.store.eventStoreConnectionString, { upcast: upcastEvent });
  }
  return SqliteEventStore.open({ file: join(config.dataDir, 'events.sqlite'), upcast: upcastEvent });
}

export function createRedis(config: AppConfig): Redis {
  // Commands queue while Redis is away instead of failing the process; readiness reports the outage.
  return new Redis(config.redisUrl, {
    lazyConnect: false,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
  });
}
