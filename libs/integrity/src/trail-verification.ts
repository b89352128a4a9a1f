import type { ExpectedStreamHead } from '@ismap/event-store';
import { comparePositions } from '@ismap/event-store';
import { EMPTY_ROOT, toHex } from './merkle';
import type { SealPublicKey } from './seal-keys';
import type { SignedSeal } from './seal';
import { parseSignedSeal, verifySealSignature } from './seal';
import type { StoredEvent, TrailEntry, TrailLeaf } from './trail-leaves';
import { isReadable, isSealEvent, leafCountUpTo, trailLeaves, treeOf } from './trail-leaves';
import { chainProblems } from './chain-check';
import type { IntegrityProblem } from './integrity-problem';

export interface SealSummary {
  readonly position: string;
  readonly eventCount: number;
  readonly root: string;
  readonly sealedAt: string;
  readonly keyId: string;
  /** Its revision in the seal stream. */
  readonly sealRevision: number;
}

export interface VerificationReport {
  readonly ok: boolean;
  readonly events: number;
  readonly streams: number;
  readonly latestSeal: SealSummary | null;
  /** Events recorded after the latest seal: chained, but not yet covered by a signature. */
  readonly unsealedEvents: number;
  readonly problems: readonly IntegrityProblem[];
}

export interface VerifyOptions {
  /** Keys whose seals are accepted; a seal by any other key is a problem, not a pass. */
  readonly trustedKeys: readonly SealPublicKey[];
  /** Only this stream's chain (seals are still checked over the whole trail when `events` holds it). */
  readonly stream?: string;
  readonly witness?: WitnessView;
}

/** A witness in the form the comparison needs: the leaves it saw (stream, revision, hash) and its last seal. */
export interface WitnessView {
  readonly seal?: SignedSeal;
  readonly leaves?: readonly WitnessLeaf[];
}

export interface WitnessLeaf {
  readonly streamName: string;
  readonly revision: number;
  readonly hash: string;
}

/** Upper bound on problems reported one by one; a broken trail must not produce an unbounded answer. */
const MAX_PROBLEMS = 200;

interface RecordedSeal {
  readonly seal: SignedSeal;
  readonly event: StoredEvent;
}

/**
 * Checks a trail (every event in $all order, as stored): each stream's hash chain, every seal (signature by a
 * trusted key, link to the seal before, event count and Merkle root over the events up to its position) and,
 * given a witness, that nothing the witness saw was changed, removed, reordered or cut off.
 */
export function verifyTrail(events: readonly TrailEntry[], options: VerifyOptions): VerificationReport {
  const problems: IntegrityProblem[] = [];
  const seen = new Set<string>();
  const add = (problem: IntegrityProblem) => {
    // The chains and the witness often see the same break: report it once.
    const key = `${problem.kind}\u0000${problem.streamName ?? ''}\u0000${problem.revision ?? ''}\u0000${problem.streamName === undefined ? problem.detail : ''}`;
    if (seen.has(key) || problems.length >= MAX_PROBLEMS) return;
    seen.add(key);
    problems.push(problem);
  };
  const scoped =
    options.stream === undefined ? events : events.filter((e) => e.streamName === options.stream);
  const heads = expectedHeadsOf(options.witness, options.stream);
  for (const problem of chainProblems(scoped, heads)) add(problem);

  const leaves = trailLeaves(events);
  const tree = treeOf(leaves);
  const seals = recordedSeals(events, add);
  checkSeals(seals, leaves, tree, options.trustedKeys, add);
  if (options.witness !== undefined) checkWitness(options.witness, leaves, tree, options.trustedKeys, add);

  const latest = seals[seals.length - 1];
  return {
    ok: problems.length === 0,
    events: scoped.length,
    streams: new Set(scoped.map((event) => event.streamName)).size,
    latestSeal:
      latest === undefined
        ? null
        : {
            position: latest.seal.position,
            eventCount: latest.seal.eventCount,
            root: latest.seal.root,
            sealedAt: latest.seal.sealedAt,
            keyId: latest.seal.keyId,
            sealRevision: latest.event.revision,
          },
    unsealedEvents: leaves.length - (latest === undefined ? 0 : leafCountUpTo(leaves, latest.seal.position)),
    problems,
  };
}

function recordedSeals(events: readonly TrailEntry[], add: (p: IntegrityProblem) => void): RecordedSeal[] {
  const seals: RecordedSeal[] = [];
  for (const event of events) {
    if (!isReadable(event) || !isSealEvent(event)) continue;
    const seal = event.type === 'TrailSealed' ? parseSignedSeal(event.data) : undefined;
    if (seal === undefined) {
      add({
        kind: 'bad-seal',
        streamName: event.streamName,
        revision: event.revision,
        position: event.position,
        detail: `the seal stream holds an event that is not a well-formed TrailSealed (${event.type})`,
      });
      continue;
    }
    seals.push({ seal, event });
  }
  return seals;
}

function checkSignature(
  seal: SignedSeal,
  trustedKeys: readonly SealPublicKey[],
  where: Pick<IntegrityProblem, 'streamName' | 'revision' | 'position'>,
  add: (p: IntegrityProblem) => void,
): void {
  const key = trustedKeys.find((candidate) => candidate.keyId === seal.keyId);
  if (key === undefined) {
    add({
      kind: 'unknown-key',
      ...where,
      detail: `seal signed by key ${seal.keyId}, which is not a trusted key`,
    });
  } else if (!verifySealSignature(seal, key.key)) {
    add({
      kind: 'bad-signature',
      ...where,
      detail: `the seal's Ed25519 signature does not verify with ${key.keyId}`,
    });
  }
}

function checkSeals(
  seals: readonly RecordedSeal[],
  leaves: readonly TrailLeaf[],
  tree: ReturnType<typeof treeOf>,
  trustedKeys: readonly SealPublicKey[],
  add: (p: IntegrityProblem) => void,
): void {
  let previous: SignedSeal | undefined;
  for (const { seal, event } of seals) {
    const where = { streamName: event.streamName, revision: event.revision, position: event.position };
    checkSignature(seal, trustedKeys, where, add);
    const linked =
      previous === undefined
        ? seal.previous === null
        : seal.previous !== null &&
          seal.previous.position === previous.position &&
          seal.previous.eventCount === previous.eventCount &&
          seal.previous.root === previous.root;
    if (!linked) add({ kind: 'bad-seal', ...where, detail: 'the seal does not name the seal before it' });
    if (comparePositions(seal.position, event.position) >= 0) {
      add({
        kind: 'bad-seal',
        ...where,
        detail: `the seal claims position ${seal.position}, at or after its own`,
      });
    }
    checkCoverage(seal, leaves, tree, where, add);
    previous = seal;
  }
}

/** The seal's count and root against the events now at or before its position. */
function checkCoverage(
  seal: SignedSeal,
  leaves: readonly TrailLeaf[],
  tree: ReturnType<typeof treeOf>,
  where: Pick<IntegrityProblem, 'streamName' | 'revision' | 'position'>,
  add: (p: IntegrityProblem) => void,
): void {
  const count = leafCountUpTo(leaves, seal.position);
  if (count !== seal.eventCount) {
    add({
      kind: 'count-mismatch',
      ...where,
      detail:
        `the seal covers ${seal.eventCount} events up to position ${seal.position}; ` +
        `the trail now holds ${count} there`,
    });
    return;
  }
  const root = count === 0 ? toHex(EMPTY_ROOT) : toHex(tree.root(count));
  if (root !== seal.root) {
    add({
      kind: 'root-mismatch',
      ...where,
      detail: `the Merkle root of the ${count} events up to position ${seal.position} is ${root}, the seal says ${seal.root}`,
    });
  }
}

/**
 * Compares the trail with what a witness saw. Each witnessed event must still be there (else `missing`, or
 * `truncated` when everything from it on is gone), with the same hash (else `changed`) and in the same relative
 * order (else `reordered`). The witness's seal must still hold for the trail's prefix.
 */
function checkWitness(
  witness: WitnessView,
  leaves: readonly TrailLeaf[],
  tree: ReturnType<typeof treeOf>,
  trustedKeys: readonly SealPublicKey[],
  add: (p: IntegrityProblem) => void,
): void {
  if (witness.seal !== undefined) {
    const seal = witness.seal;
    checkSignature(seal, trustedKeys, {}, add);
    if (leaves.length < seal.eventCount) {
      add({
        kind: 'count-mismatch',
        detail: `the witnessed seal covers ${seal.eventCount} events; the trail holds only ${leaves.length}`,
      });
    } else if (toHex(seal.eventCount === 0 ? EMPTY_ROOT : tree.root(seal.eventCount)) !== seal.root) {
      add({
        kind: 'root-mismatch',
        detail: `the first ${seal.eventCount} events no longer have the witnessed root ${seal.root}`,
      });
    }
  }
  if (witness.leaves === undefined) return;
  const now = new Map<string, { index: number; leaf: TrailLeaf }>();
  leaves.forEach((leaf, index) => now.set(keyOf(leaf.event), { index, leaf }));
  const expected = witness.leaves;
  // From `tailStart` on, no witnessed event is left: a cut-off tail, reported once at its first event.
  let tailStart = expected.length;
  while (tailStart > 0 && !now.has(keyOf(expected[tailStart - 1]!))) tailStart -= 1;
  let previousIndex = -1;
  expected.forEach((leaf, i) => {
    const where = { streamName: leaf.streamName, revision: leaf.revision };
    const found = now.get(keyOf(leaf));
    if (i === tailStart) {
      add({
        kind: 'truncated',
        ...where,
        detail: `the trail ends before this event: ${expected.length - tailStart} witnessed events are gone`,
      });
    }
    if (found === undefined) {
      if (i < tailStart)
        add({ kind: 'missing', ...where, detail: 'a witnessed event is no longer in the trail' });
      return;
    }
    if (found.leaf.hash !== leaf.hash) {
      add({
        kind: 'changed',
        ...where,
        detail: 'the event differs from what the witness saw (hash mismatch)',
      });
    }
    const next = expected[i + 1] === undefined ? undefined : now.get(keyOf(expected[i + 1]!));
    if (found.index < previousIndex || (next !== undefined && found.index > next.index)) {
      add({
        kind: 'reordered',
        ...where,
        detail: 'the event no longer stands where the witness saw it in the log',
      });
    }
    previousIndex = found.index;
  });
}

/** Each witnessed stream's last revision and hash (for one stream only when the check is scoped). */
function expectedHeadsOf(witness: WitnessView | undefined, stream: string | undefined): ExpectedStreamHead[] {
  const heads = new Map<string, ExpectedStreamHead>();
  for (const leaf of witness?.leaves ?? []) {
    if (stream !== undefined && leaf.streamName !== stream) continue;
    const known = heads.get(leaf.streamName);
    if (known === undefined || known.revision < leaf.revision) {
      heads.set(leaf.streamName, { streamName: leaf.streamName, revision: leaf.revision, hash: leaf.hash });
    }
  }
  return [...heads.values()];
}

function keyOf(event: { readonly streamName: string; readonly revision: number }): string {
  return `${event.revision}\u0000${event.streamName}`;
}

/** The witness view of an earlier trail (e.g. a verified bundle): its leaves and its latest seal. */
export function witnessOf(events: readonly TrailEntry[]): WitnessView {
  const leaves = trailLeaves(events).map((leaf) => ({
    streamName: leaf.event.streamName,
    revision: leaf.event.revision,
    hash: leaf.hash,
  }));
  let seal: SignedSeal | undefined;
  for (const event of events) {
    if (isReadable(event) && isSealEvent(event) && event.type === 'TrailSealed') {
      seal = parseSignedSeal(event.data) ?? seal;
    }
  }
  return seal === undefined ? { leaves } : { leaves, seal };
}
