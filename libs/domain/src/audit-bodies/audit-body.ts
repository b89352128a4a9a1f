import { DomainError } from '../shared/domain-error';
import type { Command, CommandContext, Decider, DomainEvent } from '../shared/messages';
import { assertNever } from '../shared/messages';
import type { OrganisationType } from '../shared/vocabulary';
import { isCorporateNumber } from '../providers/corporate-number';

export const auditBodyStreamName = (auditBodyId: string): string => `auditbody-${auditBodyId}`;
/** Derived from the corporate number, so one organisation is one audit body even under concurrent applications. */
export const auditBodyIdFor = (corporateNumber: string): string => `AB${corporateNumber}`;

export type AuditBodyApplied = DomainEvent<
  'AuditBodyApplied',
  {
    auditBodyId: string;
    name: string;
    corporateNumber: string;
    organisationType: OrganisationType;
    appliedOn: string;
  }
>;
export type AuditBodyRegistered = DomainEvent<
  'AuditBodyRegistered',
  {
    auditBodyId: string;
    registrationNumber: string;
    registeredOn: string;
    rulingId: string;
    meetingId: string;
  }
>;
export type AuditBodyDelisted = DomainEvent<
  'AuditBodyDelisted',
  { auditBodyId: string; delistedOn: string; rulingId: string; meetingId: string; rationale: string }
>;
export type AuditBodyEvent = AuditBodyApplied | AuditBodyRegistered | AuditBodyDelisted;

export type ApplyAsAuditBody = Command<
  'ApplyAsAuditBody',
  {
    auditBodyId: string;
    name: string;
    corporateNumber: string;
    organisationType: OrganisationType;
    appliedOn: string;
  }
>;
export type RegisterAuditBody = Command<
  'RegisterAuditBody',
  { registrationNumber: string; registeredOn: string; rulingId: string; meetingId: string }
>;
export type DelistAuditBody = Command<
  'DelistAuditBody',
  { delistedOn: string; rulingId: string; meetingId: string; rationale: string }
>;
export type AuditBodyCommand = ApplyAsAuditBody | RegisterAuditBody | DelistAuditBody;

export type AuditBodyStatus = 'APPLIED' | 'REGISTERED' | 'DELISTED';

/** What other deciders need to know about an audit body (e.g. "registered on the report's date"). */
export interface AuditBodyFacts {
  readonly auditBodyId: string;
  readonly status: AuditBodyStatus;
  readonly registrationNumber: string | null;
  readonly registeredOn: string | null;
  readonly delistedOn: string | null;
}

export type AuditBodyState =
  | { readonly status: 'none' }
  | (AuditBodyFacts & {
      readonly name: string;
      readonly corporateNumber: string;
      readonly appliedOn: string;
    });

/** On the audit body list on `date`: registered on or before it and not delisted by then. */
export function wasRegisteredOn(facts: AuditBodyFacts, date: string): boolean {
  return (
    facts.registeredOn !== null &&
    facts.registeredOn <= date &&
    (facts.delistedOn === null || date < facts.delistedOn)
  );
}

export function auditBodyFactsOf(state: AuditBodyState): AuditBodyFacts | null {
  if (state.status === 'none') return null;
  return {
    auditBodyId: state.auditBodyId,
    status: state.status,
    registrationNumber: state.registrationNumber,
    registeredOn: state.registeredOn,
    delistedOn: state.delistedOn,
  };
}

function decide(command: AuditBodyCommand, state: AuditBodyState, context: CommandContext): AuditBodyEvent[] {
  switch (command.type) {
    case 'ApplyAsAuditBody': {
      const d = command.data;
      if (state.status !== 'none') {
        throw new DomainError(
          'AUDIT_BODY.ALREADY_APPLIED',
          `Audit body ${state.auditBodyId} already exists`,
          'conflict',
          {
            auditBodyId: state.auditBodyId,
          },
        );
      }
      if (!isCorporateNumber(d.corporateNumber)) {
        throw new DomainError(
          'AUDIT_BODY.CORPORATE_NUMBER_INVALID',
          'The corporate number fails its check digit',
        );
      }
      // [S] "for the time being" only audit corporations (監査法人) are accepted as audit bodies.
      if (d.organisationType !== 'AUDIT_CORPORATION') {
        throw new DomainError(
          'AUDIT_BODY.ORGANISATION_TYPE_NOT_ACCEPTED',
          'Only audit corporations (監査法人) are accepted as ISMAP audit bodies for the time being',
        );
      }
      const name = d.name.trim();
      if (name === '') throw new DomainError('AUDIT_BODY.NAME_REQUIRED', 'The name is empty');
      if (d.appliedOn > context.today) {
        throw new DomainError(
          'BUSINESS_DATE.IN_FUTURE',
          `The application date ${d.appliedOn} is later than today`,
        );
      }
      return [{ type: 'AuditBodyApplied', data: { ...d, name } }];
    }
    case 'RegisterAuditBody': {
      if (state.status === 'none')
        throw new DomainError('AUDIT_BODY.NOT_FOUND', 'No such audit body', 'not_found');
      if (state.status !== 'APPLIED') {
        throw new DomainError('AUDIT_BODY.NOT_APPLIED', `The audit body is ${state.status}`, 'conflict');
      }
      return [{ type: 'AuditBodyRegistered', data: { auditBodyId: state.auditBodyId, ...command.data } }];
    }
    case 'DelistAuditBody': {
      if (state.status === 'none')
        throw new DomainError('AUDIT_BODY.NOT_FOUND', 'No such audit body', 'not_found');
      if (state.status !== 'REGISTERED') {
        throw new DomainError('AUDIT_BODY.NOT_REGISTERED', `The audit body is ${state.status}`, 'conflict');
      }
      return [{ type: 'AuditBodyDelisted', data: { auditBodyId: state.auditBodyId, ...command.data } }];
    }
    default:
      return assertNever(command);
  }
}

function evolve(state: AuditBodyState, event: AuditBodyEvent): AuditBodyState {
  switch (event.type) {
    case 'AuditBodyApplied':
      return {
        status: 'APPLIED',
        auditBodyId: event.data.auditBodyId,
        name: event.data.name,
        corporateNumber: event.data.corporateNumber,
        appliedOn: event.data.appliedOn,
        registrationNumber: null,
        registeredOn: null,
        delistedOn: null,
      };
    case 'AuditBodyRegistered':
      return state.status === 'none'
        ? state
        : {
            ...state,
            status: 'REGISTERED',
            registrationNumber: event.data.registrationNumber,
            registeredOn: event.data.registeredOn,
          };
    case 'AuditBodyDelisted':
      return state.status === 'none'
        ? state
        : { ...state, status: 'DELISTED', delistedOn: event.data.delistedOn };
    default:
      return assertNever(event);
  }
}

export const auditBodyDecider: Decider<AuditBodyCommand, AuditBodyEvent, AuditBodyState> = {
  initialState: () => ({ status: 'none' }),
  decide,
  evolve,
};
