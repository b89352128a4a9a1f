import type { INestApplicationContext } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApplicationModule } from '@ismap/application';
import type { AppConfig } from '@ismap/config';

/** The same command bus as the API, in the CLI's own process, beside a running product on the same DATA_DIR. */
export async function withApplication<T>(
  config: AppConfig,
  work: (app: INestApplicationContext) => Promise<T>,
): Promise<T> {
  @Module({ imports: [ApplicationModule.forRoot(config)] })
  class CliModule {}
  const app = await NestFactory.createApplicationContext(CliModule, { logger: ['error', 'warn'] });
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}
