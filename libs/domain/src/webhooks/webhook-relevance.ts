import type { ApplicationEvent } from '../applications/application.events';
import type { AuditBodyEvent } from '../audit-bodies/audit-body';
import type { ProviderEvent } from '../providers/provider';
import type { ServiceEvent } from '../services/service.events';
import type { WebhookOrganisationKind } from './webhook-endpoint';

/**
 * Which organisation hears of which fact (docs/adr/0008-webhooks.md). The rule follows who may read the object
 * (DOMAIN.md "Lists"): a provider hears of everything about its own applications, services and its provider
 * record; an audit body hears of the applications that name it (their lifecycle, not the review's findings), of
 * the findings it recorded and their answers, and of its own audit body record. Nobody else's objects, ever.
 */

export interface WebhookRecipient {
  readonly kind: WebhookOrganisationKind;
  readonly id: string;
}

export type WebhookSubjectKind = 'application' | 'service' | 'provider' | 'auditBody';

export interface WebhookSubject {
  readonly kind: WebhookSubjectKind;
  readonly id: string;
}

/** What the subject's own stream says, folded up to and including the event being delivered. */
export interface WebhookSubjectFacts {
  readonly providerId: string | null;
  /** The audit body the application names at that point (a resubmission may change it). */
  readonly auditBodyId: string | null;
  /** For finding events: the audit body that recorded the finding; null for the review's findings. */
  readonly findingAuditBodyId: string | null;
}

const SUBJECT_PREFIXES: readonly (readonly [string, WebhookSubjectKind])[] = [
  ['application-', 'application'],
  ['service-', 'service'],
  ['provider-', 'provider'],
  ['auditbody-', 'auditBody'],
];

/** Stream name prefixes a webhook fan-out subscribes to. */
export const WEBHOOK_SUBJECT_STREAM_PREFIXES: readonly string[] = SUBJECT_PREFIXES.map(([prefix]) => prefix);

export function webhookSubjectOf(streamName: string): WebhookSubject | null {
  for (const [prefix, kind] of SUBJECT_PREFIXES) {
    if (streamName.startsWith(prefix) && streamName.length > prefix.length) {
      return { kind, id: streamName.slice(prefix.length) };
    }
  }
  return null;
}

// Records keyed by every member of each union: adding an event type without deciding its audience fails to compile.
const APPLICATION_EVENTS: Readonly<Record<ApplicationEvent['type'], 'lifecycle' | 'finding' | 'review'>> = {
  ApplicationSubmitted: 'lifecycle',
  ApplicationAccepted: 'lifecycle',
  ApplicationReturned: 'lifecycle',
  ApplicationResubmitted: 'lifecycle',
  ApplicationReferred: 'lifecycle',
  ApplicationWithdrawn: 'lifecycle',
  ApplicationDeferred: 'lifecycle',
  ApplicationDecided: 'lifecycle',
  AuditFindingRecorded: 'finding',
  FindingResponded: 'finding',
  FindingResolved: 'finding',
  ReviewFindingRaised: 'review',
};
const SERVICE_EVENTS: Readonly<Record<ServiceEvent['type'], true>> = {
  ServiceRegistered: true,
  RenewalApplied: true,
  RenewalClosed: true,
  RegistrationRenewed: true,
  ServiceChangeApproved: true,
  ServiceWithdrawn: true,
  RegistrationRevoked: true,
  RegistrationExpired: true,
  RenewalReminderIssued: true,
  IncidentReported: true,
};
const PROVIDER_EVENTS: Readonly<Record<ProviderEvent['type'], true>> = { ProviderRegistered: true };
const AUDIT_BODY_EVENTS: Readonly<Record<AuditBodyEvent['type'], true>> = {
  AuditBodyApplied: true,
  AuditBodyRegistered: true,
  AuditBodyDelisted: true,
};

/** Every event type a webhook may carry (the allowed values of an endpoint's `eventTypes` filter). */
export const WEBHOOK_EVENT_TYPES: readonly string[] = [
  ...Object.keys(APPLICATION_EVENTS),
  ...Object.keys(SERVICE_EVENTS),
  ...Object.keys(PROVIDER_EVENTS),
  ...Object.keys(AUDIT_BODY_EVENTS),
].sort();

const has = (record: object, type: string): boolean => Object.prototype.hasOwnProperty.call(record, type);

/** Does an event about `subject` need the subject's facts to find its recipients? (Only application and service.) */
export function needsSubjectFacts(subject: WebhookSubject): boolean {
  return subject.kind === 'application' || subject.kind === 'service';
}

/** The organisations that hear of this event; empty for event types no organisation is told of. */
export function webhookRecipientsOf(
  eventType: string,
  subject: WebhookSubject,
  facts: WebhookSubjectFacts,
): WebhookRecipient[] {
  const recipients: WebhookRecipient[] = [];
  const provider = (id: string | null): void => {
    if (id !== null) recipients.push({ kind: 'provider', id });
  };
  const auditBody = (id: string | null): void => {
    if (id !== null) recipients.push({ kind: 'auditBody', id });
  };
  switch (subject.kind) {
    case 'application': {
      if (!has(APPLICATION_EVENTS, eventType)) return [];
      provider(facts.providerId);
      const audience = APPLICATION_EVENTS[eventType as ApplicationEvent['type']];
      if (audience === 'lifecycle') auditBody(facts.auditBodyId);
      if (audience === 'finding') auditBody(facts.findingAuditBodyId);
      return recipients;
    }
    case 'service':
      if (has(SERVICE_EVENTS, eventType)) provider(facts.providerId);
      return recipients;
    case 'provider':
      if (has(PROVIDER_EVENTS, eventType)) provider(subject.id);
      return recipients;
    case 'auditBody':
      if (has(AUDIT_BODY_EVENTS, eventType)) auditBody(subject.id);
      return recipients;
  }
}
