import type { ApplicationFacts, FindingFacts, PolicyFacts, ServiceFacts, WebhookFacts } from './facts';

/**
 * The object-level rules, each a small pure function of the caller's organisation and the object's facts. A
 * `csp` token's `org` is its providerId, an `audit-body` token's its auditBodyId (roles.ts).
 */

export const ownsApplication = (org: string, application: ApplicationFacts): boolean =>
  application.providerId === org;

export const namedInApplication = (org: string, application: ApplicationFacts): boolean =>
  application.auditBodyId === org;

export const ownsService = (org: string, service: ServiceFacts): boolean => service.providerId === org;

export const ownsFindingService = (org: string, finding: FindingFacts): boolean => finding.providerId === org;

/** Provider and audit body ids never collide (`P…`, `AB…`), so the id alone names the organisation. */
export const ownsWebhook = (org: string, webhook: WebhookFacts): boolean => webhook.organisationId === org;

/** Builds, once per request, the test a list item must pass; may load what it needs first. */
export type ListRule<F> = (org: string, facts: PolicyFacts) => Promise<(item: F) => boolean>;

export const applicationsOfProvider: ListRule<ApplicationFacts> = (org) =>
  Promise.resolve((application) => ownsApplication(org, application));

export const applicationsNamingAuditBody: ListRule<ApplicationFacts> = (org) =>
  Promise.resolve((application) => namedInApplication(org, application));

export const findingsOfProvider: ListRule<FindingFacts> = (org) =>
  Promise.resolve((finding) => ownsFindingService(org, finding));

/**
 * An audit body sees the findings it recorded, and the prior findings of a service while it is named in an open
 * application of that service (it audits the service now and must know what earlier audits found).
 */
export const findingsOfAuditBody: ListRule<FindingFacts> = async (org, facts) => {
  const auditing = await facts.servicesUnderAuditBy(org);
  return (finding) => finding.auditBodyId === org || auditing.has(finding.serviceId);
};
