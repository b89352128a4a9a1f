import type { WebhookSubjectFacts } from './webhook-relevance';
import { WEBHOOK_EVENT_TYPES, webhookRecipientsOf, webhookSubjectOf } from './webhook-relevance';

const APP = webhookSubjectOf('application-0f6c9b1e-0000-4000-8000-000000000001');
const SERVICE = webhookSubjectOf('service-0f6c9b1e-0000-4000-8000-000000000002');
const facts = (partial: Partial<WebhookSubjectFacts> = {}): WebhookSubjectFacts => ({
  providerId: 'P1',
  auditBodyId: 'AB1',
  findingAuditBodyId: null,
  ...partial,
});

describe('webhook subjects', () => {
  it('names the object of each subject stream and nothing else', () => {
    expect(APP).toEqual({ kind: 'application', id: '0f6c9b1e-0000-4000-8000-000000000001' });
    expect(webhookSubjectOf('auditbody-AB7')).toEqual({ kind: 'auditBody', id: 'AB7' });
    expect(webhookSubjectOf('provider-P7')).toEqual({ kind: 'provider', id: 'P7' });
    expect(webhookSubjectOf('meeting-M1')).toBeNull();
    expect(webhookSubjectOf('webhook-W1')).toBeNull();
    expect(webhookSubjectOf('idempotency-abc')).toBeNull();
    expect(webhookSubjectOf('application-')).toBeNull();
  });
});

describe('webhook relevance', () => {
  if (APP === null || SERVICE === null) throw new Error('subjects');

  it('tells the provider and the named audit body of an application lifecycle event', () => {
    expect(webhookRecipientsOf('ApplicationAccepted', APP, facts())).toEqual([
      { kind: 'provider', id: 'P1' },
      { kind: 'auditBody', id: 'AB1' },
    ]);
  });

  it("keeps the review's findings from the audit body", () => {
    expect(webhookRecipientsOf('ReviewFindingRaised', APP, facts())).toEqual([
      { kind: 'provider', id: 'P1' },
    ]);
    expect(webhookRecipientsOf('FindingResponded', APP, facts({ findingAuditBodyId: null }))).toEqual([
      { kind: 'provider', id: 'P1' },
    ]);
  });

  it('tells the audit body of its own findings and their answers, even after the application names another', () => {
    const moved = facts({ auditBodyId: 'AB2', findingAuditBodyId: 'AB1' });
    expect(webhookRecipientsOf('FindingResolved', APP, moved)).toEqual([
      { kind: 'provider', id: 'P1' },
      { kind: 'auditBody', id: 'AB1' },
    ]);
  });

  it('tells only the provider of its service events, and nobody of unknown types', () => {
    expect(webhookRecipientsOf('RegistrationExpired', SERVICE, facts())).toEqual([
      { kind: 'provider', id: 'P1' },
    ]);
    expect(webhookRecipientsOf('SomethingElse', SERVICE, facts())).toEqual([]);
    expect(webhookRecipientsOf('MeetingScheduled', APP, facts())).toEqual([]);
  });

  it('tells an organisation of its own record only', () => {
    const none = facts({ providerId: null, auditBodyId: null });
    expect(webhookRecipientsOf('ProviderRegistered', { kind: 'provider', id: 'P9' }, none)).toEqual([
      { kind: 'provider', id: 'P9' },
    ]);
    expect(webhookRecipientsOf('AuditBodyDelisted', { kind: 'auditBody', id: 'AB9' }, none)).toEqual([
      { kind: 'auditBody', id: 'AB9' },
    ]);
    expect(webhookRecipientsOf('ApplicationSubmitted', APP, none)).toEqual([]);
  });

  it('lists every deliverable event type once', () => {
    expect(new Set(WEBHOOK_EVENT_TYPES).size).toBe(WEBHOOK_EVENT_TYPES.length);
    expect(WEBHOOK_EVENT_TYPES).toEqual(
      expect.arrayContaining(['ApplicationDecided', 'IncidentReported', 'AuditBodyRegistered']),
    );
    expect(WEBHOOK_EVENT_TYPES).not.toContain('WebhookEndpointRegistered');
  });
});
