import type { Track } from '@ismap/domain';
import type { ReadView } from '../read-view';
import type { AuditBodyDoc, ProviderDoc, RegistrationDoc } from './registrations.projection';
import { AUDIT_BODIES, isListedOn, PROVIDERS, SERVICES, statusOn } from './registrations.projection';

/**
 * The public face of the lists (DOMAIN.md "Lists"). Every public object is built field by field from scratch, so
 * a field added to a document later stays private until someone adds it here on purpose.
 */
export interface PublicListEntry {
  readonly registrationNumber: string;
  readonly serviceName: string;
  /** The provider's name. */
  readonly applicant: string | null;
  readonly registeredOn: string;
  readonly lastRenewedOn: string | null;
  readonly scope: { readonly description: string; readonly regions: readonly string[] };
  readonly auditPeriod: { readonly start: string; readonly end: string };
  readonly auditBody: { readonly name: string | null; readonly registrationNumber: string | null };
  readonly validUntil: string;
  readonly serviceModel: string;
}

export interface PublicAuditBody {
  readonly name: string;
  readonly registrationNumber: string;
  readonly registeredOn: string;
}

export interface PublicServiceView extends PublicListEntry {
  readonly serviceId: string;
  readonly track: Track;
  /** Where the service stands on the day asked about (today), by the rule the lists use. */
  readonly status: RegistrationDoc['status'];
}

export interface PrivilegedServiceView {
  readonly serviceId: string;
  readonly track: Track;
  readonly status: RegistrationDoc['status'];
  readonly registrationNumber: string;
  readonly serviceName: string;
  readonly serviceModel: string;
  readonly scope: { readonly description: string; readonly regions: readonly string[] };
  readonly provider: {
    readonly providerId: string;
    readonly name: string | null;
    readonly corporateNumber: string | null;
  };
  readonly auditBody: {
    readonly auditBodyId: string;
    readonly name: string | null;
    readonly corporateNumber: string | null;
    readonly registrationNumber: string | null;
    readonly status: AuditBodyDoc['status'] | null;
  };
  readonly auditPeriod: { readonly start: string; readonly end: string };
  readonly registeredOn: string;
  readonly lastRenewedOn: string | null;
  readonly validUntil: string;
  readonly renewalAppliedOn: string | null;
  readonly withdrawalEffectiveOn: string | null;
  readonly revokedOn: string | null;
  readonly expiredOn: string | null;
}

const scopeOf = (doc: RegistrationDoc): PublicListEntry['scope'] => ({
  description: doc.scope.description,
  regions: [...doc.scope.regions],
});
const periodOf = (doc: RegistrationDoc): PublicListEntry['auditPeriod'] => ({
  start: doc.auditPeriod.start,
  end: doc.auditPeriod.end,
});

function publicEntry(
  doc: RegistrationDoc,
  provider: ProviderDoc | undefined,
  auditBody: AuditBodyDoc | undefined,
): PublicListEntry {
  return {
    registrationNumber: doc.registrationNumber,
    serviceName: doc.serviceName,
    applicant: provider?.name ?? null,
    registeredOn: doc.registeredOn,
    lastRenewedOn: doc.lastRenewedOn,
    scope: scopeOf(doc),
    auditPeriod: periodOf(doc),
    auditBody: { name: auditBody?.name ?? null, registrationNumber: auditBody?.registrationNumber ?? null },
    validUntil: doc.validUntil,
    serviceModel: doc.serviceModel,
  };
}

/** Registration numbers in list order: by serial (`C21-0010-1` after `C21-0009-3`), then as text. */
export function compareRegistrationNumbers(a: string, b: string): number {
  const serial = (n: string): number => Number(n.split('-')[1] ?? Number.NaN);
  const x = serial(a);
  const y = serial(b);
  if (Number.isFinite(x) && Number.isFinite(y) && x !== y) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

async function byId<T>(view: ReadView, collection: string, ids: readonly string[]): Promise<Map<string, T>> {
  const unique = [...new Set(ids)];
  const docs = await view.getMany(collection, unique);
  const found = new Map<string, T>();
  unique.forEach((id, i) => {
    const doc = docs[i];
    if (doc !== undefined) found.set(id, doc as unknown as T);
  });
  return found;
}

/** The list of `track` as it stands on business date `date`, by registration number, public fields only. */
export async function publicListEntries(
  view: ReadView,
  track: Track,
  date: string,
): Promise<PublicListEntry[]> {
  const services = ((await view.all(SERVICES)) as unknown as RegistrationDoc[])
    .filter((doc) => doc.track === track && isListedOn(doc, date))
    .sort((a, b) => compareRegistrationNumbers(a.registrationNumber, b.registrationNumber));
  const providers = await byId<ProviderDoc>(
    view,
    PROVIDERS,
    services.map((s) => s.providerId),
  );
  const auditBodies = await byId<AuditBodyDoc>(
    view,
    AUDIT_BODIES,
    services.map((s) => s.auditBodyId),
  );
  return services.map((doc) =>
    publicEntry(doc, providers.get(doc.providerId), auditBodies.get(doc.auditBodyId)),
  );
}

export const LIST_CSV_HEADER = [
  'registration_number',
  'service_name',
  'applicant',
  'registered_on',
  'last_renewed_on',
  'scope',
  'regions',
  'audit_period_start',
  'audit_period_end',
  'audit_body',
  'audit_body_registration_number',
  'valid_until',
  'service_model',
] as const;

/**
 * Excel runs a cell that starts with one of these as a formula (CSV injection); a leading apostrophe makes it
 * text. Names come from providers, so the public file must not carry their formulas to every reader.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

function csvField(value: string | null): string {
  const text = value === null ? '' : FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * RFC 4180 text (CRLF, fields quoted where needed, quotes doubled) with a header row, prefixed by a UTF-8 byte
 * order mark: without it Excel reads the file in the local ANSI code page and garbles Japanese names. Every public
 * CSV goes through here, so each has the same escaping and the same guard against formulas.
 */
export function csvText(header: readonly string[], rows: readonly (readonly (string | null)[])[]): string {
  const lines = [header, ...rows].map((row) => row.map(csvField).join(','));
  return `\uFEFF${lines.map((line) => `${line}\r\n`).join('')}`;
}

export function listCsv(entries: readonly PublicListEntry[]): string {
  const rows = entries.map((e) => [
    e.registrationNumber,
    e.serviceName,
    e.applicant,
    e.registeredOn,
    e.lastRenewedOn,
    e.scope.description,
    e.scope.regions.join('; '),
    e.auditPeriod.start,
    e.auditPeriod.end,
    e.auditBody.name,
    e.auditBody.registrationNumber,
    e.validUntil,
    e.serviceModel,
  ]);
  return csvText(LIST_CSV_HEADER, rows);
}

export const AUDIT_BODY_CSV_HEADER = ['registration_number', 'name', 'registered_on'] as const;

export function auditBodyCsv(entries: readonly PublicAuditBody[]): string {
  return csvText(
    AUDIT_BODY_CSV_HEADER,
    entries.map((e) => [e.registrationNumber, e.name, e.registeredOn]),
  );
}

/** Audit bodies on the audit body list on `date` (registered by then, not yet delisted), by registration number. */
export async function auditBodyList(view: ReadView, date: string): Promise<PublicAuditBody[]> {
  const docs = (await view.all(AUDIT_BODIES)) as unknown as AuditBodyDoc[];
  return docs
    .flatMap((doc): PublicAuditBody[] =>
      doc.registrationNumber !== null &&
      doc.registeredOn !== null &&
      doc.registeredOn <= date &&
      (doc.delistedOn === null || date < doc.delistedOn)
        ? [{ name: doc.name, registrationNumber: doc.registrationNumber, registeredOn: doc.registeredOn }]
        : [],
    )
    .sort((a, b) => compareRegistrationNumbers(a.registrationNumber, b.registrationNumber));
}

/**
 * `GET /services/:id` for anyone: the list entry's fields and where the service stands on `date` — judged by the
 * lists' own rule (`statusOn`), so the answer agrees with the list of that day even before the expiry sweep has
 * recorded a lapse, and a withdrawal announced for a later day does not show before it takes effect.
 */
export function publicServiceView(
  doc: RegistrationDoc,
  provider: ProviderDoc | undefined,
  auditBody: AuditBodyDoc | undefined,
  date: string,
): PublicServiceView {
  return {
    serviceId: doc.serviceId,
    track: doc.track,
    status: statusOn(doc, date),
    ...publicEntry(doc, provider, auditBody),
  };
}

/**
 * `GET /services/:id` for the review process and the owner: everything the registration read model holds, with the
 * status on `date` as the public view judges it (the dates below say what has been recorded).
 */
export function privilegedServiceView(
  doc: RegistrationDoc,
  provider: ProviderDoc | undefined,
  auditBody: AuditBodyDoc | undefined,
  date: string,
): PrivilegedServiceView {
  return {
    serviceId: doc.serviceId,
    track: doc.track,
    status: statusOn(doc, date),
    registrationNumber: doc.registrationNumber,
    serviceName: doc.serviceName,
    serviceModel: doc.serviceModel,
    scope: scopeOf(doc),
    provider: {
      providerId: doc.providerId,
      name: provider?.name ?? null,
      corporateNumber: provider?.corporateNumber ?? null,
    },
    auditBody: {
      auditBodyId: doc.auditBodyId,
      name: auditBody?.name ?? null,
      corporateNumber: auditBody?.corporateNumber ?? null,
      registrationNumber: auditBody?.registrationNumber ?? null,
      status: auditBody?.status ?? null,
    },
    auditPeriod: periodOf(doc),
    registeredOn: doc.registeredOn,
    lastRenewedOn: doc.lastRenewedOn,
    validUntil: doc.validUntil,
    renewalAppliedOn: doc.renewalAppliedOn,
    withdrawalEffectiveOn: doc.withdrawalEffectiveOn,
    revokedOn: doc.revokedOn,
    expiredOn: doc.expiredOn,
  };
}
