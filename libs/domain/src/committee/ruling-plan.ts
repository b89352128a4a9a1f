import type { ApplicationState } from '../applications/application';
import { decisionsFor } from '../applications/application';
import type { AuditBodyState } from '../audit-bodies/audit-body';
import type { RegistryList } from '../registry/registry';
import { nextRenewalNumber } from '../rules/registration-numbers';
import { validUntil } from '../rules/validity';
import type { ServiceState } from '../services/service';
import type { RenewalStatement, ServiceRegistered } from '../services/service.events';
import { DomainError } from '../shared/domain-error';
import { assertNever } from '../shared/messages';
import type { ApplicationKind, Decision, Period, Scope, ServiceModel } from '../shared/vocabulary';

export type RulingSubject =
  | { readonly kind: 'application'; readonly applicationId: string }
  | { readonly kind: 'service'; readonly serviceId: string }
  | { readonly kind: 'auditBody'; readonly auditBodyId: string };

/**
 * Everything a ruling changes elsewhere, fixed when the ruling is recorded. Its reactions are pure functions of
 * the recorded event, so replaying them (after a crash, or twice) always does the same thing.
 */
export type RulingEffect =
  | {
      readonly kind: 'REGISTER_SERVICE';
      readonly registration: Omit<ServiceRegistered['data'], 'rulingId' | 'meetingId'>;
    }
  | {
      readonly kind: 'RENEW_REGISTRATION';
      readonly applicationId: string;
      readonly serviceId: string;
      readonly registrationNumber: string;
      readonly auditBodyId: string;
      readonly auditPeriod: Period;
      readonly validUntil: string;
      /** Absent on rulings recorded before the renewal's statement was carried (see RegistrationRenewed). */
      readonly statement?: RenewalStatement;
    }
  | {
      readonly kind: 'APPROVE_CHANGE';
      readonly applicationId: string;
      readonly serviceId: string;
      readonly serviceName: string;
      readonly serviceModel: ServiceModel;
      readonly scope: Scope;
    }
  | {
      readonly kind: 'REJECT_APPLICATION';
      readonly applicationId: string;
      readonly serviceId: string;
      readonly applicationKind: ApplicationKind;
    }
  | { readonly kind: 'DEFER_APPLICATION'; readonly applicationId: string }
  | { readonly kind: 'REVOKE_REGISTRATION'; readonly serviceId: string }
  | {
      readonly kind: 'REGISTER_AUDIT_BODY';
      readonly auditBodyId: string;
      readonly registrationNumber: string;
    }
  | { readonly kind: 'DELIST_AUDIT_BODY'; readonly auditBodyId: string };

export interface RulingInputs {
  readonly decision: Decision;
  readonly subject: RulingSubject;
  readonly meeting: { readonly meetingId: string; readonly heldOn: string };
  /** The subject's state (application, service or audit body), as loaded by the handler. */
  readonly application?: ApplicationState;
  /** For application subjects: the service the application names (RENEW, APPROVE_CHANGE need it). */
  readonly service?: ServiceState;
  readonly auditBody?: AuditBodyState;
}

/** A serial to reserve before the ruling can be recorded, and how the effect reads once it is known. */
export interface RulingPlan {
  readonly reserve: { readonly list: RegistryList; readonly subjectId: string } | null;
  readonly complete: (reservedNumber: string | null) => {
    effect: RulingEffect;
    registrationNumber: string | null;
  };
}

/**
 * A ruling on a registered service cannot be dated before the registration it acts on: history entered late must
 * still read in date order, or the service would leave (or change on) the lists before it was ever on them.
 */
function requireNotBeforeRegistration(service: ServiceState, heldOn: string): void {
  if (service.status !== 'none' && heldOn < service.registeredOn) {
    throw new DomainError(
      'RULING.BEFORE_REGISTRATION',
      `The meeting of ${heldOn} is before the service was registered on ${service.registeredOn}`,
    );
  }
}

/** A term that would already be over on the day of the ruling registers nothing (REGISTER and RENEW alike). */
function requireValidityNotEnded(auditPeriod: Period, heldOn: string, what: string): string {
  const until = validUntil(auditPeriod.end);
  if (until < heldOn) {
    throw new DomainError(
      'RULING.VALIDITY_ALREADY_ENDED',
      `A ${what} on an audit period ending ${auditPeriod.end} would have been valid only until ${until}`,
    );
  }
  return until;
}

function notApplicable(decision: Decision, what: string): DomainError {
  return new DomainError('RULING.DECISION_NOT_APPLICABLE', `${decision} is not a ruling on ${what}`, 'rule');
}

const fixed = (effect: RulingEffect, registrationNumber: string | null = null): RulingPlan => ({
  reserve: null,
  complete: () => ({ effect, registrationNumber }),
});

/** Checks that the decision fits its subject's state and plans its effect (DOMAIN.md lifecycle steps 5–8). */
export function planRuling(inputs: RulingInputs): RulingPlan {
  const { decision, subject, meeting } = inputs;
  switch (subject.kind) {
    case 'application': {
      const app = inputs.application;
      if (app === undefined || app.status === 'none') {
        throw new DomainError('APPLICATION.NOT_FOUND', 'No such application', 'not_found');
      }
      if (app.status !== 'REFERRED' || app.referredTo?.meetingId !== meeting.meetingId) {
        throw new DomainError(
          'RULING.NOT_REFERRED_TO_MEETING',
          `The application is ${app.status}${app.referredTo ? ` (referred to meeting ${app.referredTo.number})` : ''}, not on this meeting's agenda`,
          'conflict',
        );
      }
      if (!decisionsFor(app.kind).includes(decision))
        throw notApplicable(decision, `a ${app.kind} application`);
      const service = inputs.service;
      switch (decision) {
        case 'REGISTER': {
          const until = requireValidityNotEnded(app.auditPeriod, meeting.heldOn, 'registration');
          return {
            reserve: { list: app.track, subjectId: app.applicationId },
            complete: (number) => {
              if (number === null) throw new Error('REGISTER needs a reserved registration number');
              return {
                registrationNumber: number,
                effect: {
                  kind: 'REGISTER_SERVICE',
                  registration: {
                    serviceId: app.serviceId,
                    applicationId: app.applicationId,
                    providerId: app.providerId,
                    track: app.track,
                    serviceName: app.serviceName,
                    serviceModel: app.serviceModel,
                    scope: app.scope,
                    auditBodyId: app.auditBodyId,
                    auditPeriod: app.auditPeriod,
                    registrationNumber: number,
                    registeredOn: meeting.heldOn,
                    validUntil: until,
                  },
                },
              };
            },
          };
        }
        case 'RENEW': {
          if (service === undefined || service.status === 'none') {
            throw new DomainError('SERVICE.NOT_FOUND', `No registered service ${app.serviceId}`, 'not_found');
          }
          if (service.pendingRenewal?.applicationId !== app.applicationId) {
            throw new DomainError(
              'RENEWAL.NOT_PENDING',
              'This renewal is not pending on the service',
              'conflict',
            );
          }
          requireNotBeforeRegistration(service, meeting.heldOn);
          const until = requireValidityNotEnded(app.auditPeriod, meeting.heldOn, 'renewal');
          const registrationNumber = nextRenewalNumber(service.registrationNumber);
          return fixed(
            {
              kind: 'RENEW_REGISTRATION',
              applicationId: app.applicationId,
              serviceId: app.serviceId,
              registrationNumber,
              auditBodyId: app.auditBodyId,
              auditPeriod: app.auditPeriod,
              validUntil: until,
              statement: { serviceName: app.serviceName, serviceModel: app.serviceModel, scope: app.scope },
            },
            registrationNumber,
          );
        }
        case 'APPROVE_CHANGE': {
          if (service === undefined || service.status === 'none') {
            throw new DomainError('SERVICE.NOT_FOUND', `No registered service ${app.serviceId}`, 'not_found');
          }
          if (service.status !== 'REGISTERED' && service.status !== 'RENEWAL_PENDING') {
            throw new DomainError(
              'SERVICE.NOT_REGISTERED',
              `The registration is ${service.status}`,
              'conflict',
            );
          }
          requireNotBeforeRegistration(service, meeting.heldOn);
          return fixed({
            kind: 'APPROVE_CHANGE',
            applicationId: app.applicationId,
            serviceId: app.serviceId,
            serviceName: app.serviceName,
            serviceModel: app.serviceModel,
            scope: app.scope,
          });
        }
        case 'REJECT':
          return fixed({
            kind: 'REJECT_APPLICATION',
            applicationId: app.applicationId,
            serviceId: app.serviceId,
            applicationKind: app.kind,
          });
        case 'DEFER':
          return fixed({ kind: 'DEFER_APPLICATION', applicationId: app.applicationId });
        case 'REVOKE':
        case 'AUDIT_BODY_REGISTER':
        case 'AUDIT_BODY_DELIST':
          throw notApplicable(decision, 'an application');
        default:
          return assertNever(decision);
      }
    }
    case 'service': {
      if (decision !== 'REVOKE') throw notApplicable(decision, 'a registered service');
      const service = inputs.service;
      if (service === undefined || service.status === 'none') {
        throw new DomainError('SERVICE.NOT_FOUND', 'No such registered service', 'not_found');
      }
      if (service.status !== 'REGISTERED' && service.status !== 'RENEWAL_PENDING') {
        throw new DomainError('SERVICE.NOT_REGISTERED', `The registration is ${service.status}`, 'conflict');
      }
      requireNotBeforeRegistration(service, meeting.heldOn);
      return fixed({ kind: 'REVOKE_REGISTRATION', serviceId: service.serviceId });
    }
    case 'auditBody': {
      const body = inputs.auditBody;
      if (body === undefined || body.status === 'none') {
        throw new DomainError('AUDIT_BODY.NOT_FOUND', 'No such audit body', 'not_found');
      }
      if (decision === 'AUDIT_BODY_REGISTER') {
        if (body.status !== 'APPLIED') {
          throw new DomainError('AUDIT_BODY.NOT_APPLIED', `The audit body is ${body.status}`, 'conflict');
        }
        return {
          reserve: { list: 'AUDIT_BODY', subjectId: body.auditBodyId },
          complete: (number) => {
            if (number === null) throw new Error('AUDIT_BODY_REGISTER needs a reserved number');
            return {
              registrationNumber: number,
              effect: {
                kind: 'REGISTER_AUDIT_BODY',
                auditBodyId: body.auditBodyId,
                registrationNumber: number,
              },
            };
          },
        };
      }
      if (decision === 'AUDIT_BODY_DELIST') {
        if (body.status !== 'REGISTERED') {
          throw new DomainError('AUDIT_BODY.NOT_REGISTERED', `The audit body is ${body.status}`, 'conflict');
        }
        return fixed({ kind: 'DELIST_AUDIT_BODY', auditBodyId: body.auditBodyId });
      }
      throw notApplicable(decision, 'an audit body');
    }
    default:
      return assertNever(subject);
  }
}
