import { createHash } from 'node:crypto';

/**
 * The Merkle tree of RFC 6962 §2.1 (Certificate Transparency): leaf = SHA-256(0x00 || leaf bytes), node =
 * SHA-256(0x01 || left || right), and a tree of n > 1 leaves splits at k, the largest power of two below n. The
 * domain-separation prefixes keep a leaf from ever passing for an inner node. Verification follows RFC 9162
 * §2.1.3.2 and §2.1.4.2, the iterative form of the same definitions.
 */

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export type Hash = Buffer;

export function leafHash(leaf: Uint8Array): Hash {
  return createHash('sha256').update(LEAF_PREFIX).update(leaf).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Hash {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** MTH({}) = SHA-256 of the empty string. */
export const EMPTY_ROOT: Hash = createHash('sha256').digest();

/** The largest power of two strictly below n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * A tree over a fixed list of leaves. Leaf hashes are computed once; subtree hashes are recomputed on demand,
 * which keeps memory at one hash per leaf and costs O(n) per root or proof.
 */
export class MerkleTree {
  private readonly leaves: readonly Hash[];

  /** `leaves` are the leaf bytes (here: the 32 bytes of each event hash), not yet prefixed. */
  constructor(leaves: readonly Uint8Array[]) {
    this.leaves = leaves.map((leaf) => leafHash(leaf));
  }

  get size(): number {
    return this.leaves.length;
  }

  /** MTH of the first `size` leaves (default: all). */
  root(size = this.size): Hash {
    this.assertSize(size);
    return size === 0 ? EMPTY_ROOT : this.subtree(0, size);
  }

  /** PATH(m, D[n]) of RFC 6962 §2.1.1: the audit path of leaf `index` in the tree of the first `size` leaves. */
  inclusionProof(index: number, size = this.size): Hash[] {
    this.assertSize(size);
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new RangeError(`leaf index ${index} is outside a tree of ${size}`);
    }
    return this.path(index, 0, size);
  }

  /** PROOF(m, D[n]) of RFC 6962 §2.1.2: proves the tree of the first m leaves is a prefix of the tree of n. */
  consistencyProof(m: number, n = this.size): Hash[] {
    this.assertSize(n);
    if (!Number.isSafeInteger(m) || m < 0 || m > n) throw new RangeError(`cannot prove ${m} against ${n}`);
    if (m === 0 || m === n) return [];
    return this.subproof(m, 0, n, true);
  }

  private assertSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) {
      throw new RangeError(`tree size ${size} is outside 0..${this.size}`);
    }
  }

  /** MTH(D[start : end]), end > start. */
  private subtree(start: number, end: number): Hash {
    const n = end - start;
    if (n === 1) return this.leaves[start]!;
    const k = splitPoint(n);
    return nodeHash(this.subtree(start, start + k), this.subtree(start + k, end));
  }

  private path(m: number, start: number, end: number): Hash[] {
    const n = end - start;
    if (n === 1) return [];
    const k = splitPoint(n);
    return m < k
      ? [...this.path(m, start, start + k), this.subtree(start + k, end)]
      : [...this.path(m - k, start + k, end), this.subtree(start, start + k)];
  }

  private subproof(m: number, start: number, end: number, complete: boolean): Hash[] {
    const n = end - start;
    if (m === n) return complete ? [] : [this.subtree(start, end)];
    const k = splitPoint(n);
    return m <= k
      ? [...this.subproof(m, start, start + k, complete), this.subtree(start + k, end)]
      : [...this.subproof(m - k, start + k, end, false), this.subtree(start, start + k)];
  }
}

/** RFC 9162 §2.1.3.2: does `proof` place the leaf with this leaf hash at `index` of a tree with `root`? */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leafHash(leaf);
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && Buffer.from(r).equals(root);
}

/** RFC 9162 §2.1.4.2: is the tree of size `m` with `rootM` a prefix of the tree of size `n` with `rootN`? */
export function verifyConsistency(
  m: number,
  n: number,
  rootM: Uint8Array,
  rootN: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 0 || m > n) return false;
  if (m === n) return proof.length === 0 && Buffer.from(rootM).equals(rootN);
  // The empty tree is a prefix of every tree; RFC 6962 defines no proof for it.
  if (m === 0) return proof.length === 0 && Buffer.from(rootM).equals(EMPTY_ROOT);
  if (proof.length === 0) return false;
  const path = (m & (m - 1)) === 0 ? [rootM, ...proof] : [...proof];
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && Buffer.from(fr).equals(rootM) && Buffer.from(sr).equals(rootN);
}

export const toHex = (hash: Uint8Array): string => Buffer.from(hash).toString('hex');

/** Strict lower-case hex of exactly 32 bytes, or undefined. */
export function fromHex(hex: unknown): Hash | undefined {
  return typeof hex === 'string' && /^[0-9a-f]{64}$/.test(hex) ? Buffer.from(hex, 'hex') : undefined;
}
