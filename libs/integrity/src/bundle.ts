import { createHash } from 'node:crypto';
import { comparePositions, isPosition } from '@ismap/event-store';
import type { SealPublicKey } from './seal-keys';
import { publicSealKeyFromPem } from './seal-keys';
import type { StoredEvent } from './trail-leaves';
import type { IntegrityProblem } from './integrity-problem';
import type { VerificationReport } from './trail-verification';
import { verifyTrail } from './trail-verification';

/**
 * The export bundle: one UTF-8 NDJSON file, readable with nothing but a JSON parser (docs/adr/0011).
 *
 *   line 1       header  {"format":"ismap-ledger/trail-bundle","version":1,"exportedAt",
 *                         "publicKeys":[{"keyId","algorithm":"Ed25519","pem"}],"eventCount"}
 *   lines 2..n+1 events  {"id","streamName","revision","position","type","data","metadata"}, as stored (not
 *                         upcast), in $all order; the seals are among them (stream `integrity-seals`)
 *   last line    trailer {"end":true,"eventCount","sha256"}: SHA-256 (hex) of every byte before this line
 *
 * The trailer catches any accidental edit or cut; tampering on purpose is caught by the chains, the seal
 * signatures and the Merkle roots, for which the trailer is not needed.
 */
export const BUNDLE_FORMAT = 'ismap-ledger/trail-bundle';

export interface BundleHeader {
  readonly format: typeof BUNDLE_FORMAT;
  readonly version: 1;
  readonly exportedAt: string;
  readonly publicKeys: readonly {
    readonly keyId: string;
    readonly algorithm: 'Ed25519';
    readonly pem: string;
  }[];
  readonly eventCount: number;
}

/** The bundle's lines, each ending in '\n'. */
export function* bundleLines(
  events: readonly StoredEvent[],
  publicKeys: readonly SealPublicKey[],
  exportedAt: string,
): Generator<string> {
  const digest = createHash('sha256');
  const emit = (value: unknown): string => {
    const line = `${JSON.stringify(value)}\n`;
    digest.update(line, 'utf8');
    return line;
  };
  const header: BundleHeader = {
    format: BUNDLE_FORMAT,
    version: 1,
    exportedAt,
    publicKeys: publicKeys.map((key) => ({ keyId: key.keyId, algorithm: key.algorithm, pem: key.pem })),
    eventCount: events.length,
  };
  yield emit(header);
  for (const e of events) {
    yield emit({
      id: e.id,
      streamName: e.streamName,
      revision: e.revision,
      position: e.position,
      type: e.type,
      data: e.data,
      metadata: e.metadata,
    });
  }
  yield `${JSON.stringify({ end: true, eventCount: events.length, sha256: digest.digest('hex') })}\n`;
}

export interface BundleVerification extends VerificationReport {
  /** Key ids the bundle carries: compare them with the key id printed on a report. */
  readonly keyIds: readonly string[];
}

export interface VerifyBundleOptions {
  /** When given, only seals by this key count (pin it from an outside source, e.g. an HQ report). */
  readonly keyId?: string;
}

/** Checks a bundle offline: its framing, then every chain, seal signature and Merkle root in it. */
export function verifyBundle(text: string, options: VerifyBundleOptions = {}): BundleVerification {
  const problems: IntegrityProblem[] = [];
  const fail = (detail: string): BundleVerification => ({
    ok: false,
    events: 0,
    streams: 0,
    latestSeal: null,
    unsealedEvents: 0,
    problems: [{ kind: 'malformed', detail }],
    keyIds: [],
  });
  if (!text.endsWith('\n')) return fail('the bundle does not end with a complete line (cut off?)');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 2) return fail('the bundle has no header and trailer');

  const parsed: unknown[] = [];
  for (const [index, line] of lines.entries()) {
    try {
      parsed.push(JSON.parse(line));
    } catch {
      return fail(`line ${index + 1} is not JSON`);
    }
  }
  const header = parsed[0] as Partial<BundleHeader> | null;
  if (
    header === null ||
    typeof header !== 'object' ||
    header.format !== BUNDLE_FORMAT ||
    header.version !== 1
  ) {
    return fail(`line 1 is not a ${BUNDLE_FORMAT} version 1 header`);
  }
  const trailer = parsed[parsed.length - 1] as {
    end?: unknown;
    eventCount?: unknown;
    sha256?: unknown;
  } | null;
  const body = text.slice(0, text.length - lines[lines.length - 1]!.length - 1);
  const digest = createHash('sha256').update(body, 'utf8').digest('hex');
  const eventLines = parsed.slice(1, -1);
  if (trailer === null || typeof trailer !== 'object' || trailer.end !== true) {
    problems.push({ kind: 'malformed', detail: 'the last line is not the trailer: the bundle was cut off' });
  } else {
    if (trailer.sha256 !== digest) {
      problems.push({
        kind: 'malformed',
        detail: 'the trailer digest does not match: the bundle was edited',
      });
    }
    if (trailer.eventCount !== eventLines.length || header.eventCount !== eventLines.length) {
      problems.push({
        kind: 'malformed',
        detail: `the bundle announces ${String(header.eventCount)} events and holds ${eventLines.length}`,
      });
    }
  }

  let keys: SealPublicKey[] = [];
  try {
    keys = (header.publicKeys ?? []).map((key) => publicSealKeyFromPem(key.pem));
  } catch (error) {
    problems.push({ kind: 'malformed', detail: error instanceof Error ? error.message : String(error) });
  }
  (header.publicKeys ?? []).forEach((key, i) => {
    if (keys[i] !== undefined && keys[i].keyId !== key.keyId) {
      problems.push({
        kind: 'malformed',
        detail: `public key ${i + 1} does not have the key id ${key.keyId}`,
      });
    }
  });
  const trusted = options.keyId === undefined ? keys : keys.filter((key) => key.keyId === options.keyId);
  if (options.keyId !== undefined && trusted.length === 0) {
    problems.push({
      kind: 'unknown-key',
      detail: `the bundle does not carry the expected key ${options.keyId}`,
    });
  }

  const events: StoredEvent[] = [];
  eventLines.forEach((value, i) => {
    const event = asStoredEvent(value);
    if (event === undefined) {
      problems.push({ kind: 'malformed', detail: `line ${i + 2} is not an event` });
      return;
    }
    const before = events[events.length - 1];
    if (before !== undefined && comparePositions(before.position, event.position) >= 0) {
      problems.push({
        kind: 'reordered',
        streamName: event.streamName,
        revision: event.revision,
        position: event.position,
        detail: `line ${i + 2} is out of log order`,
      });
    }
    events.push(event);
  });

  const report = verifyTrail(events, { trustedKeys: trusted });
  const all = [...problems, ...report.problems];
  return { ...report, ok: all.length === 0, problems: all, keyIds: keys.map((key) => key.keyId) };
}

function asStoredEvent(value: unknown): StoredEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const ok =
    typeof v['id'] === 'string' &&
    typeof v['streamName'] === 'string' &&
    Number.isSafeInteger(v['revision']) &&
    (v['revision'] as number) >= 0 &&
    typeof v['position'] === 'string' &&
    isPosition(v['position']) &&
    typeof v['type'] === 'string' &&
    typeof v['data'] === 'object' &&
    v['data'] !== null &&
    typeof v['metadata'] === 'object' &&
    v['metadata'] !== null &&
    !Array.isArray(v['metadata']);
  if (!ok) return undefined;
  return {
    id: v['id'] as string,
    streamName: v['streamName'] as string,
    revision: v['revision'] as number,
    position: v['position'] as string,
    type: v['type'] as string,
    data: v['data'],
    metadata: v['metadata'] as Record<string, unknown>,
  };
}

/** The events of a bundle that verified, as a witness for a later check of the live trail. */
export function bundleEvents(text: string): StoredEvent[] {
  return text
    .slice(0, -1)
    .split('\n')
    .slice(1, -1)
    .map((line) => asStoredEvent(JSON.parse(line)))
    .filter((event): event is StoredEvent => event !== undefined);
}
