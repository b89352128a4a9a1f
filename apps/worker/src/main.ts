import type { INestApplicationContext } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApplicationModule } from '@ismap/application';
import { loadConfig } from '@ismap/config';
import { WorkerModule } from './worker.module';

/**
 * The worker alone (production runs api and worker as separate processes). SIGTERM/SIGINT: the job workers
 * drain within SHUTDOWN_TIMEOUT_MS (JobsDrain), then subscriptions, the store and Redis close; a shutdown that
 * still hangs past the timeout exits 1. The handlers are in place before start-up: job workers take jobs from
 * their module's init on, so a signal during start-up must drain too.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  @Module({ imports: [ApplicationModule.forRoot(config), WorkerModule] })
  class WorkerRootModule {}
  // Created before the handlers are installed, in the same tick: its work starts only once main yields.
  const started: Promise<INestApplicationContext> = NestFactory.createApplicationContext(WorkerRootModule);
  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    console.log(JSON.stringify({ msg: 'shutting down', signal }));
    setTimeout(() => {
      console.error(JSON.stringify({ msg: 'shutdown timed out', timeoutMs: config.shutdownTimeoutMs }));
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    started
      .then((app) => app.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error instanceof Error ? error.message : error);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  await started;
  console.log(JSON.stringify({ msg: 'worker started', pid: process.pid }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
