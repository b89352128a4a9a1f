import { deciderSpecification } from '@ismap/testing/decider-specification';
import type { RegisterWebhookEndpoint, WebhookEvent } from './webhook-endpoint';
import { webhookEndpointDecider } from './webhook-endpoint';

const spec = deciderSpecification(webhookEndpointDecider);
const register = (eventTypes: readonly string[] | null): RegisterWebhookEndpoint => ({
  type: 'RegisterWebhookEndpoint',
  data: {
    webhookId: 'w-1',
    organisationId: 'P1',
    organisationKind: 'provider',
    url: 'https://hooks.example.jp/ismap',
    eventTypes,
    secretFingerprint: 'sha256:0123456789abcdef',
  },
});
const registered = (eventTypes: readonly string[] | null): WebhookEvent => ({
  type: 'WebhookEndpointRegistered',
  data: { ...register(eventTypes).data, eventTypes, registeredOn: '2021-03-12' },
});

describe('webhook endpoint decider', () => {
  it('records the registration on the business date, with the filter sorted and without duplicates', () => {
    spec
      .given([])
      .when(register(['IncidentReported', 'ApplicationDecided', 'IncidentReported']))
      .then([registered(['ApplicationDecided', 'IncidentReported'])]);
  });

  it('refuses a second registration of the same endpoint and an empty filter', () => {
    spec
      .given([registered(null)])
      .when(register(null))
      .thenThrows('WEBHOOK.ALREADY_REGISTERED');
    spec.given([]).when(register([])).thenThrows('WEBHOOK.EVENT_TYPES_EMPTY');
  });
});
