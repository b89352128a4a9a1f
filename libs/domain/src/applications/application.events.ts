import type { DomainEvent } from '../shared/messages';
import type {
  ApplicationKind,
  Assessment,
  Decision,
  ExcludedObjective,
  FindingKind,
  FindingResolution,
  Period,
  Scope,
  ServiceModel,
  Track,
} from '../shared/vocabulary';

export const applicationStreamName = (applicationId: string): string => `application-${applicationId}`;

/** The parts of an application a provider states and may correct after a return. */
export interface ApplicationDetails {
  readonly serviceName: string;
  readonly serviceModel: ServiceModel;
  readonly scope: Scope;
  readonly auditBodyId: string;
  readonly auditPeriod: Period;
  readonly auditReportDate: string;
  readonly excludedObjectives: readonly ExcludedObjective[];
}

export type ApplicationSubmitted = DomainEvent<
  'ApplicationSubmitted',
  ApplicationDetails & {
    applicationId: string;
    serviceId: string;
    providerId: string;
    kind: ApplicationKind;
    track: Track;
    submittedOn: string;
  }
>;
export type ApplicationAccepted = DomainEvent<
  'ApplicationAccepted',
  { applicationId: string; acceptedOn: string }
>;
export type ApplicationReturned = DomainEvent<
  'ApplicationReturned',
  { applicationId: string; reason: string; returnedOn: string }
>;
export type ApplicationResubmitted = DomainEvent<
  'ApplicationResubmitted',
  { applicationId: string; changes: Partial<ApplicationDetails>; resubmittedOn: string }
>;
export type AuditFindingRecorded = DomainEvent<
  'AuditFindingRecorded',
  {
    applicationId: string;
    serviceId: string;
    findingId: string;
    auditBodyId: string;
    controlId: string;
    assessment: Assessment;
    kind: FindingKind;
    description: string;
    evidenceRefs: readonly string[];
    recordedOn: string;
  }
>;
export type ReviewFindingRaised = DomainEvent<
  'ReviewFindingRaised',
  {
    applicationId: string;
    serviceId: string;
    findingId: string;
    controlId: string | null;
    description: string;
    raisedOn: string;
  }
>;
export type FindingResponded = DomainEvent<
  'FindingResponded',
  { applicationId: string; findingId: string; correctiveAction: string; respondedOn: string }
>;
export type FindingResolved = DomainEvent<
  'FindingResolved',
  {
    applicationId: string;
    findingId: string;
    resolution: FindingResolution;
    note: string;
    resolvedOn: string;
  }
>;
export type ApplicationReferred = DomainEvent<
  'ApplicationReferred',
  {
    applicationId: string;
    meetingId: string;
    meetingNumber: number;
    meetingHeldOn: string;
    referredOn: string;
  }
>;
export type ApplicationWithdrawn = DomainEvent<
  'ApplicationWithdrawn',
  { applicationId: string; serviceId: string; kind: ApplicationKind; reason: string; withdrawnOn: string }
>;
export type ApplicationDeferred = DomainEvent<
  'ApplicationDeferred',
  { applicationId: string; rulingId: string; meetingId: string; deferredOn: string }
>;
export type ApplicationDecided = DomainEvent<
  'ApplicationDecided',
  {
    applicationId: string;
    rulingId: string;
    meetingId: string;
    decision: Decision;
    decidedOn: string;
    registrationNumber: string | null;
  }
>;

export type ApplicationEvent =
  | ApplicationSubmitted
  | ApplicationAccepted
  | ApplicationReturned
  | ApplicationResubmitted
  | AuditFindingRecorded
  | ReviewFindingRaised
  | FindingResponded
  | FindingResolved
  | ApplicationReferred
  | ApplicationWithdrawn
  | ApplicationDeferred
  | ApplicationDecided;
