export * from './event-store.port';
export * from './errors';
export * from './event-id';
export * from './embedded';
export * from './eventstoredb';
export * from './integrity';
