import type { Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS } from '@ismap/application';
import { APP_CONFIG, type AppConfig } from '@ismap/config';
import { WebhookDeliveryLog, WebhookSecrets } from '@ismap/jobs';
import { WebhookIdempotencyGuard } from './webhook-idempotency.guard';

/** What WebhooksController needs besides ApiModule's own providers; the signing key is loaded once, at start-up. */
export const WEBHOOK_API_PROVIDERS: Provider[] = [
  WebhookIdempotencyGuard,
  {
    provide: WebhookSecrets,
    inject: [APP_CONFIG],
    useFactory: (config: AppConfig) =>
      WebhookSecrets.load({
        dataDir: config.dataDir,
        ...(config.webhooks.signingKey === undefined ? {} : { signingKey: config.webhooks.signingKey }),
      }),
  },
  {
    provide: WebhookDeliveryLog,
    inject: [REDIS, APP_CONFIG],
    useFactory: (redis: Redis, config: AppConfig) => new WebhookDeliveryLog(redis, config.redisKeyPrefix),
  },
];
