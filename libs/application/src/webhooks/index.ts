export * from './register-webhook-endpoint';
export * from './webhook-endpoints';
export * from './webhook-fanout';
