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
  readonly validUntil: string;
  readonly status: 'REGISTERED' | 'RENEWAL_PENDING' | 'EXPIRED' | 'WITHDRAWN' | 'REVOKED';
  readonly renewalAppliedOn: string | null;
  readonly withdrawalEffectiveOn: string | null;
  readonly revokedOn: string | null;
  readonly expiredOn: string | null;
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

export const registrationsProjection: Projection = {
  name: 'registrations',
  version: 1,
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
      case 'RegistrationRenewed':
        updateService(tx, str(d, 'serviceId'), (doc) => ({
          ...doc,
          status: 'REGISTERED',
          renewalAppliedOn: null,
          registrationNumber: str(d, 'registrationNumber'),
          auditBodyId: str(d, 'auditBodyId'),
          auditPeriod: d['auditPeriod'] as RegistrationDoc['auditPeriod'],
          validUntil: str(d, 'validUntil'),
          lastRenewedOn: str(d, 'renewedOn'),
        }));
        return;
      case 'ServiceChangeApproved':
        updateService(tx, str(d, 'serviceId'), (doc) => ({
          ...doc,
          serviceName: str(d, 'serviceName'),
          serviceModel: str(d, 'serviceModel'),
          scope: d['scope'] as RegistrationDoc['scope'],
        }));
        return;
      case 'ServiceWithdrawn':
        updateService(tx, str(d, 'serviceId'), (doc) => ({
          ...doc,
          status: 'WITHDRAWN',
          renewalAppliedOn: null,
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

/**
 * On a list on `date` (DOMAIN.md 7, [D] states): registered by then, not withdrawn, revoked or expired by then,
 * and within validity — or past it with a renewal applied for in time and not yet decided.
 */
export function isListedOn(doc: RegistrationDoc, date: string): boolean {
  if (doc.registeredOn > date) return false;
  if (doc.withdrawalEffectiveOn !== null && doc.withdrawalEffectiveOn <= date) return false;
  if (doc.revokedOn !== null && doc.revokedOn <= date) return false;
  if (doc.expiredOn !== null && doc.expiredOn <= date) return false;
  if (date <= doc.validUntil) return true;
  return doc.renewalAppliedOn !== null && doc.renewalAppliedOn <= doc.validUntil;
}
