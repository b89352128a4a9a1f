import type { Redis } from 'ioredis';
import type { ApplicationEvent, ServiceEvent, WebhookSubject, WebhookSubjectFacts } from '@ismap/domain';
import {
  applicationDecider,
  needsSubjectFacts,
  serviceDecider,
  WEBHOOK_SUBJECT_STREAM_PREFIXES,
  webhookRecipientsOf,
  webhookSubjectOf,
} from '@ismap/domain';
import type { EventStore, RecordedEvent } from '@ismap/event-store';
import { comparePositions } from '@ismap/event-store';
import { CheckpointedSubscription } from '../subscriptions/checkpointed-subscription';
import type { WebhookEndpoint } from './webhook-endpoints';
import { readWebhookEndpoints, WEBHOOK_STREAM_PREFIX, webhookEndpointOf } from './webhook-endpoints';

/** What a receiver gets: the fact, whom it is about, and its data; never the actor (people's names stay home). */
export interface WebhookMessage {
  readonly eventId: string;
  readonly type: string;
  readonly occurredOn: string;
  readonly recordedAt: string;
  /** The log position, usable as `X-Min-Log-Position` on a read that must reflect the event. */
  readonly position: string;
  readonly subject: WebhookSubject;
  readonly data: Readonly<Record<string, unknown>>;
}

/** One delivery to queue; the queue dedupes on (webhookId, eventId). */
export interface WebhookDeliveryOrder {
  readonly webhookId: string;
  readonly organisationKind: WebhookEndpoint['organisationKind'];
  readonly organisationId: string;
  readonly url: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly correlationId: string;
  readonly body: string;
}

/** Where delivery orders go (the BullMQ `webhooks` queue in the worker); a port so this library needs no BullMQ. */
export interface WebhookDeliverySink {
  enqueue(order: WebhookDeliveryOrder): Promise<void>;
}

export const webhookFanoutKeys = (prefix: string) => ({ checkpoint: `${prefix}checkpoint:webhooks` });

const NO_FACTS: WebhookSubjectFacts = { providerId: null, auditBodyId: null, findingAuditBodyId: null };

/**
 * Turns the log into delivery orders: a checkpointed `$all` subscription over the subject streams and the
 * endpoints' own streams. For each event it finds the endpoints registered before it (by log position, so the
 * answer does not depend on when the fan-out runs) whose organisation the relevance rule names and whose filter
 * takes the type, and queues one order per endpoint. The checkpoint is written after the orders are queued: a
 * crash in between queues them again, and the derived job id makes that a no-op (at-least-once, no duplicate job).
 */
export class WebhookFanout extends CheckpointedSubscription {
  private readonly endpoints = new Map<string, WebhookEndpoint>();
  protected readonly filter = {
    streamNamePrefixes: [...WEBHOOK_SUBJECT_STREAM_PREFIXES, WEBHOOK_STREAM_PREFIX],
  };

  constructor(
    store: EventStore,
    redis: Redis,
    private readonly sink: WebhookDeliverySink,
    keyPrefix: string,
    retryDelayMs = 1000,
  ) {
    super(store, redis, webhookFanoutKeys(keyPrefix).checkpoint, 'webhook fan-out', retryDelayMs);
  }

  /** Endpoints registered after the checkpoint are known early; their position keeps them off older events. */
  protected override async beforeSubscribe(): Promise<void> {
    for (const endpoint of await readWebhookEndpoints(this.store)) {
      this.endpoints.set(endpoint.webhookId, endpoint);
    }
  }

  protected async handle(event: RecordedEvent): Promise<void> {
    const endpoint = webhookEndpointOf(event);
    if (endpoint !== null) this.endpoints.set(endpoint.webhookId, endpoint);
    else await this.fanOut(event);
  }

  private async fanOut(event: RecordedEvent): Promise<void> {
    const subject = webhookSubjectOf(event.streamName);
    if (subject === null) return;
    const candidates = [...this.endpoints.values()].filter(
      (endpoint) =>
        comparePositions(endpoint.position, event.position) < 0 &&
        (endpoint.eventTypes === null || endpoint.eventTypes.includes(event.type)),
    );
    // Most events interest no endpoint: do not read their stream at all.
    if (candidates.length === 0) return;
    const facts = needsSubjectFacts(subject) ? await this.factsOf(event, subject) : NO_FACTS;
    const recipients = webhookRecipientsOf(event.type, subject, facts);
    const chosen = candidates.filter((endpoint) =>
      recipients.some((r) => r.kind === endpoint.organisationKind && r.id === endpoint.organisationId),
    );
    if (chosen.length === 0) return;
    const body = JSON.stringify(messageOf(event, subject));
    for (const endpoint of chosen) {
      await this.sink.enqueue({
        webhookId: endpoint.webhookId,
        organisationKind: endpoint.organisationKind,
        organisationId: endpoint.organisationId,
        url: endpoint.url,
        eventId: event.id,
        eventType: event.type,
        correlationId: event.metadata.correlationId,
        body,
      });
    }
  }

  /** The subject's facts as its own decider knows them, folded up to and including this event. */
  private async factsOf(event: RecordedEvent, subject: WebhookSubject): Promise<WebhookSubjectFacts> {
    const events = await this.store.readStream(event.streamName, { maxCount: event.revision + 1 });
    if (subject.kind === 'service') {
      const state = events.reduce(
        (s, e) => serviceDecider.evolve(s, e as unknown as ServiceEvent),
        serviceDecider.initialState(),
      );
      return state.status === 'none' ? NO_FACTS : { ...NO_FACTS, providerId: state.providerId };
    }
    const state = events.reduce(
      (s, e) => applicationDecider.evolve(s, e as unknown as ApplicationEvent),
      applicationDecider.initialState(),
    );
    if (state.status === 'none') return NO_FACTS;
    const findingId = event.data['findingId'];
    const recorded =
      typeof findingId === 'string'
        ? events.find((e) => e.type === 'AuditFindingRecorded' && e.data['findingId'] === findingId)
        : undefined;
    const author = recorded?.data['auditBodyId'];
    return {
      providerId: state.providerId,
      auditBodyId: state.auditBodyId,
      findingAuditBodyId: typeof author === 'string' ? author : null,
    };
  }
}

export function messageOf(event: RecordedEvent, subject: WebhookSubject): WebhookMessage {
  return {
    eventId: event.id,
    type: event.type,
    occurredOn: event.metadata.occurredOn,
    recordedAt: event.metadata.recordedAt,
    position: event.position,
    subject,
    data: event.data,
  };
}
