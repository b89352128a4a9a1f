import type { Redis } from 'ioredis';

export type WebhookAttemptOutcome = 'delivered' | 'retrying' | 'dead-lettered';

/** One delivery attempt, as `GET /webhooks/:id/deliveries` shows it. */
export interface WebhookAttempt {
  readonly eventId: string;
  readonly eventType: string;
  /** 1-based; at most WEBHOOK_MAX_ATTEMPTS. */
  readonly attempt: number;
  /** ISO-8601 UTC instant the attempt ended. */
  readonly at: string;
  /** The receiver's HTTP status, or null when no answer came (refused, timed out…). */
  readonly status: number | null;
  /** Why the attempt failed, or null when delivered. Never the receiver's response body. */
  readonly error: string | null;
  readonly outcome: WebhookAttemptOutcome;
  /** When the next attempt is due, while retrying. */
  readonly nextRetryAt: string | null;
}

export interface WebhookDeliveryView {
  readonly eventId: string;
  readonly eventType: string;
  /** The outcome of the latest attempt: `delivered` and `dead-lettered` are final. */
  readonly state: WebhookAttemptOutcome;
  readonly attempts: readonly WebhookAttempt[];
}

export interface WebhookDeadLetter {
  readonly webhookId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly jobId: string;
  readonly attempts: number;
  readonly lastError: string;
  readonly at: string;
}

/** Kept per endpoint; older attempts fall off (the queue and the dead letter keep the rest). */
export const WEBHOOK_ATTEMPTS_KEPT = 10_000;

export const webhookKeys = (prefix: string) => ({
  attempts: (webhookId: string) => `${prefix}webhooks:attempts:${webhookId}`,
  deadLetter: `${prefix}webhooks:dead-letter`,
  checkpoint: `${prefix}checkpoint:webhooks`,
});

/** Every attempt and every dead letter, in Redis under the deployment's key prefix. */
export class WebhookDeliveryLog {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  private get keys() {
    return webhookKeys(this.keyPrefix);
  }

  async recordAttempt(webhookId: string, attempt: WebhookAttempt): Promise<void> {
    const key = this.keys.attempts(webhookId);
    await this.redis
      .multi()
      .rpush(key, JSON.stringify(attempt))
      .ltrim(key, -WEBHOOK_ATTEMPTS_KEPT, -1)
      .exec();
  }

  async attemptsOf(webhookId: string): Promise<WebhookAttempt[]> {
    const rows = await this.redis.lrange(this.keys.attempts(webhookId), 0, -1);
    return rows.map((row) => JSON.parse(row) as WebhookAttempt);
  }

  /** Attempts grouped per event, most recent event first. */
  async deliveriesOf(webhookId: string): Promise<WebhookDeliveryView[]> {
    const byEvent = new Map<string, WebhookAttempt[]>();
    for (const attempt of await this.attemptsOf(webhookId)) {
      const list = byEvent.get(attempt.eventId) ?? [];
      list.push(attempt);
      byEvent.set(attempt.eventId, list);
    }
    const views: WebhookDeliveryView[] = [];
    for (const [eventId, attempts] of byEvent) {
      const last = attempts[attempts.length - 1];
      if (last === undefined) continue;
      views.push({ eventId, eventType: last.eventType, state: last.outcome, attempts });
    }
    return views.reverse();
  }

  async deadLetter(entry: WebhookDeadLetter): Promise<void> {
    await this.redis.rpush(this.keys.deadLetter, JSON.stringify(entry));
  }

  async deadLetters(): Promise<WebhookDeadLetter[]> {
    const rows = await this.redis.lrange(this.keys.deadLetter, 0, -1);
    return rows.map((row) => JSON.parse(row) as WebhookDeadLetter);
  }
}
