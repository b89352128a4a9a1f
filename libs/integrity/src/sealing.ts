import type { KeyObject } from 'node:crypto';
import { SEALS_STREAM } from '@ismap/domain';
import type { EventStore } from '@ismap/event-store';
import { StreamNotFoundError } from '@ismap/event-store';
import { EMPTY_ROOT, toHex } from './merkle';
import type { SignedSeal } from './seal';
import { parseSignedSeal, referenceOf, signSeal } from './seal';
import type { StoredEvent, TrailEntry } from './trail-leaves';
import { trailLeaves, treeOf } from './trail-leaves';

/**
 * The seal of a trail as it stands: its root over every non-seal event, at the position of the last one. Null
 * when the last seal already stands there (nothing new to seal) or the trail is empty.
 */
export function computeSeal(
  events: readonly TrailEntry[],
  last: SignedSeal | null,
  key: { readonly keyId: string; readonly privateKey: KeyObject },
  sealedAt: string,
): SignedSeal | null {
  const leaves = trailLeaves(events);
  const head = leaves[leaves.length - 1];
  if (head === undefined || (last !== null && last.position === head.event.position)) return null;
  const root = leaves.length === 0 ? EMPTY_ROOT : treeOf(leaves).root();
  return signSeal(
    {
      version: 1,
      position: head.event.position,
      eventCount: leaves.length,
      root: toHex(root),
      previous: last === null ? null : referenceOf(last),
      sealedAt,
      keyId: key.keyId,
    },
    key.privateKey,
  );
}

export interface RecordedSealView extends SignedSeal {
  /** Id of the TrailSealed event, its revision in the seal stream and its own log position. */
  readonly sealId: string;
  readonly sealRevision: number;
  readonly sealPosition: string;
}

function viewOf(event: StoredEvent): RecordedSealView | undefined {
  const seal = event.type === 'TrailSealed' ? parseSignedSeal(event.data) : undefined;
  if (seal === undefined) return undefined;
  return { ...seal, sealId: event.id, sealRevision: event.revision, sealPosition: event.position };
}

/** Every recorded seal, oldest first. */
export async function listSeals(store: EventStore): Promise<RecordedSealView[]> {
  try {
    const events = await store.readStream(SEALS_STREAM, { asStored: true });
    return events
      .map((event) => viewOf(event as StoredEvent))
      .filter((s): s is RecordedSealView => s !== undefined);
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
}

/**
 * The latest seal, or null: what every HQ report embeds (position, event count, root, key id, signature), which
 * makes the printed report an outside witness of the trail.
 */
export async function latestSeal(store: EventStore): Promise<RecordedSealView | null> {
  try {
    const [event] = await store.readStream(SEALS_STREAM, {
      direction: 'backwards',
      maxCount: 1,
      asStored: true,
    });
    return event === undefined ? null : (viewOf(event) ?? null);
  } catch (error) {
    if (error instanceof StreamNotFoundError) return null;
    throw error;
  }
}
