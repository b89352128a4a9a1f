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

const EVENT_TYPES = [
  'ProviderRegistered',
  'AuditBodyApplied',
  'AuditBodyRegistered',
  'AuditBodyDelisted',
  'ServiceRegistered',
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

type RegistrationStatement = Pick<RegistrationDoc, 'serviceName' | 'serviceModel' | 'scope'>;

/** A statement dated `on` replaces the one the entry shows unless that one is later (history entered late). */
function withStatement(doc: RegistrationDoc, on: string, statement: RegistrationStatement): RegistrationDoc {
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
 * Version 2: a renewal shows the statement it was granted on (version 1 kept the first registration's name, model
 * and scope), an older change or renewal entered after a newer one does not replace the newer one's statement, and
 * a withdrawal keeps the pending renewal that keeps the registration valid until it takes effect.
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
    if (event.type === 'ProviderRegistered' || event.type === 'ServiceRegistered') return [];
    return [{ collection: SERVICES, id: str(data, 'serviceId') }];
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
      case 'RenewalApplied':
        updateService(tx, str(d, 'serviceId'), (doc) => ({
          ...doc,
          status: 'RENEWAL_PENDING',
          renewalAppliedOn: str(d, 'appliedOn'),
        }));
        return;
      case 'RenewalClosed':
        updateService(tx, str(d, 'serviceId'), (doc) => ({
          ...doc,
          status: 'REGISTERED',
          renewalAppliedOn: null,
        }));
        return;
      case 'RegistrationRenewed': {
        const renewedOn = str(d, 'renewedOn');
        const statement = d['statement'] as RegistrationStatement | undefined;
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
          // A renewal recorded before it carried its statement left the registration's as it was.
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
