import type { DomainEvent } from '../shared/messages';
import type { IncidentStage, Period, Scope, ServiceModel, Track } from '../shared/vocabulary';
import type { RenewalReminderDays } from './renewal-reminders';

export const serviceStreamName = (serviceId: string): string => `service-${serviceId}`;

export type ServiceRegistered = DomainEvent<
  'ServiceRegistered',
  {
    serviceId: string;
    applicationId: string;
    providerId: string;
    track: Track;
    serviceName: string;
    serviceModel: ServiceModel;
    scope: Scope;
    auditBodyId: string;
    auditPeriod: Period;
    registrationNumber: string;
    registeredOn: string;
    validUntil: string;
    rulingId: string;
    meetingId: string;
  }
>;
export type RenewalApplied = DomainEvent<
  'RenewalApplied',
  { serviceId: string; applicationId: string; appliedOn: string }
>;
/** A pending renewal ended without RENEW (withdrawn or rejected). */
export type RenewalClosed = DomainEvent<
  'RenewalClosed',
  { serviceId: string; applicationId: string; outcome: 'WITHDRAWN' | 'REJECTED'; closedOn: string }
>;
/** What a renewal application states about the service (言明書): the registration rests on it once renewed. */
export interface RenewalStatement {
  readonly serviceName: string;
  readonly serviceModel: ServiceModel;
  readonly scope: Scope;
}
export type RegistrationRenewed = DomainEvent<
  'RegistrationRenewed',
  {
    serviceId: string;
    applicationId: string;
    registrationNumber: string;
    auditBodyId: string;
    auditPeriod: Period;
    renewedOn: string;
    validUntil: string;
    rulingId: string;
    meetingId: string;
    /**
     * The renewal application's statement as the committee ruled on it. Absent on renewals recorded before it was
     * carried: those kept the statement the registration had.
     */
    statement?: RenewalStatement;
  }
>;
export type ServiceChangeApproved = DomainEvent<
  'ServiceChangeApproved',
  {
    serviceId: string;
    applicationId: string;
    serviceName: string;
    serviceModel: ServiceModel;
    scope: Scope;
    approvedOn: string;
    rulingId: string;
    meetingId: string;
  }
>;
export type ServiceWithdrawn = DomainEvent<
  'ServiceWithdrawn',
  { serviceId: string; effectiveOn: string; reason: string; withdrawnOn: string }
>;
export type RegistrationRevoked = DomainEvent<
  'RegistrationRevoked',
  { serviceId: string; revokedOn: string; rationale: string; rulingId: string; meetingId: string }
>;
export type RegistrationExpired = DomainEvent<
  'RegistrationExpired',
  { serviceId: string; expiredOn: string; validUntil: string }
>;
/**
 * [D] A renewal deadline reminder for the provider: `daysBefore` (90, 30 or 7) days before `validUntil`, when no
 * renewal has been applied for. Once per (validity, threshold): a renewed validity starts its own reminders.
 */
export type RenewalReminderIssued = DomainEvent<
  'RenewalReminderIssued',
  {
    serviceId: string;
    providerId: string;
    registrationNumber: string;
    validUntil: string;
    daysBefore: RenewalReminderDays;
    remindedOn: string;
  }
>;
export type IncidentReported = DomainEvent<
  'IncidentReported',
  {
    serviceId: string;
    incidentId: string;
    stage: IncidentStage;
    flashIncidentId: string | null;
    occurredAt: string;
    summary: string;
    reportedOn: string;
  }
>;

export type ServiceEvent =
  | ServiceRegistered
  | RenewalApplied
  | RenewalClosed
  | RegistrationRenewed
  | ServiceChangeApproved
  | ServiceWithdrawn
  | RegistrationRevoked
  | RegistrationExpired
  | RenewalReminderIssued
  | IncidentReported;
