export * from './queues';
export * from './job-id';
export * from './job-payload';
export * from './connection';
