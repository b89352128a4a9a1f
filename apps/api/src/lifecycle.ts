import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@ismap/config';

/**
 * Listens, then on SIGTERM/SIGINT stops accepting, lets in-flight requests finish and closes the store and
 * Redis (Nest shutdown hooks), giving up after the configured timeout.
 */
export async function runUntilSignal(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  await app.listen({ port: config.port, host: config.host });
  const logger = app.getHttpAdapter().getInstance().log;
  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    app.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
