import { createHash } from 'node:crypto';
import { EMPTY_ROOT, MerkleTree, verifyConsistency, verifyInclusion } from './merkle';

/*
 * An independent verifier, written straight from the recursive definitions of RFC 6962 §2.1 (MTH, PATH, SUBPROOF)
 * and sharing no code with ./merkle (whose verifiers are the iterative RFC 9162 algorithms): if both accept the
 * same proofs and refuse the same forgeries, neither is fooling the other.
 */
const sha = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return h.digest();
};
const refLeaf = (data: Uint8Array) => sha(Buffer.from([0]), data);
const refNode = (l: Uint8Array, r: Uint8Array) => sha(Buffer.from([1]), l, r);
const refSplit = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);

/** Recomputes the root from an audit path: PATH appends the top-level sibling last, so it is consumed last-first. */
function refRootFromPath(index: number, size: number, leaf: Uint8Array, path: Uint8Array[]): Buffer | null {
  if (size === 1) return path.length === 0 ? refLeaf(leaf) : null;
  if (path.length === 0) return null;
  const k = refSplit(size);
  const sibling = path[path.length - 1]!;
  const rest = path.slice(0, -1);
  if (index < k) {
    const left = refRootFromPath(index, k, leaf, rest);
    return left === null ? null : refNode(left, sibling);
  }
  const right = refRootFromPath(index - k, size - k, leaf, rest);
  return right === null ? null : refNode(sibling, right);
}

function refVerifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  path: Uint8Array[],
  root: Uint8Array,
) {
  if (index < 0 || index >= size) return false;
  const computed = refRootFromPath(index, size, leaf, path);
  return computed !== null && computed.equals(root);
}

/** [old subtree hash, new subtree hash] rebuilt from SUBPROOF(m, D[n], b), or null when the proof does not fit. */
function refSubproof(
  m: number,
  n: number,
  proof: Uint8Array[],
  b: boolean,
  oldRoot: Uint8Array,
): [Buffer, Buffer] | null {
  if (m === n) {
    if (b) return proof.length === 0 ? [Buffer.from(oldRoot), Buffer.from(oldRoot)] : null;
    return proof.length === 1 ? [Buffer.from(proof[0]!), Buffer.from(proof[0]!)] : null;
  }
  if (proof.length === 0) return null;
  const k = refSplit(n);
  const sibling = proof[proof.length - 1]!;
  const rest = proof.slice(0, -1);
  if (m <= k) {
    const sub = refSubproof(m, k, rest, b, oldRoot);
    return sub === null ? null : [sub[0], refNode(sub[1], sibling)];
  }
  const sub = refSubproof(m - k, n - k, rest, false, oldRoot);
  return sub === null ? null : [refNode(sibling, sub[0]), refNode(sibling, sub[1])];
}

function refVerifyConsistency(
  m: number,
  n: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: Uint8Array[],
) {
  if (m <= 0 || m >= n) return false;
  const hashes = refSubproof(m, n, proof, true, oldRoot);
  return hashes !== null && hashes[0].equals(oldRoot) && hashes[1].equals(newRoot);
}

function refRoot(leaves: Uint8Array[]): Buffer {
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return refLeaf(leaves[0]!);
  const k = refSplit(leaves.length);
  return refNode(refRoot(leaves.slice(0, k)), refRoot(leaves.slice(k)));
}

/** The leaves and roots of the Certificate Transparency reference tests (RFC 6962 test vectors). */
const CT_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((hex) => Buffer.from(hex, 'hex'));
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

const eventHashes = (n: number): Buffer[] =>
  Array.from({ length: n }, (_, i) => sha(Buffer.from(`event ${i}`)));

/** Flips one bit of one hash in a proof: the smallest forgery there is. */
function forge(proof: Buffer[], at: number): Buffer[] {
  return proof.map((hash, i) => {
    if (i !== at) return hash;
    const copy = Buffer.from(hash);
    copy[0] = copy[0]! ^ 0x01;
    return copy;
  });
}

describe('Merkle tree (RFC 6962)', () => {
  it('gives the reference roots for sizes 1 to 8, and SHA-256("") for the empty tree', () => {
    const tree = new MerkleTree(CT_LEAVES);
    CT_ROOTS.forEach((expected, i) => expect(tree.root(i + 1).toString('hex')).toBe(expected));
    expect(new MerkleTree([]).root().toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(EMPTY_ROOT.equals(sha())).toBe(true);
  });

  it('agrees with the reference definition of MTH for every size from 1 to 70', () => {
    const leaves = eventHashes(70);
    const tree = new MerkleTree(leaves);
    for (let n = 1; n <= 70; n++) expect(tree.root(n).equals(refRoot(leaves.slice(0, n)))).toBe(true);
  });

  it('gives the reference audit paths of the RFC 6962 example tree', () => {
    const tree = new MerkleTree(CT_LEAVES);
    // The CT test vectors: leaf 0 of 8 and leaf 5 of 8.
    expect(tree.inclusionProof(0, 8).map((h) => h.toString('hex'))).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    expect(tree.inclusionProof(5, 8).map((h) => h.toString('hex'))).toEqual([
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
  });

  it('produces inclusion proofs that the independent verifier and ours accept, for every leaf of sizes 1 to 40', () => {
    const leaves = eventHashes(40);
    const tree = new MerkleTree(leaves);
    for (let n = 1; n <= 40; n++) {
      const root = tree.root(n);
      for (let i = 0; i < n; i++) {
        const proof = tree.inclusionProof(i, n);
        expect(refVerifyInclusion(i, n, leaves[i]!, proof, root)).toBe(true);
        expect(verifyInclusion(leaves[i]!, i, n, proof, root)).toBe(true);
      }
    }
  });

  it('produces consistency proofs that both verifiers accept, for every pair 1 ≤ m < n ≤ 40', () => {
    const leaves = eventHashes(40);
    const tree = new MerkleTree(leaves);
    for (let n = 2; n <= 40; n++) {
      for (let m = 1; m < n; m++) {
        const proof = tree.consistencyProof(m, n);
        expect(refVerifyConsistency(m, n, tree.root(m), tree.root(n), proof)).toBe(true);
        expect(verifyConsistency(m, n, tree.root(m), tree.root(n), proof)).toBe(true);
      }
    }
  });

  it('refuses a forged inclusion proof in both verifiers: a changed hash, the wrong leaf, index or size', () => {
    const leaves = eventHashes(23);
    const tree = new MerkleTree(leaves);
    const root = tree.root();
    for (let i = 0; i < 23; i++) {
      const proof = tree.inclusionProof(i);
      for (let at = 0; at < proof.length; at++) {
        expect(refVerifyInclusion(i, 23, leaves[i]!, forge(proof, at), root)).toBe(false);
        expect(verifyInclusion(leaves[i]!, i, 23, forge(proof, at), root)).toBe(false);
      }
      const other = leaves[(i + 1) % 23]!;
      expect(refVerifyInclusion(i, 23, other, proof, root)).toBe(false);
      expect(verifyInclusion(other, i, 23, proof, root)).toBe(false);
      expect(verifyInclusion(leaves[i]!, (i + 1) % 23, 23, proof, root)).toBe(false);
      // The size itself is bound by the signed seal, not by the path: a root of another size must not pass.
      expect(verifyInclusion(leaves[i]!, i, 23, proof, tree.root(22))).toBe(false);
      expect(verifyInclusion(leaves[i]!, i, 23, proof.slice(1), root)).toBe(false);
    }
  });

  it('refuses a forged consistency proof and a rewritten history in both verifiers', () => {
    const leaves = eventHashes(30);
    const tree = new MerkleTree(leaves);
    // The same history with event 4 rewritten: its root for every size ≥ 5 differs.
    const rewritten = new MerkleTree(leaves.map((leaf, i) => (i === 4 ? sha(Buffer.from('forged')) : leaf)));
    for (const [m, n] of [
      [1, 30],
      [5, 30],
      [7, 30],
      [16, 30],
      [29, 30],
      [3, 8],
    ] as const) {
      const proof = tree.consistencyProof(m, n);
      for (let at = 0; at < proof.length; at++) {
        expect(refVerifyConsistency(m, n, tree.root(m), tree.root(n), forge(proof, at))).toBe(false);
        expect(verifyConsistency(m, n, tree.root(m), tree.root(n), forge(proof, at))).toBe(false);
      }
      if (m >= 5) {
        const forged = rewritten.consistencyProof(m, n);
        expect(refVerifyConsistency(m, n, tree.root(m), rewritten.root(n), forged)).toBe(false);
        expect(verifyConsistency(m, n, tree.root(m), rewritten.root(n), forged)).toBe(false);
      }
      expect(verifyConsistency(m, n, tree.root(m), tree.root(n), proof.slice(0, -1))).toBe(false);
      expect(verifyConsistency(m, n, tree.root(m), tree.root(n - 1), proof)).toBe(false);
      expect(refVerifyConsistency(m, n, tree.root(m), tree.root(n - 1), proof)).toBe(false);
    }
  });

  it('refuses out-of-range arguments instead of proving nonsense', () => {
    const tree = new MerkleTree(eventHashes(4));
    expect(() => tree.inclusionProof(4)).toThrow(RangeError);
    expect(() => tree.root(5)).toThrow(RangeError);
    expect(() => tree.consistencyProof(5, 4)).toThrow(RangeError);
    expect(tree.consistencyProof(4, 4)).toEqual([]);
    expect(verifyConsistency(4, 4, tree.root(), tree.root(), [])).toBe(true);
  });
});
