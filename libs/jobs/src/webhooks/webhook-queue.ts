import { Queue } from 'bullmq';
import type { JobsOptions } from 'bullmq';
import { bullConnection } from '../connection';
import { deriveJobId } from '../job-id';
import { toJobData } from '../job-payload';
import { bullPrefix, QUEUES } from '../queues';
import { WEBHOOK_BACKOFF_TYPE, WEBHOOK_MAX_ATTEMPTS } from './webhook-backoff';
import { WebhookDeliveryPayload } from './webhook-delivery.payload';

export const WEBHOOK_DELIVERY_JOB = 'deliver';

/** One job per (endpoint, event): queuing the same pair again while its job is kept is a no-op. */
export function webhookDeliveryJobId(webhookId: string, eventId: string): string {
  return deriveJobId('webhook-delivery', webhookId, eventId);
}

export const WEBHOOK_JOB_OPTIONS: JobsOptions = {
  attempts: WEBHOOK_MAX_ATTEMPTS,
  backoff: { type: WEBHOOK_BACKOFF_TYPE },
  // Finished jobs are kept a week so a replayed fan-out finds the job id taken and queues nothing new.
  removeOnComplete: { age: 7 * 24 * 60 * 60 },
  removeOnFail: false,
};

export type WebhookDeliveryRequest = Omit<WebhookDeliveryPayload, 'causationId'>;

/** The producer side of the `webhooks` queue (the fan-out's sink). */
export class WebhookDeliveryQueue {
  constructor(readonly queue: Queue) {}

  static open(redisUrl: string, redisKeyPrefix: string): WebhookDeliveryQueue {
    return new WebhookDeliveryQueue(
      new Queue(QUEUES.webhooks, {
        connection: bullConnection(redisUrl),
        prefix: bullPrefix(redisKeyPrefix),
      }),
    );
  }

  async enqueue(request: WebhookDeliveryRequest): Promise<void> {
    const payload = Object.assign(new WebhookDeliveryPayload(), { ...request, causationId: request.eventId });
    await this.queue.add(WEBHOOK_DELIVERY_JOB, toJobData(WebhookDeliveryPayload, payload), {
      ...WEBHOOK_JOB_OPTIONS,
      jobId: webhookDeliveryJobId(request.webhookId, request.eventId),
    });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
