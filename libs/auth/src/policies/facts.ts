/**
 * What a policy may know about the object a request names. libs/auth only declares the shapes; the HTTP edge
 * implements `PolicyFacts` over its event store and read models and provides it as `POLICY_FACTS`, so this library
 * never imports an app.
 */

/** An application: whose it is and which audit body it names. */
export interface ApplicationFacts {
  readonly providerId: string;
  readonly auditBodyId: string;
  readonly serviceId: string;
}

/** A service (registered or applied for): whose it is. */
export interface ServiceFacts {
  readonly providerId: string;
}

/**
 * A finding route's object: the finding's application (a finding id names it, and the finding lives in its stream),
 * whose provider must answer and whose audit body records. Known whenever the application exists; whether the
 * finding itself does is the domain's to say, to those who may see the application.
 */
export interface FindingFacts {
  readonly providerId: string;
  readonly auditBodyId: string;
  readonly serviceId: string;
}

/** A webhook endpoint: the organisation (providerId or auditBodyId) that registered it. */
export interface WebhookFacts {
  readonly organisationId: string;
}

export interface FactsByKind {
  readonly application: ApplicationFacts;
  readonly service: ServiceFacts;
  readonly finding: FindingFacts;
  readonly webhook: WebhookFacts;
}

export type ResourceKind = keyof FactsByKind;

/** Loads the facts of one object; `undefined` when it does not exist (the guard then answers 404). */
export interface PolicyFacts {
  application(applicationId: string): Promise<ApplicationFacts | undefined>;
  service(serviceId: string): Promise<ServiceFacts | undefined>;
  finding(findingId: string): Promise<FindingFacts | undefined>;
  webhook(webhookId: string): Promise<WebhookFacts | undefined>;
  /** Services with an application still in progress (not decided, not withdrawn) that names this audit body. */
  servicesUnderAuditBy(auditBodyId: string): Promise<ReadonlySet<string>>;
}

/** The Nest token under which an app provides its `PolicyFacts`. */
export const POLICY_FACTS = Symbol.for('ismap.PolicyFacts');

/** The problem `code` and text of a 404 for each kind: the same as when the object really does not exist. */
export const NOT_FOUND_OF: Readonly<Record<ResourceKind, { code: string; message: string }>> = {
  application: { code: 'APPLICATION.NOT_FOUND', message: 'No such application' },
  service: { code: 'SERVICE.NOT_FOUND', message: 'No such registered service' },
  // Whoever may not see a finding's application is told that the application does not exist, as the domain does.
  finding: { code: 'APPLICATION.NOT_FOUND', message: 'No such application' },
  webhook: { code: 'WEBHOOK.NOT_FOUND', message: 'No such webhook endpoint' },
};

export function loadFacts<K extends ResourceKind>(
  facts: PolicyFacts,
  kind: K,
  id: string,
): Promise<FactsByKind[K] | undefined> {
  const load: { [Kind in ResourceKind]: (id: string) => Promise<FactsByKind[Kind] | undefined> } = {
    application: (id) => facts.application(id),
    service: (id) => facts.service(id),
    finding: (id) => facts.finding(id),
    webhook: (id) => facts.webhook(id),
  };
  return load[kind](id);
}
