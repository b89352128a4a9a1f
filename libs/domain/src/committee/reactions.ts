import type { ApplicationCommand } from '../applications/application';
import type { ApplicationEvent } from '../applications/application.events';
import type { AuditBodyCommand } from '../audit-bodies/audit-body';
import type { ServiceCommand } from '../services/service';
import { assertNever } from '../shared/messages';
import type { MeetingEvent, RulingConfirmed, RulingRecorded } from './meeting';

/** A command that another stream's event makes necessary, with the business date it takes effect on. */
export type Reaction =
  | {
      readonly target: 'application';
      readonly id: string;
      readonly occurredOn: string;
      readonly command: ApplicationCommand;
    }
  | {
      readonly target: 'service';
      readonly id: string;
      readonly occurredOn: string;
      readonly command: ServiceCommand;
    }
  | {
      readonly target: 'auditBody';
      readonly id: string;
      readonly occurredOn: string;
      readonly command: AuditBodyCommand;
    };

/**
 * The cross-aggregate effects of the programme (docs/adr/0004): a ruling acts on its application, service or
 * audit body; a renewal application marks its service as pending, and its withdrawal ends that. A heavy ruling
 * (REVOKE, AUDIT_BODY_DELIST) acts only through its RulingConfirmed: recorded alone it changes nothing.
 */
export function reactionsTo(event: MeetingEvent | ApplicationEvent | { readonly type: string }): Reaction[] {
  if (event.type === 'ApplicationSubmitted' && 'data' in event) {
    const d = event.data;
    if (d.kind !== 'RENEWAL') return [];
    return [
      {
        target: 'service',
        id: d.serviceId,
        occurredOn: d.submittedOn,
        command: {
          type: 'ApplyForRenewal',
          data: { applicationId: d.applicationId, appliedOn: d.submittedOn },
        },
      },
    ];
  }
  if (event.type === 'ApplicationWithdrawn' && 'data' in event) {
    const d = event.data;
    if (d.kind !== 'RENEWAL') return [];
    return [
      {
        target: 'service',
        id: d.serviceId,
        occurredOn: d.withdrawnOn,
        command: {
          type: 'CloseRenewal',
          data: { applicationId: d.applicationId, outcome: 'WITHDRAWN', closedOn: d.withdrawnOn },
        },
      },
    ];
  }
  if (event.type === 'RulingConfirmed' && 'data' in event) return rulingReactions(event.data);
  if (event.type !== 'RulingRecorded' || !('data' in event)) return [];
  if (event.data.confirmation === 'REQUIRED') return [];
  return rulingReactions(event.data);
}

function rulingReactions(ruling: RulingRecorded['data'] | RulingConfirmed['data']): Reaction[] {
  const on = ruling.decidedOn;
  const decided = (applicationId: string): Reaction => ({
    target: 'application',
    id: applicationId,
    occurredOn: on,
    command: {
      type: 'ApplyRuling',
      data: {
        rulingId: ruling.rulingId,
        meetingId: ruling.meetingId,
        decision: ruling.decision,
        decidedOn: on,
        registrationNumber: ruling.registrationNumber,
      },
    },
  });
  const effect = ruling.effect;
  const byRuling = { rulingId: ruling.rulingId, meetingId: ruling.meetingId };
  switch (effect.kind) {
    case 'REGISTER_SERVICE':
      return [
        {
          target: 'service',
          id: effect.registration.serviceId,
          occurredOn: on,
          command: { type: 'RegisterService', data: { ...effect.registration, ...byRuling } },
        },
        decided(effect.registration.applicationId),
      ];
    case 'RENEW_REGISTRATION':
      return [
        {
          target: 'service',
          id: effect.serviceId,
          occurredOn: on,
          command: {
            type: 'RenewRegistration',
            data: {
              applicationId: effect.applicationId,
              registrationNumber: effect.registrationNumber,
              auditBodyId: effect.auditBodyId,
              auditPeriod: effect.auditPeriod,
              validUntil: effect.validUntil,
              renewedOn: on,
              ...byRuling,
              ...(effect.statement === undefined ? {} : { statement: effect.statement }),
            },
          },
        },
        decided(effect.applicationId),
      ];
    case 'APPROVE_CHANGE':
      return [
        {
          target: 'service',
          id: effect.serviceId,
          occurredOn: on,
          command: {
            type: 'ApplyServiceChange',
            data: {
              applicationId: effect.applicationId,
              serviceName: effect.serviceName,
              serviceModel: effect.serviceModel,
              scope: effect.scope,
              approvedOn: on,
              ...byRuling,
            },
          },
        },
        decided(effect.applicationId),
      ];
    case 'REJECT_APPLICATION':
      return [
        decided(effect.applicationId),
        ...(effect.applicationKind === 'RENEWAL'
          ? [
              {
                target: 'service' as const,
                id: effect.serviceId,
                occurredOn: on,
                command: {
                  type: 'CloseRenewal' as const,
                  data: { applicationId: effect.applicationId, outcome: 'REJECTED' as const, closedOn: on },
                },
              },
            ]
          : []),
      ];
    case 'DEFER_APPLICATION':
      return [decided(effect.applicationId)];
    case 'REVOKE_REGISTRATION':
      return [
        {
          target: 'service',
          id: effect.serviceId,
          occurredOn: on,
          command: {
            type: 'RevokeRegistration',
            data: { revokedOn: on, rationale: ruling.rationale, ...byRuling },
          },
        },
      ];
    case 'REGISTER_AUDIT_BODY':
      return [
        {
          target: 'auditBody',
          id: effect.auditBodyId,
          occurredOn: on,
          command: {
            type: 'RegisterAuditBody',
            data: { registrationNumber: effect.registrationNumber, registeredOn: on, ...byRuling },
          },
        },
      ];
    case 'DELIST_AUDIT_BODY':
      return [
        {
          target: 'auditBody',
          id: effect.auditBodyId,
          occurredOn: on,
          command: {
            type: 'DelistAuditBody',
            data: { delistedOn: on, rationale: ruling.rationale, ...byRuling },
          },
        },
      ];
    default:
      return assertNever(effect);
  }
}
