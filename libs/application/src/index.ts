export * from './application.module';
export * from './infrastructure';
export * from './commands/command-metadata';
export * from './commands/handle-command';
export * from './idempotency/idempotency-store';
export * from './providers/register-provider';
