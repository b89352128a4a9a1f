import { DomainError } from '../shared/domain-error';
import type { Command, CommandContext, Decider, DomainEvent } from '../shared/messages';
import { assertNever } from '../shared/messages';

export const webhookStreamName = (webhookId: string): string => `webhook-${webhookId}`;

/** Who an endpoint delivers to: a provider (csp token) or an audit body (audit-body token), never chosen by a body. */
export type WebhookOrganisationKind = 'provider' | 'auditBody';

export type RegisterWebhookEndpoint = Command<
  'RegisterWebhookEndpoint',
  {
    webhookId: string;
    organisationId: string;
    organisationKind: WebhookOrganisationKind;
    url: string;
    /** Only these event types are delivered; null: every event relevant to the organisation. */
    eventTypes: readonly string[] | null;
    /** A fingerprint of the signing secret, never the secret: the log is exported as evidence. */
    secretFingerprint: string;
  }
>;
export type WebhookCommand = RegisterWebhookEndpoint;

export type WebhookEndpointRegistered = DomainEvent<
  'WebhookEndpointRegistered',
  {
    webhookId: string;
    organisationId: string;
    organisationKind: WebhookOrganisationKind;
    url: string;
    eventTypes: readonly string[] | null;
    secretFingerprint: string;
    registeredOn: string;
  }
>;
export type WebhookEvent = WebhookEndpointRegistered;

export type WebhookEndpointState =
  { readonly status: 'none' } | (WebhookEndpointRegistered['data'] & { readonly status: 'active' });

function decide(
  command: WebhookCommand,
  state: WebhookEndpointState,
  context: CommandContext,
): WebhookEvent[] {
  switch (command.type) {
    case 'RegisterWebhookEndpoint': {
      if (state.status !== 'none') {
        throw new DomainError(
          'WEBHOOK.ALREADY_REGISTERED',
          `Webhook endpoint ${state.webhookId} already exists`,
          'conflict',
        );
      }
      const eventTypes =
        command.data.eventTypes === null ? null : [...new Set(command.data.eventTypes)].sort();
      if (eventTypes !== null && eventTypes.length === 0) {
        throw new DomainError(
          'WEBHOOK.EVENT_TYPES_EMPTY',
          'eventTypes must name at least one event type, or be left out for all relevant events',
        );
      }
      return [
        {
          type: 'WebhookEndpointRegistered',
          data: { ...command.data, eventTypes, registeredOn: context.occurredOn },
        },
      ];
    }
    default:
      return assertNever(command.type);
  }
}

function evolve(state: WebhookEndpointState, event: WebhookEvent): WebhookEndpointState {
  switch (event.type) {
    case 'WebhookEndpointRegistered':
      return { ...event.data, status: 'active' };
    default:
      return assertNever(event.type);
  }
}

export const webhookEndpointDecider: Decider<WebhookCommand, WebhookEvent, WebhookEndpointState> = {
  initialState: () => ({ status: 'none' }),
  decide,
  evolve,
};
