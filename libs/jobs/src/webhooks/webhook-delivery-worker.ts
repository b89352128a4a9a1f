import type { Job } from 'bullmq';
import { UnrecoverableError, Worker } from 'bullmq';
import { bullConnection } from '../connection';
import { fromJobData, InvalidJobPayloadError } from '../job-payload';
import { bullPrefix, QUEUES } from '../queues';
import { WEBHOOK_MAX_ATTEMPTS, webhookRetryDelayMs } from './webhook-backoff';
import type { WebhookDeliveryLog } from './webhook-delivery-log';
import { WebhookDeliveryPayload } from './webhook-delivery.payload';
import { postWebhook } from './webhook-http';
import type { WebhookSecrets } from './webhook-secrets';
import { webhookUrlProblem } from './webhook-url';

export interface WebhookWorkerOptions {
  readonly redisUrl: string;
  readonly redisKeyPrefix: string;
  readonly secrets: WebhookSecrets;
  readonly log: WebhookDeliveryLog;
  readonly backoffBaseMs: number;
  readonly timeoutMs: number;
  readonly allowLoopbackHttp: boolean;
  readonly concurrency?: number;
  readonly now?: () => Date;
}

/**
 * Takes delivery jobs: one signed POST per attempt, every attempt recorded; a failure is thrown back to BullMQ,
 * which waits `webhookRetryDelayMs` (the worker's custom backoff strategy) and tries again, up to
 * WEBHOOK_MAX_ATTEMPTS; the last failure is written to the dead letter first, with its error.
 */
export function startWebhookDeliveryWorker(options: WebhookWorkerOptions): Worker {
  const now = options.now ?? (() => new Date());
  return new Worker(QUEUES.webhooks, (job: Job) => deliver(job, options, now), {
    connection: bullConnection(options.redisUrl),
    prefix: bullPrefix(options.redisKeyPrefix),
    concurrency: options.concurrency ?? 8,
    settings: {
      backoffStrategy: (attemptsMade: number, _type?: string, _error?: Error, job?: { id?: string }) =>
        webhookRetryDelayMs(attemptsMade, options.backoffBaseMs, job?.id ?? ''),
    },
  });
}

async function deliver(
  job: Job,
  options: WebhookWorkerOptions,
  now: () => Date,
): Promise<{ status: number }> {
  let payload: WebhookDeliveryPayload;
  try {
    payload = fromJobData(WebhookDeliveryPayload, job.data);
  } catch (error) {
    // A payload that fails validation fails the same way every time: no retries.
    if (error instanceof InvalidJobPayloadError) throw new UnrecoverableError(error.message);
    throw error;
  }
  const attempt = job.attemptsMade + 1;
  const maxAttempts = job.opts.attempts ?? WEBHOOK_MAX_ATTEMPTS;
  const urlProblem = webhookUrlProblem(payload.url, { allowLoopbackHttp: options.allowLoopbackHttp });
  const started = now();
  const result =
    urlProblem === null
      ? await postWebhook({
          url: payload.url,
          body: payload.body,
          secret: options.secrets.secretFor(payload.webhookId),
          eventId: payload.eventId,
          eventType: payload.eventType,
          timeoutMs: options.timeoutMs,
          nowSeconds: started.getTime() / 1000,
        })
      : { delivered: false as const, status: null, error: `refused: ${urlProblem}` };
  const at = now();
  const base = { eventId: payload.eventId, eventType: payload.eventType, attempt, at: at.toISOString() };
  if (result.delivered) {
    await options.log.recordAttempt(payload.webhookId, {
      ...base,
      status: result.status,
      error: null,
      outcome: 'delivered',
      nextRetryAt: null,
    });
    return { status: result.status };
  }
  const final = attempt >= maxAttempts;
  const nextRetryAt = final
    ? null
    : new Date(
        at.getTime() + webhookRetryDelayMs(attempt, options.backoffBaseMs, job.id ?? ''),
      ).toISOString();
  await options.log.recordAttempt(payload.webhookId, {
    ...base,
    status: result.status,
    error: result.error,
    outcome: final ? 'dead-lettered' : 'retrying',
    nextRetryAt,
  });
  if (final) {
    await options.log.deadLetter({
      webhookId: payload.webhookId,
      eventId: payload.eventId,
      eventType: payload.eventType,
      jobId: job.id ?? '',
      attempts: attempt,
      lastError: result.error,
      at: at.toISOString(),
    });
  }
  throw new Error(result.error);
}
