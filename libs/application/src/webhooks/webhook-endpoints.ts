import type { WebhookEndpointRegistered } from '@ismap/domain';
import { webhookStreamName } from '@ismap/domain';
import type { EventStore, Position, RecordedEvent } from '@ismap/event-store';
import { StreamNotFoundError } from '@ismap/event-store';

export const WEBHOOK_STREAM_PREFIX = 'webhook-';

export type WebhookEndpoint = WebhookEndpointRegistered['data'] & {
  /** Where the registration sits in the log: the endpoint hears of events recorded after it. */
  readonly position: Position;
};

export function webhookEndpointOf(event: RecordedEvent): WebhookEndpoint | null {
  if (event.type !== 'WebhookEndpointRegistered') return null;
  return { ...(event.data as unknown as WebhookEndpointRegistered['data']), position: event.position };
}

/** Every registered endpoint, from the log (there are few; the log is their only record). */
export async function readWebhookEndpoints(store: EventStore): Promise<WebhookEndpoint[]> {
  const events = await store.readAll({ filter: { streamNamePrefixes: [WEBHOOK_STREAM_PREFIX] } });
  return events.map(webhookEndpointOf).filter((endpoint): endpoint is WebhookEndpoint => endpoint !== null);
}

/** One endpoint, or null when there is none with this id. */
export async function readWebhookEndpoint(
  store: EventStore,
  webhookId: string,
): Promise<WebhookEndpoint | null> {
  try {
    const [first] = await store.readStream(webhookStreamName(webhookId), { maxCount: 1 });
    return first === undefined ? null : webhookEndpointOf(first);
  } catch (error) {
    if (error instanceof StreamNotFoundError) return null;
    throw error;
  }
}
