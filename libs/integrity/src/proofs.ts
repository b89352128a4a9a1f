import { EMPTY_ROOT, toHex } from './merkle';
import type { SealReference } from './seal';
import type { TrailEntry } from './trail-leaves';
import { isReadable, leafCountUpTo, trailLeaves, treeOf } from './trail-leaves';

/** Why a proof cannot be given; `code` is stable for problem+json. */
export class ProofUnavailableError extends Error {
  constructor(
    readonly code: 'PROOF.EVENT_NOT_FOUND' | 'PROOF.NOT_SEALED' | 'PROOF.TRAIL_BROKEN' | 'PROOF.RANGE',
    message: string,
  ) {
    super(message);
    this.name = 'ProofUnavailableError';
  }
}

export interface InclusionProof {
  readonly eventId: string;
  readonly streamName: string;
  readonly revision: number;
  readonly position: string;
  /** The leaf data: the event's hash (hex); the leaf hash is SHA-256(0x00 || these 32 bytes). */
  readonly eventHash: string;
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly root: string;
  /** RFC 6962 audit path, lower-case hex, deepest sibling first. */
  readonly auditPath: readonly string[];
}

export interface ConsistencyProof {
  readonly from: SealReference;
  readonly to: SealReference;
  /** RFC 6962 §2.1.2 PROOF(from.eventCount, D[to.eventCount]), lower-case hex. */
  readonly proof: readonly string[];
}

/** The trail must still produce the seal's root, or a proof against it would prove nothing. */
function assertSealHolds(tree: ReturnType<typeof treeOf>, seal: SealReference): void {
  if (
    seal.eventCount > tree.size ||
    toHex(seal.eventCount === 0 ? EMPTY_ROOT : tree.root(seal.eventCount)) !== seal.root
  ) {
    throw new ProofUnavailableError(
      'PROOF.TRAIL_BROKEN',
      `the trail no longer matches the seal at position ${seal.position}; run the verification`,
    );
  }
}

export function inclusionProof(
  events: readonly TrailEntry[],
  eventId: string,
  seal: SealReference,
): InclusionProof {
  const leaves = trailLeaves(events);
  const index = leaves.findIndex((leaf) => leaf.event.id === eventId);
  if (index < 0)
    throw new ProofUnavailableError('PROOF.EVENT_NOT_FOUND', 'no event with this id is covered by seals');
  if (index >= seal.eventCount) {
    throw new ProofUnavailableError('PROOF.NOT_SEALED', 'the event was recorded after the latest seal');
  }
  const tree = treeOf(leaves);
  assertSealHolds(tree, seal);
  const leaf = leaves[index]!;
  return {
    eventId,
    streamName: leaf.event.streamName,
    revision: leaf.event.revision,
    position: leaf.event.position,
    eventHash: leaf.hash,
    leafIndex: index,
    treeSize: seal.eventCount,
    root: seal.root,
    auditPath: tree.inclusionProof(index, seal.eventCount).map(toHex),
  };
}

export function consistencyProof(
  events: readonly TrailEntry[],
  from: SealReference,
  to: SealReference,
): ConsistencyProof {
  if (from.eventCount > to.eventCount) {
    throw new ProofUnavailableError('PROOF.RANGE', '`from` must not cover more events than `to`');
  }
  const tree = treeOf(trailLeaves(events));
  assertSealHolds(tree, from);
  assertSealHolds(tree, to);
  return { from, to, proof: tree.consistencyProof(from.eventCount, to.eventCount).map(toHex) };
}

/** The trail's tree at a log position (every leaf at or before it), unsigned: what a seal there would say. */
export function referenceAt(events: readonly TrailEntry[], position: string): SealReference {
  const leaves = trailLeaves(events);
  const count = leafCountUpTo(leaves, position);
  return { position, eventCount: count, root: toHex(count === 0 ? EMPTY_ROOT : treeOf(leaves).root(count)) };
}

/** The trail's tree as it stands now, unsigned. */
export function headReference(events: readonly TrailEntry[]): SealReference {
  const leaves = trailLeaves(events);
  const last = leaves[leaves.length - 1];
  return referenceAt(events, last === undefined ? '0' : last.event.position);
}

/** The id of the event at a stream and revision, if the trail holds it. */
export function eventIdAt(
  events: readonly TrailEntry[],
  streamName: string,
  revision: number,
): string | undefined {
  const entry = events.find((e) => e.streamName === streamName && e.revision === revision);
  return entry === undefined ? undefined : isReadable(entry) ? entry.id : entry.eventId;
}
