export * from './canonical-json';
export * from './event-hash';
export * from './chain-links';
export * from './verify-chain';
