import { SEALS_STREAM } from '@ismap/domain';
import type { EventStore, UnreadableEvent } from '@ismap/event-store';
import { comparePositions, computeEventHash, readAllAsStored } from '@ismap/event-store';
import { MerkleTree } from './merkle';

/** An event as stored (never upcast): what the chain and the seals cover. */
export interface StoredEvent {
  readonly id: string;
  readonly streamName: string;
  readonly revision: number;
  readonly position: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** One leaf of the trail's Merkle tree. */
export interface TrailLeaf {
  readonly event: StoredEvent;
  /** computeEventHash of the event as read now (not the `hash` it claims in its metadata). */
  readonly hash: string;
}

/**
 * The leaves are every event in $all order except the seals themselves: a seal cannot cover its own event, and
 * leaving all seals out means sealing an unchanged trail twice finds the same position and records nothing.
 * The seal stream is protected by its own hash chain and by each seal's signature and link to the one before.
 */
export function isSealEvent(event: Pick<StoredEvent, 'streamName'>): boolean {
  return event.streamName === SEALS_STREAM;
}

/** An event of the trail as read: stored, or one the store could not even parse (tampered with). */
export type TrailEntry = StoredEvent | UnreadableEvent;

export function isReadable(entry: TrailEntry): entry is StoredEvent {
  return 'metadata' in entry;
}

/** The leaves, in $all order; an unreadable event cannot be a leaf, which the seals then show. */
export function trailLeaves(entries: readonly TrailEntry[]): TrailLeaf[] {
  const leaves: TrailLeaf[] = [];
  for (const entry of entries) {
    if (!isReadable(entry) || isSealEvent(entry)) continue;
    let hash: string;
    try {
      hash = computeEventHash(entry);
    } catch {
      // Content canonical JSON cannot hold was written behind the store's back; the chain check names it.
      continue;
    }
    leaves.push({ event: entry, hash });
  }
  return leaves;
}

export function treeOf(leaves: readonly TrailLeaf[]): MerkleTree {
  return new MerkleTree(leaves.map((leaf) => Buffer.from(leaf.hash, 'hex')));
}

/** How many leaves lie at or before `position` (leaves are in $all order). */
export function leafCountUpTo(leaves: readonly TrailLeaf[], position: string): number {
  let low = 0;
  let high = leaves.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (comparePositions(leaves[middle]!.event.position, position) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Every event of the store in $all order, exactly as stored (never upcast: the hashes cover the stored form).
 * The whole trail is held in memory, which suits the programme's volume (thousands of events a year) and is
 * what a seal's root needs anyway.
 */
export async function readStoredTrail(store: EventStore): Promise<TrailEntry[]> {
  const entries: TrailEntry[] = [];
  for await (const entry of readAllAsStored(store)) {
    entries.push(
      'metadata' in entry ? { ...entry, id: entry.id ?? '', position: entry.position ?? '0' } : entry,
    );
  }
  return entries;
}
