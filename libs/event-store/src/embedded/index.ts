export { SqliteEventStore } from './sqlite-event-store';
export type { SqliteEventStoreOptions, SqliteEventStoreStats } from './sqlite-event-store';
