import { addDays } from '../rules/business-dates';
import { tokyoDateOf } from '../shared/dates';
import { DomainError } from '../shared/domain-error';
import type { Command, CommandContext, Decider } from '../shared/messages';
import { assertNever } from '../shared/messages';
import type { IncidentStage, Period, Scope, ServiceModel, Track } from '../shared/vocabulary';
import type { ServiceFacts } from '../applications/application';
import type { RenewalStatement, ServiceEvent, ServiceRegistered } from './service.events';
import type { RenewalReminderDays } from './renewal-reminders';
import { dueRenewalReminder, isRenewalReminderDays } from './renewal-reminders';

export type RegisterService = Command<'RegisterService', ServiceRegistered['data']>;
export type ApplyForRenewal = Command<'ApplyForRenewal', { applicationId: string; appliedOn: string }>;
export type CloseRenewal = Command<
  'CloseRenewal',
  { applicationId: string; outcome: 'WITHDRAWN' | 'REJECTED'; closedOn: string }
>;
export type RenewRegistration = Command<
  'RenewRegistration',
  {
    applicationId: string;
    registrationNumber: string;
    auditBodyId: string;
    auditPeriod: Period;
    renewedOn: string;
    validUntil: string;
    rulingId: string;
    meetingId: string;
    statement?: RenewalStatement;
  }
>;
export type ApplyServiceChange = Command<
  'ApplyServiceChange',
  {
    applicationId: string;
    serviceName: string;
    serviceModel: ServiceModel;
    scope: Scope;
    approvedOn: string;
    rulingId: string;
    meetingId: string;
  }
>;
export type WithdrawService = Command<
  'WithdrawService',
  { providerId: string; effectiveOn: string; reason: string; withdrawnOn: string }
>;
export type RevokeRegistration = Command<
  'RevokeRegistration',
  { revokedOn: string; rationale: string; rulingId: string; meetingId: string }
>;
/** `asOf`: the day the expiry is noticed; the registration expires from the day after `validUntil` regardless. */
export type ExpireRegistration = Command<'ExpireRegistration', { asOf: string }>;
/** `asOf`: the day the sweep runs for; the reminder is due that day (see `dueRenewalReminder`). */
export type RemindRenewalDeadline = Command<
  'RemindRenewalDeadline',
  { daysBefore: RenewalReminderDays; asOf: string }
>;
export type ReportIncident = Command<
  'ReportIncident',
  {
    providerId: string;
    incidentId: string;
    stage: IncidentStage;
    flashIncidentId: string | null;
    occurredAt: string;
    summary: string;
    reportedOn: string;
  }
>;

export type ServiceCommand =
  | RegisterService
  | ApplyForRenewal
  | CloseRenewal
  | RenewRegistration
  | ApplyServiceChange
  | WithdrawService
  | RevokeRegistration
  | ExpireRegistration
  | RemindRenewalDeadline
  | ReportIncident;

export type ServiceStatus = ServiceFacts['status'];

/** DOMAIN.md 7 [S]: without a timely renewal application, EXPIRED from the day after `validUntil`. */
export const expiryDateOf = (validUntil: string): string => addDays(validUntil, 1);

export interface IncidentState {
  readonly incidentId: string;
  readonly stage: IncidentStage;
  readonly finalIncidentId: string | null;
}

export type ServiceState =
  | { readonly status: 'none' }
  | {
      readonly status: ServiceStatus;
      readonly serviceId: string;
      readonly providerId: string;
      readonly track: Track;
      readonly serviceName: string;
      readonly serviceModel: ServiceModel;
      readonly scope: Scope;
      readonly auditBodyId: string;
      readonly auditPeriod: Period;
      readonly registrationNumber: string;
      readonly registeredOn: string;
      readonly validUntil: string;
      readonly pendingRenewal: { readonly applicationId: string; readonly appliedOn: string } | null;
      readonly withdrawal: { readonly effectiveOn: string } | null;
      /** Reminders already issued for the current `validUntil` (a renewal starts afresh). */
      readonly remindersSent: readonly RenewalReminderDays[];
      readonly incidents: Readonly<Record<string, IncidentState>>;
    };

type Registered = Exclude<ServiceState, { status: 'none' }>;

export function serviceFactsOf(state: ServiceState): ServiceFacts | null {
  if (state.status === 'none') return null;
  return {
    serviceId: state.serviceId,
    providerId: state.providerId,
    track: state.track,
    status: state.status,
    validUntil: state.validUntil,
    auditPeriod: state.auditPeriod,
  };
}

function requireService(state: ServiceState, providerId?: string): Registered {
  if (state.status === 'none' || (providerId !== undefined && state.providerId !== providerId)) {
    throw new DomainError('SERVICE.NOT_FOUND', 'No such registered service', 'not_found');
  }
  return state;
}

function requireOnList(service: Registered, code: string): void {
  if (service.status !== 'REGISTERED' && service.status !== 'RENEWAL_PENDING') {
    throw new DomainError(code, `The registration is ${service.status}`, 'conflict', {
      currentStatus: service.status,
    });
  }
}

function decide(command: ServiceCommand, state: ServiceState, context: CommandContext): ServiceEvent[] {
  switch (command.type) {
    case 'RegisterService': {
      if (state.status !== 'none') {
        throw new DomainError(
          'SERVICE.ALREADY_REGISTERED',
          `Service ${state.serviceId} is already registered`,
          'conflict',
        );
      }
      return [{ type: 'ServiceRegistered', data: command.data }];
    }
    case 'ApplyForRenewal': {
      const service = requireService(state);
      if (service.status !== 'REGISTERED') {
        throw new DomainError('SERVICE.NOT_REGISTERED', `The registration is ${service.status}`, 'conflict');
      }
      if (command.data.appliedOn > service.validUntil) {
        throw new DomainError('RENEWAL.AFTER_VALIDITY', `Validity ended on ${service.validUntil}`);
      }
      return [{ type: 'RenewalApplied', data: { serviceId: service.serviceId, ...command.data } }];
    }
    case 'CloseRenewal': {
      const service = requireService(state);
      if (service.pendingRenewal?.applicationId !== command.data.applicationId) return [];
      const closed: ServiceEvent = {
        type: 'RenewalClosed',
        data: { serviceId: service.serviceId, ...command.data },
      };
      // [D] A renewal that ends without RENEW after validUntil lets the registration expire on that day.
      if (command.data.closedOn > service.validUntil) {
        return [
          closed,
          {
            type: 'RegistrationExpired',
            data: {
              serviceId: service.serviceId,
              expiredOn: command.data.closedOn,
              validUntil: service.validUntil,
            },
          },
        ];
      }
      return [closed];
    }
    case 'RenewRegistration': {
      const service = requireService(state);
      if (service.pendingRenewal?.applicationId !== command.data.applicationId) {
        throw new DomainError(
          'RENEWAL.NOT_PENDING',
          'This renewal is not pending on the service',
          'conflict',
        );
      }
      return [{ type: 'RegistrationRenewed', data: { serviceId: service.serviceId, ...command.data } }];
    }
    case 'ApplyServiceChange': {
      const service = requireService(state);
      requireOnList(service, 'SERVICE.NOT_REGISTERED');
      return [{ type: 'ServiceChangeApproved', data: { serviceId: service.serviceId, ...command.data } }];
    }
    case 'WithdrawService': {
      const service = requireService(state, command.data.providerId);
      requireOnList(service, 'SERVICE.NOT_REGISTERED');
      if (service.withdrawal !== null) {
        throw new DomainError(
          'SERVICE.ALREADY_WITHDRAWN',
          `Withdrawn from ${service.withdrawal.effectiveOn}`,
          'conflict',
        );
      }
      if (command.data.effectiveOn < command.data.withdrawnOn) {
        throw new DomainError(
          'WITHDRAWAL.EFFECTIVE_BEFORE_NOTICE',
          `A withdrawal cannot take effect (${command.data.effectiveOn}) before it is given (${command.data.withdrawnOn})`,
        );
      }
      if (command.data.withdrawnOn > context.today) {
        // The notice is a fact of its day; only the day it takes effect may lie ahead.
        throw new DomainError(
          'BUSINESS_DATE.IN_FUTURE',
          `The withdrawal notice date ${command.data.withdrawnOn} is later than today`,
        );
      }
      if (command.data.withdrawnOn < service.registeredOn) {
        throw new DomainError(
          'WITHDRAWAL.BEFORE_REGISTRATION',
          'A withdrawal cannot be dated before the registration',
        );
      }
      const reason = command.data.reason.trim();
      if (reason === '') throw new DomainError('WITHDRAWAL.REASON_REQUIRED', 'The reason is empty');
      return [
        {
          type: 'ServiceWithdrawn',
          data: {
            serviceId: service.serviceId,
            effectiveOn: command.data.effectiveOn,
            reason,
            withdrawnOn: command.data.withdrawnOn,
          },
        },
      ];
    }
    case 'RevokeRegistration': {
      const service = requireService(state);
      requireOnList(service, 'SERVICE.NOT_REGISTERED');
      return [{ type: 'RegistrationRevoked', data: { serviceId: service.serviceId, ...command.data } }];
    }
    case 'ExpireRegistration': {
      const service = requireService(state);
      if (service.status !== 'REGISTERED') {
        throw new DomainError('SERVICE.NOT_REGISTERED', `The registration is ${service.status}`, 'conflict');
      }
      if (command.data.asOf > context.today) {
        throw new DomainError(
          'BUSINESS_DATE.IN_FUTURE',
          `The sweep date ${command.data.asOf} is later than today`,
        );
      }
      if (command.data.asOf <= service.validUntil) {
        throw new DomainError(
          'REGISTRATION.STILL_VALID',
          `The registration is valid until ${service.validUntil}`,
        );
      }
      return [
        {
          type: 'RegistrationExpired',
          data: {
            serviceId: service.serviceId,
            expiredOn: expiryDateOf(service.validUntil),
            validUntil: service.validUntil,
          },
        },
      ];
    }
    case 'RemindRenewalDeadline': {
      const { daysBefore, asOf } = command.data;
      const service = requireService(state);
      if (service.status === 'RENEWAL_PENDING') {
        throw new DomainError('REMINDER.RENEWAL_APPLIED', 'A renewal has been applied for', 'conflict');
      }
      if (service.status !== 'REGISTERED') {
        throw new DomainError('SERVICE.NOT_REGISTERED', `The registration is ${service.status}`, 'conflict');
      }
      if (asOf > context.today) {
        throw new DomainError('BUSINESS_DATE.IN_FUTURE', `The reminder date ${asOf} is later than today`);
      }
      if (!isRenewalReminderDays(daysBefore) || dueRenewalReminder(service.validUntil, asOf) !== daysBefore) {
        throw new DomainError(
          'REMINDER.NOT_DUE',
          `No ${daysBefore}-day reminder is due on ${asOf} for validity ending ${service.validUntil}`,
        );
      }
      // A nearer reminder already sent makes a more distant one pointless, not just a duplicate.
      if (service.remindersSent.some((sent) => sent <= daysBefore)) {
        throw new DomainError(
          'REMINDER.ALREADY_SENT',
          `The ${daysBefore}-day reminder for validity ending ${service.validUntil} was already issued`,
          'conflict',
        );
      }
      return [
        {
          type: 'RenewalReminderIssued',
          data: {
            serviceId: service.serviceId,
            providerId: service.providerId,
            registrationNumber: service.registrationNumber,
            validUntil: service.validUntil,
            daysBefore,
            remindedOn: asOf,
          },
        },
      ];
    }
    case 'ReportIncident': {
      const d = command.data;
      const service = requireService(state, d.providerId);
      if (d.reportedOn > context.today) {
        throw new DomainError(
          'BUSINESS_DATE.IN_FUTURE',
          `The report date ${d.reportedOn} is later than today`,
        );
      }
      if (tokyoDateOf(new Date(d.occurredAt)) > d.reportedOn) {
        throw new DomainError(
          'INCIDENT.REPORTED_BEFORE_OCCURRENCE',
          'An incident cannot be reported before it occurred',
        );
      }
      const summary = d.summary.trim();
      if (summary === '') throw new DomainError('INCIDENT.SUMMARY_REQUIRED', 'The summary is empty');
      if (service.incidents[d.incidentId] !== undefined) {
        throw new DomainError(
          'INCIDENT.ID_ALREADY_USED',
          `Incident ${d.incidentId} was already reported`,
          'conflict',
        );
      }
      if (d.stage === 'FINAL') {
        const flash = d.flashIncidentId === null ? undefined : service.incidents[d.flashIncidentId];
        if (flash === undefined || flash.stage !== 'FLASH') {
          throw new DomainError(
            'INCIDENT.FLASH_NOT_FOUND',
            'A final report (確報) must reference a flash report (速報) of the same service',
          );
        }
        if (flash.finalIncidentId !== null) {
          throw new DomainError(
            'INCIDENT.ALREADY_FINAL',
            `Flash report ${flash.incidentId} already has its final report`,
            'conflict',
          );
        }
      } else if (d.flashIncidentId !== null) {
        throw new DomainError(
          'INCIDENT.FLASH_REFERENCE_NOT_ALLOWED',
          'Only a final report references a flash report',
        );
      }
      return [
        {
          type: 'IncidentReported',
          data: {
            serviceId: service.serviceId,
            incidentId: d.incidentId,
            stage: d.stage,
            flashIncidentId: d.flashIncidentId,
            occurredAt: d.occurredAt,
            summary,
            reportedOn: d.reportedOn,
          },
        },
      ];
    }
    default:
      return assertNever(command);
  }
}

function evolve(state: ServiceState, event: ServiceEvent): ServiceState {
  if (event.type === 'ServiceRegistered') {
    const d = event.data;
    return {
      status: 'REGISTERED',
      serviceId: d.serviceId,
      providerId: d.providerId,
      track: d.track,
      serviceName: d.serviceName,
      serviceModel: d.serviceModel,
      scope: d.scope,
      auditBodyId: d.auditBodyId,
      auditPeriod: d.auditPeriod,
      registrationNumber: d.registrationNumber,
      registeredOn: d.registeredOn,
      validUntil: d.validUntil,
      pendingRenewal: null,
      withdrawal: null,
      remindersSent: [],
      incidents: {},
    };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'RenewalApplied':
      return {
        ...state,
        status: 'RENEWAL_PENDING',
        pendingRenewal: { applicationId: event.data.applicationId, appliedOn: event.data.appliedOn },
      };
    case 'RenewalClosed':
      return { ...state, status: 'REGISTERED', pendingRenewal: null };
    case 'RegistrationRenewed':
      return {
        ...state,
        status: 'REGISTERED',
        pendingRenewal: null,
        registrationNumber: event.data.registrationNumber,
        auditBodyId: event.data.auditBodyId,
        auditPeriod: event.data.auditPeriod,
        validUntil: event.data.validUntil,
        remindersSent: [],
        ...(event.data.statement === undefined
          ? {}
          : {
              serviceName: event.data.statement.serviceName,
              serviceModel: event.data.statement.serviceModel,
              scope: event.data.statement.scope,
            }),
      };
    case 'ServiceChangeApproved':
      return {
        ...state,
        serviceName: event.data.serviceName,
        serviceModel: event.data.serviceModel,
        scope: event.data.scope,
      };
    case 'ServiceWithdrawn':
      return {
        ...state,
        status: 'WITHDRAWN',
        pendingRenewal: null,
        withdrawal: { effectiveOn: event.data.effectiveOn },
      };
    case 'RegistrationRevoked':
      return { ...state, status: 'REVOKED', pendingRenewal: null };
    case 'RegistrationExpired':
      return { ...state, status: 'EXPIRED', pendingRenewal: null };
    case 'RenewalReminderIssued':
      return event.data.validUntil === state.validUntil
        ? { ...state, remindersSent: [...state.remindersSent, event.data.daysBefore] }
        : state;
    case 'IncidentReported': {
      const d = event.data;
      const incidents: Record<string, IncidentState> = {
        ...state.incidents,
        [d.incidentId]: { incidentId: d.incidentId, stage: d.stage, finalIncidentId: null },
      };
      const flash = d.flashIncidentId === null ? undefined : incidents[d.flashIncidentId];
      if (flash !== undefined) incidents[flash.incidentId] = { ...flash, finalIncidentId: d.incidentId };
      return { ...state, incidents };
    }
    default:
      return assertNever(event);
  }
}

export const serviceDecider: Decider<ServiceCommand, ServiceEvent, ServiceState> = {
  initialState: () => ({ status: 'none' }),
  decide,
  evolve,
};
