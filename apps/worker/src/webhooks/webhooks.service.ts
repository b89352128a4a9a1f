import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { REDIS, WebhookFanout } from '@ismap/application';
import { APP_CONFIG, type AppConfig } from '@ismap/config';
import { EVENT_STORE, type EventStore } from '@ismap/event-store';
import {
  drainBudgetMs,
  startWebhookDeliveryWorker,
  WebhookDeliveryLog,
  WebhookDeliveryQueue,
  WebhookSecrets,
} from '@ismap/jobs';

/**
 * Webhook notifications (docs/adr/0008-webhooks.md): the fan-out subscription queues one delivery job per
 * (endpoint, event) on the `webhooks` queue, and the delivery worker sends, retries and dead-letters them.
 * Both use BullMQ's Queue and Worker directly: the worker needs a custom backoff strategy configured from
 * WEBHOOK_BACKOFF_BASE_MS, which a decorator-declared processor cannot take from the runtime config.
 */
@Injectable()
export class WebhooksService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhooksService.name);
  private queue: WebhookDeliveryQueue | undefined;
  private worker: Worker | undefined;
  fanout: WebhookFanout | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { config } = this;
    const secrets = await WebhookSecrets.load({
      dataDir: config.dataDir,
      ...(config.webhooks.signingKey === undefined ? {} : { signingKey: config.webhooks.signingKey }),
    });
    this.queue = WebhookDeliveryQueue.open(config.redisUrl, config.redisKeyPrefix);
    this.worker = startWebhookDeliveryWorker({
      redisUrl: config.redisUrl,
      redisKeyPrefix: config.redisKeyPrefix,
      secrets,
      log: new WebhookDeliveryLog(this.redis, config.redisKeyPrefix),
      backoffBaseMs: config.webhooks.backoffBaseMs,
      timeoutMs: config.webhooks.timeoutMs,
      allowLoopbackHttp: config.webhooks.allowLoopbackHttp,
    });
    // A failed attempt is expected (receivers go down); only the worker's own trouble is worth a log line.
    this.worker.on('error', (error) => this.logger.error({ err: error }, 'webhook delivery worker error'));
    this.fanout = new WebhookFanout(this.store, this.redis, this.queue, config.redisKeyPrefix);
    this.fanout.start();
  }

  // Before the store and Redis close (ApplicationModule closes them in onApplicationShutdown).
  async beforeApplicationShutdown(): Promise<void> {
    await this.fanout?.stop();
    const worker = this.worker;
    if (worker !== undefined) {
      // Active deliveries may finish within the shutdown budget; one still running then is abandoned, its lock
      // expires and another worker retries it as stalled (at-least-once: receivers deduplicate on the event id).
      let timer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([
        worker.close().then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), drainBudgetMs(this.config.shutdownTimeoutMs));
        }),
      ]);
      clearTimeout(timer);
      if (!drained) await worker.close(true);
    }
    await this.queue?.close();
  }
}
