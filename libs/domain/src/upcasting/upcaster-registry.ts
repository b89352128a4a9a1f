/**
 * Event versioning: each persisted event type has a schema version (metadata `schemaVersion`). An event read
 * under an older version is brought to the latest shape by a chain of pure steps, one version at a time, before
 * anything (projection, decider, replay) sees it. What is stored never changes, and neither does its hash.
 */

/** An event as any reader holds it: the store's RecordedEvent fits without this library knowing it. */
export interface VersionedEvent {
  readonly type: string;
  readonly data: object;
  readonly metadata: { readonly schemaVersion?: unknown };
}

/** One step of a chain: the data of `type` recorded under `fromVersion`, in the shape of `fromVersion + 1`. */
export interface UpcastStep {
  readonly type: string;
  readonly fromVersion: number;
  /** Pure: returns new data, never changes its argument. */
  readonly upcast: (data: never) => object;
}

/** Version 1 for every event recorded without one (the version before versioning). */
const FIRST_VERSION = 1;

export class UpcasterRegistry {
  /** Per type, its steps indexed by `fromVersion - FIRST_VERSION`. */
  private readonly chains = new Map<string, readonly UpcastStep[]>();

  constructor(steps: readonly UpcastStep[]) {
    const byType = new Map<string, UpcastStep[]>();
    for (const step of steps) byType.set(step.type, [...(byType.get(step.type) ?? []), step]);
    for (const [type, list] of byType) {
      const ordered = [...list].sort((a, b) => a.fromVersion - b.fromVersion);
      ordered.forEach((step, index) => {
        if (step.fromVersion !== FIRST_VERSION + index) {
          throw new Error(`Upcasters of ${type} must go 1 → 2 → 3 … without gaps or repeats`);
        }
      });
      this.chains.set(type, ordered);
    }
  }

  /** The version events of `type` are written with today. */
  latestVersion(type: string): number {
    return FIRST_VERSION + (this.chains.get(type)?.length ?? 0);
  }

  /**
   * The event in its type's latest shape, with `schemaVersion` saying so; the very same object when it already
   * is (a map lookup: the cost for every event of a type that never changed). A version newer than this build
   * knows is returned as is: it was written by a newer release and must not be guessed at.
   */
  upcast<E extends VersionedEvent>(event: E): E {
    const chain = this.chains.get(event.type);
    if (chain === undefined) return event;
    const stated = event.metadata.schemaVersion;
    const from = typeof stated === 'number' && Number.isInteger(stated) ? stated : FIRST_VERSION;
    if (from >= FIRST_VERSION + chain.length || from < FIRST_VERSION) return event;
    let data = event.data;
    for (const step of chain.slice(from - FIRST_VERSION)) data = step.upcast(data as never);
    return {
      ...event,
      data,
      metadata: { ...event.metadata, schemaVersion: FIRST_VERSION + chain.length },
    };
  }
}
