import { sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { canonicalJson } from '@ismap/event-store';

/**
 * What a seal says, signed as its RFC 8785 canonical JSON: "the first `eventCount` events of the trail, up to and
 * including log position `position`, have the Merkle root `root`", linked to the seal before it. The events of
 * the seal stream itself are not leaves (see trail-leaves.ts and docs/adr/0011).
 */
export interface SealStatement {
  readonly version: 1;
  /** $all position of the last event covered. */
  readonly position: string;
  readonly eventCount: number;
  /** RFC 6962 Merkle root over the covered events' hashes, lower-case hex. */
  readonly root: string;
  /** The seal this one follows: its position, event count and root; null for the first seal. */
  readonly previous: SealReference | null;
  /** Instant (ISO-8601 UTC) of signing. */
  readonly sealedAt: string;
  /** Fingerprint of the signing public key (see sealKeyId). */
  readonly keyId: string;
}

export interface SealReference {
  readonly position: string;
  readonly eventCount: number;
  readonly root: string;
}

export interface SignedSeal extends SealStatement {
  readonly algorithm: 'Ed25519';
  /** Ed25519 signature over `sealStatementBytes(statement)`, base64url. */
  readonly signature: string;
}

/** A context string inside the signed bytes keeps a seal signature from being replayed as any other message. */
const SEAL_CONTEXT = 'ismap-ledger/trail-seal/v1';

export function sealStatementBytes(statement: SealStatement): Buffer {
  const { version, position, eventCount, root, previous, sealedAt, keyId } = statement;
  return Buffer.from(
    canonicalJson({ context: SEAL_CONTEXT, version, position, eventCount, root, previous, sealedAt, keyId }),
    'utf8',
  );
}

export function signSeal(statement: SealStatement, privateKey: KeyObject): SignedSeal {
  const signature = sign(null, sealStatementBytes(statement), privateKey).toString('base64url');
  return { ...statementOf(statement), algorithm: 'Ed25519', signature };
}

/** True only for an Ed25519 signature by `publicKey` over exactly this statement. */
export function verifySealSignature(seal: SignedSeal, publicKey: KeyObject): boolean {
  if (seal.algorithm !== 'Ed25519' || !/^[A-Za-z0-9_-]{86}$/.test(seal.signature)) return false;
  try {
    return verify(null, sealStatementBytes(seal), publicKey, Buffer.from(seal.signature, 'base64url'));
  } catch {
    return false;
  }
}

export function statementOf(seal: SealStatement): SealStatement {
  const { version, position, eventCount, root, previous, sealedAt, keyId } = seal;
  return { version, position, eventCount, root, previous, sealedAt, keyId };
}

export function referenceOf(seal: SealReference): SealReference {
  return { position: seal.position, eventCount: seal.eventCount, root: seal.root };
}

/** Reads a seal out of untrusted JSON (an event's data, a bundle line); undefined when it is not one. */
export function parseSignedSeal(value: unknown): SignedSeal | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const isReference = (r: unknown): r is SealReference =>
    typeof r === 'object' &&
    r !== null &&
    typeof (r as Record<string, unknown>)['position'] === 'string' &&
    Number.isSafeInteger((r as Record<string, unknown>)['eventCount']) &&
    typeof (r as Record<string, unknown>)['root'] === 'string';
  if (
    v['version'] !== 1 ||
    typeof v['position'] !== 'string' ||
    !Number.isSafeInteger(v['eventCount']) ||
    typeof v['root'] !== 'string' ||
    !(v['previous'] === null || isReference(v['previous'])) ||
    typeof v['sealedAt'] !== 'string' ||
    typeof v['keyId'] !== 'string' ||
    v['algorithm'] !== 'Ed25519' ||
    typeof v['signature'] !== 'string'
  ) {
    return undefined;
  }
  const previous = v['previous'];
  return {
    version: 1,
    position: v['position'],
    eventCount: v['eventCount'] as number,
    root: v['root'],
    previous:
      previous === null
        ? null
        : { position: previous.position, eventCount: previous.eventCount, root: previous.root },
    sealedAt: v['sealedAt'],
    keyId: v['keyId'],
    algorithm: 'Ed25519',
    signature: v['signature'],
  };
}
