import { APPLICATION_UPCASTERS } from './application-upcasters';
import { UpcasterRegistry } from './upcaster-registry';
import type { VersionedEvent } from './upcaster-registry';

export * from './upcaster-registry';
export * from './application-upcasters';

/** Every upcaster of the domain: the one registry the stores are opened with. */
export const DOMAIN_UPCASTERS = new UpcasterRegistry([...APPLICATION_UPCASTERS]);

/** The domain's upcasting as a plain function, as the event store takes it. */
export function upcastEvent<E extends VersionedEvent>(event: E): E {
  return DOMAIN_UPCASTERS.upcast(event);
}

/** The schema version events of `type` are written with today. */
export function currentSchemaVersion(type: string): number {
  return DOMAIN_UPCASTERS.latestVersion(type);
}
