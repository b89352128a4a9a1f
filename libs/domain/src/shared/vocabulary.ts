/** The programme's closed vocabularies, as persisted (stable strings). */
export const TRACKS = ['ISMAP', 'ISMAP_LIU'] as const;
export type Track = (typeof TRACKS)[number];

export const SERVICE_MODELS = ['IaaS', 'PaaS', 'SaaS'] as const;
export type ServiceModel = (typeof SERVICE_MODELS)[number];

export const APPLICATION_KINDS = ['NEW', 'RENEWAL', 'CHANGE'] as const;
export type ApplicationKind = (typeof APPLICATION_KINDS)[number];

export const ASSESSMENTS = ['DESIGN', 'OPERATING'] as const;
export type Assessment = (typeof ASSESSMENTS)[number];

export const FINDING_KINDS = ['EXCEPTION', 'DEFICIENCY', 'OBSERVATION'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export const FINDING_RESOLUTIONS = ['RESOLVED', 'RISK_ACCEPTED'] as const;
export type FindingResolution = (typeof FINDING_RESOLUTIONS)[number];

export const DECISIONS = [
  'REGISTER',
  'REJECT',
  'DEFER',
  'RENEW',
  'APPROVE_CHANGE',
  'REVOKE',
  'AUDIT_BODY_REGISTER',
  'AUDIT_BODY_DELIST',
] as const;
export type Decision = (typeof DECISIONS)[number];

export const ORGANISATION_TYPES = ['AUDIT_CORPORATION', 'OTHER'] as const;
export type OrganisationType = (typeof ORGANISATION_TYPES)[number];

export const INCIDENT_STAGES = ['FLASH', 'FINAL'] as const;
export type IncidentStage = (typeof INCIDENT_STAGES)[number];

export interface Scope {
  readonly description: string;
  readonly regions: readonly string[];
}

export interface Period {
  readonly start: string;
  readonly end: string;
}

export interface ExcludedObjective {
  readonly controlId: string;
  readonly reason: string;
}
