/**
 * FROZEN: application events as recorded under schema version 1. Never edit these shapes: stored events keep them
 * forever. A change to an event's data gets a new schema version and an upcaster in ../upcasting instead.
 *
 * Written out in full rather than derived from the current types, which move on.
 */

/** Schema 1 recorded the scope of the statement as a description only; regions were not a separate list. */
export interface ScopeV1 {
  readonly description: string;
}

export interface ApplicationDetailsV1 {
  readonly serviceName: string;
  readonly serviceModel: 'IaaS' | 'PaaS' | 'SaaS';
  readonly scope: ScopeV1;
  readonly auditBodyId: string;
  readonly auditPeriod: { readonly start: string; readonly end: string };
  readonly auditReportDate: string;
  readonly excludedObjectives: readonly { readonly controlId: string; readonly reason: string }[];
}

export interface ApplicationSubmittedV1Data extends ApplicationDetailsV1 {
  readonly applicationId: string;
  readonly serviceId: string;
  readonly providerId: string;
  readonly kind: 'NEW' | 'RENEWAL' | 'CHANGE';
  readonly track: 'ISMAP' | 'ISMAP_LIU';
  readonly submittedOn: string;
}

export interface ApplicationResubmittedV1Data {
  readonly applicationId: string;
  readonly changes: Partial<ApplicationDetailsV1>;
  readonly resubmittedOn: string;
}
