import { expiredFrom, type ValidityFacts } from '@ismap/domain';
import type { RecordedEvent } from '@ismap/event-store';
import type { Doc, DocRef, Projection, ReadModelTx } from '../projection';

/**
 * Registered services, their providers and the audit bodies: everything the public lists show, plus the dates
 * that decide whether an entry is on a list on a given day. Judging a day is the query's job (`isListedOn`), so
 * the same documents answer "today" and any `asOf`.
 */
export interface RegistrationDoc {
  readonly serviceId: string;
  readonly providerId: string;
  readonly track: 'ISMAP' | 'ISMAP_LIU';
  readonly registrationNumber: string;
  readonly serviceName: string;
  readonly serviceModel: string;
  readonly scope: { readonly description: string; readonly regions: readonly string[] };
  readonly auditBodyId: string;
  readonly auditPeriod: { readonly start: string; readonly end: string };
  readonly registeredOn: string;
  readonly lastRenewedOn: string | null;
  /**
   * Business date of the ruling whose statement (name, model, scope) the entry shows: the registration, a renewal or
   * an approved change. History entered late may record an older ruling after a newer one; it does not replace it.
   */
  readonly statementOn: string;
  readonly validUntil: string;
  /** As last recorded; where the service stands on a given day is `statusOn`'s to say. */
  readonly status: RegistrationStatus;
  readonly renewalAppliedOn: string | null;
  readonly withdrawalEffectiveOn: string | null;
  readonly revokedOn: string | null;
  readonly expiredOn: string | null;
}

export type RegistrationStatus = 'REGISTERED' | 'RENEWAL_PENDING' | 'EXPIRED' | 'WITHDRAWN' | 'REVOKED';

/** The statement (言明書) a renewal application makes, kept until the committee rules on it. */
export interface RenewalStatementDoc {
  readonly applicationId: string;
  readonly serviceId: string;
  readonly serviceName: string;
  readonly serviceModel: string;
  readonly scope: RegistrationDoc['scope'];
}

export interface ProviderDoc {
  readonly providerId: string;
  readonly name: string;
  readonly corporateNumber: string;
}

export interface AuditBodyDoc {
  readonly auditBodyId: string;
  readonly name: string;
  readonly corporateNumber: string;
  readonly organisationType: string;
  readonly status: 'APPLIED' | 'REGISTERED' | 'DELISTED';
  readonly registrationNumber: string | null;
  readonly registeredOn: string | null;
  readonly delistedOn: string | null;
}

export const SERVICES = 'services';
export const PROVIDERS = 'providers';
export const AUDIT_BODIES = 'auditBodies';
export const RENEWAL_STATEMENTS = 'renewalStatements';

const EVENT_TYPES = [
  'ProviderRegistered',
  'AuditBodyApplied',
  'AuditBodyRegistered',
  'AuditBodyDelisted',
  'ServiceRegistered',
  'ApplicationSubmitted',
  'ApplicationResubmitted',
  'RenewalApplied',
  'RenewalClosed',
  'RegistrationRenewed',
  'ServiceChangeApproved',
  'ServiceWithdrawn',
  'RegistrationRevoked',
  'RegistrationExpired',
] as const;

type Data = Readonly<Record<string, unknown>>;
const str = (data: Data, key: string): string => data[key] as string;

function updateService(tx: ReadModelTx, id: string, change: (doc: RegistrationDoc) => RegistrationDoc): void {
  const doc = tx.get(SERVICES, id) as RegistrationDoc | undefined;
  if (doc !== undefined) tx.put(SERVICES, id, change(doc) as unknown as Doc);
}

function updateAuditBody(tx: ReadModelTx, id: string, change: (doc: AuditBodyDoc) => AuditBodyDoc): void {
  const doc = tx.get(AUDIT_BODIES, id) as AuditBodyDoc | undefined;
  if (doc !== undefined) tx.put(AUDIT_BODIES, id, change(doc) as unknown as Doc);
}

/** A statement dated `on` replaces the one the entry shows unless that one is later (history entered late). */
function withStatement(
  doc: RegistrationDoc,
  on: string,
  statement: Pick<RegistrationDoc, 'serviceName' | 'serviceModel' | 'scope'>,
): RegistrationDoc {
  if (on < doc.statementOn) return doc;
  return {
    ...doc,
    serviceName: statement.serviceName,
    serviceModel: statement.serviceModel,
    scope: statement.scope,
    statementOn: on,
  };
}

/**
 * Version 2: a renewal shows the statement of its renewal application (version 1 kept the first registration's
 * name, model and scope), an older change or renewal entered after a newer one does not replace the newer one's
 * statement, and a withdrawal keeps the pending renewal that keeps the registration valid until it takes effect.
 */
export const registrationsProjection: Projection = {
  name: 'registrations',
  version: 2,
  eventTypes: EVENT_TYPES,
  identityEventTypes: ['ProviderRegistered', 'AuditBodyApplied'],
  onError: 'continue',

  prefetch(event: RecordedEvent): readonly DocRef[] {
    const data = event.data as Data;
    if (event.type.startsWith('AuditBody'))
      return [{ collection: AUDIT_BODIES, id: str(data, 'auditBodyId') }];
    switch (event.type) {
      case 'ProviderRegistered':
      case 'ServiceRegistered':
      case 'ApplicationSubmitted':
        return [];
      case 'ApplicationResubmitted':
        return [{ collection: RENEWAL_STATEMENTS, id: str(data, 'applicationId') }];
      case 'RegistrationRenewed':
        return [
          { collection: SERVICES, id: str(data, 'serviceId') },
          { collection: RENEWAL_STATEMENTS, id: str(data, 'applicationId') },
        ];
      default:
        return [{ collection: SERVICES, id: str(data, 'serviceId') }];
    }
  },

  evolve(tx: ReadModelTx, event: RecordedEvent): void {
    const d = event.data as Data;
    switch (event.type) {
      case 'ProviderRegistered':
        tx.put(PROVIDERS, str(d, 'providerId'), {
          providerId: d['providerId'],
          name: d['name'],
          corporateNumber: d['corporateNumber'],
        });
        return;
      case 'AuditBodyApplied':
        tx.put(AUDIT_BODIES, str(d, 'auditBodyId'), {
          auditBodyId: d['auditBodyId'],
          name: d['name'],
          corporateNumber: d['corporateNumber'],
          organisationType: d['organisationType'],
          status: 'APPLIED',
          registrationNumber: null,
          registeredOn: null,
          delistedOn: null,
        });
        return;
      case 'AuditBodyRegistered':
        updateAuditBody(tx, str(d, 'auditBodyId'), (doc) => ({
          ...doc,
          status: 'REGISTERED',
          registrationNumber: str(d, 'registrationNumber'),
          registeredOn: str(d, 'registeredOn'),
        }));
        return;
      case 'AuditBodyDelisted':
        updateAuditBody(tx, str(d, 'auditBodyId'), (doc) => ({
          ...doc,
          status: 'DELISTED',
          delistedOn: str(d, 'delistedOn'),
        }));
        return;
      case 'ServiceRegistered': {
        const doc: RegistrationDoc = {
          serviceId: str(d, 'serviceId'),
          providerId: str(d, 'providerId'),
          track: d['track'] as RegistrationDoc['track'],
          registrationNumber: str(d, 'registrationNumber'),
          serviceName: str(d, 'serviceName'),
          serviceModel: str(d, 'serviceModel'),
          scope: d['scope'] as RegistrationDoc['scope'],
          auditBodyId: str(d, 'auditBodyId'),
          auditPeriod: d['auditPeriod'] as RegistrationDoc['auditPeriod'],
          registeredOn: str(d, 'registeredOn'),
          lastRenewedOn: null,
          statementOn: str(d, 'registeredOn'),
          validUntil: str(d, 'validUntil'),
          status: 'REGISTERED',
          renewalAppliedOn: null,
          withdrawalEffectiveOn: null,
          revokedOn: null,
          expiredOn: null,
        };
        tx.put(SERVICES, doc.serviceId, doc as unknown as Doc);
        return;
      }
      case 'ApplicationSubmitted': {
        if (d['kind'] !== 'RENEWAL') return;
        const statement: RenewalStatementDoc = {
          applicationId: str(d, 'applicationId'),
          serviceId: str(d, 'serviceId'),
          serviceName: str(d, 'serviceName'),
          serviceModel: str(d, 'serviceModel'),
          scope: d['scope'] as RegistrationDoc['scope'],
        };
        tx.put(RENEWAL_STATEMENTS, statement.applicationId, statement as unknown as Doc);
        return;
      }
      case 'ApplicationResubmitted': {
        const id = str(d, 'applicationId');
        const statement = tx.get(RENEWAL_STATEMENTS, id) as RenewalStatementDoc | undefined;
        if (statement === undefined) return;
        const changes = d['changes'] as Partial<RenewalStatementDoc>;
        tx.put(RENEWAL_STATEMENTS, id, {
          ...statement,
          ...(changes.serviceName === undefined ? {} : { serviceName: changes.serviceName }),
          ...(changes.serviceModel === undefined ? {} : { serviceModel: changes.serviceModel }),
          ...(changes.scope === undefined ? {} : { scope: changes.scope }),
        });
        return;
      }
      case 'RenewalApplied':
        updateService(tx, str(d, 'serviceId'), (doc) => ({
          ...doc,
          status: 'RENEWAL_PENDING',
          renewalAppliedOn: str(d, 'appliedOn'),
        }));
        return;
      case 'RenewalClosed':
        tx.delete(RENEWAL_STATEMENTS, str(d, 'applicationId'));
        updateService(tx, str(d, 'serviceId'), (doc) => ({
          ...doc,
          status: 'REGISTERED',
          renewalAppliedOn: null,
        }));
        return;
      case 'RegistrationRenewed': {
        const statement = tx.get(RENEWAL_STATEMENTS, str(d, 'applicationId')) as
          RenewalStatementDoc | undefined;
        tx.delete(RENEWAL_STATEMENTS, str(d, 'applicationId'));
        const renewedOn = str(d, 'renewedOn');
        updateService(tx, str(d, 'serviceId'), (doc) => {
          const renewed: RegistrationDoc = {
            ...doc,
            status: 'REGISTERED',
            renewalAppliedOn: null,
            registrationNumber: str(d, 'registrationNumber'),
            auditBodyId: str(d, 'auditBodyId'),
            auditPeriod: d['auditPeriod'] as RegistrationDoc['auditPeriod'],
            validUntil: str(d, 'validUntil'),
            lastRenewedOn: renewedOn,
          };
          return statement === undefined ? renewed : withStatement(renewed, renewedOn, statement);
        });
        return;
      }
      case 'ServiceChangeApproved':
        updateService(tx, str(d, 'serviceId'), (doc) =>
          withStatement(doc, str(d, 'approvedOn'), {
            serviceName: str(d, 'serviceName'),
            serviceModel: str(d, 'serviceModel'),
            scope: d['scope'] as RegistrationDoc['scope'],
          }),
        );
        return;
      case 'ServiceWithdrawn':
        // [D] The pending renewal is kept: the withdrawal is not the committee's decision on it, so a renewal
        // applied for in time keeps the registration valid until the withdrawal takes effect (isListedOn).
        updateService(tx, str(d, 'serviceId'), (doc) => ({
          ...doc,
          status: 'WITHDRAWN',
          withdrawalEffectiveOn: str(d, 'effectiveOn'),
        }));
        return;
      case 'RegistrationRevoked':
        updateService(tx, str(d, 'serviceId'), (doc) => ({
          ...doc,
          status: 'REVOKED',
          renewalAppliedOn: null,
          revokedOn: str(d, 'revokedOn'),
        }));
        return;
      case 'RegistrationExpired':
        updateService(tx, str(d, 'serviceId'), (doc) => ({
          ...doc,
          status: 'EXPIRED',
          renewalAppliedOn: null,
          expiredOn: str(d, 'expiredOn'),
        }));
        return;
      default:
        return;
    }
  },
};

function validityFactsOf(doc: RegistrationDoc): ValidityFacts {
  return {
    registeredOn: doc.registeredOn,
    validUntil: doc.validUntil,
    ...(doc.renewalAppliedOn === null ? {} : { renewalAppliedOn: doc.renewalAppliedOn }),
  };
}

/**
 * Where the service stands on business date `date` (on or after its registration), by the facts recorded so far and
 * the validity rule of libs/domain: it left the list on the earliest of its revocation, the withdrawal taking effect,
 * and the end of its validity (recorded by the expiry sweep or not yet), whichever came first by `date`.
 */
export function statusOn(doc: RegistrationDoc, date: string): RegistrationStatus {
  const lapse = doc.expiredOn ?? expiredFrom(validityFactsOf(doc));
  const exits: [string | null | undefined, RegistrationStatus][] = [
    [doc.revokedOn, 'REVOKED'],
    [doc.withdrawalEffectiveOn, 'WITHDRAWN'],
    [lapse, 'EXPIRED'],
  ];
  let left: [string, RegistrationStatus] | undefined;
  for (const [on, status] of exits) {
    if (on !== null && on !== undefined && on <= date && (left === undefined || on < left[0])) {
      left = [on, status];
    }
  }
  if (left !== undefined) return left[1];
  return doc.renewalAppliedOn === null ? 'REGISTERED' : 'RENEWAL_PENDING';
}

/**
 * On a list on `date` (DOMAIN.md 7, [D] states): registered by then and, by `statusOn`, still REGISTERED or
 * RENEWAL_PENDING on that day.
 */
export function isListedOn(doc: RegistrationDoc, date: string): boolean {
  if (doc.registeredOn > date) return false;
  const status = statusOn(doc, date);
  return status === 'REGISTERED' || status === 'RENEWAL_PENDING';
}
