import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApplicationModule } from '@ismap/application';
import { loadConfig } from '@ismap/config';
import { WorkerModule } from './worker.module';

/** The worker alone (production runs api and worker as separate processes). */
async function main(): Promise<void> {
  const config = loadConfig();
  @Module({ imports: [ApplicationModule.forRoot(config), WorkerModule] })
  class WorkerRootModule {}
  const app = await NestFactory.createApplicationContext(WorkerRootModule);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
