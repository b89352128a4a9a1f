export * from './esdb-fake';
