import type { ApplicationResubmitted, ApplicationSubmitted } from '../applications/application.events';
import type {
  ApplicationResubmittedV1Data,
  ApplicationSubmittedV1Data,
  ScopeV1,
} from '../applications/application.events.v1';
import type { Scope } from '../shared/vocabulary';
import type { UpcastStep } from './upcaster-registry';

/**
 * Schema 2 makes the regions of the scope an explicit list; a schema-1 scope had none, so it gets an empty one
 * (no region was stated, which is not the same as "all regions"). A schema-1 event that does carry a list (the
 * application recorded one before the version was raised) keeps it.
 */
export function scopeV1ToV2(scope: ScopeV1): Scope {
  const { regions } = scope as ScopeV1 & { readonly regions?: unknown };
  return { ...scope, regions: Array.isArray(regions) ? regions.filter((r) => typeof r === 'string') : [] };
}

export function applicationSubmittedV1ToV2(data: ApplicationSubmittedV1Data): ApplicationSubmitted['data'] {
  return { ...data, scope: scopeV1ToV2(data.scope) };
}

export function applicationResubmittedV1ToV2(
  data: ApplicationResubmittedV1Data,
): ApplicationResubmitted['data'] {
  const { scope, ...unchanged } = data.changes;
  return {
    ...data,
    changes: scope === undefined ? unchanged : { ...unchanged, scope: scopeV1ToV2(scope) },
  };
}

export const APPLICATION_UPCASTERS: readonly UpcastStep[] = [
  { type: 'ApplicationSubmitted', fromVersion: 1, upcast: applicationSubmittedV1ToV2 },
  { type: 'ApplicationResubmitted', fromVersion: 1, upcast: applicationResubmittedV1ToV2 },
];
