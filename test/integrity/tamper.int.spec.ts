import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sealTrail } from '@ismap/application';
import { SqliteEventStore } from '@ismap/event-store';
import type { IntegrityProblem, SealKeyPair, StoredEvent, TrailEntry, WitnessView } from '@ismap/integrity';
import {
  isReadable,
  isSealEvent,
  loadSealKeyPair,
  readStoredTrail,
  verifyTrail,
  witnessOf,
} from '@ismap/integrity';
import { appendRandomTrail, prng, sealMetadata } from './trail-fixture';

/*
 * The must-show tamper test: a real embedded store file, sealed; then, 200 times, a fresh copy of the file is
 * opened with better-sqlite3 directly (as an attacker with file access would) and one event chosen at random is
 * tampered with in one of four ways. The verification must fail and name that event's stream and revision.
 *
 * The witness is what an auditor holds from before (the last export, whose seal a report printed): without
 * one, nothing in the file can prove that its own tail, seals included, was not cut off.
 */
const SEED = 20261122;
const TRIALS = 200;
type Tamper = 'flip' | 'delete' | 'swap' | 'truncate';
const TAMPERS: readonly Tamper[] = ['flip', 'delete', 'swap', 'truncate'];
const EXPECTED_KINDS: Readonly<Record<Tamper, readonly IntegrityProblem['kind'][]>> = {
  flip: ['changed'],
  // A stream's last event gone looks, from the stream, like a cut-off tail.
  delete: ['missing', 'truncated'],
  swap: ['reordered'],
  truncate: ['truncated'],
};

interface Row {
  readonly position: number;
  readonly data: string;
}

/** Indices of ASCII letters inside JSON string literals: flipping their case bit keeps the JSON valid. */
function letterIndicesInStrings(json: string): number[] {
  const indices: number[] = [];
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      else if (/[A-Za-z]/.test(c)) indices.push(i);
    } else if (c === '"') inString = true;
  }
  return indices;
}

function tamper(file: string, how: Tamper, target: StoredEvent, random: () => number): void {
  const db = new Database(file);
  try {
    const position = Number(target.position);
    switch (how) {
      case 'flip': {
        const row = db
          .prepare<[number], Row>('SELECT position, data FROM events WHERE position = ?')
          .get(position)!;
        const letters = letterIndicesInStrings(row.data);
        const at = letters[Math.floor(random() * letters.length)]!;
        // One byte, one bit: 0x20 is the ASCII case bit.
        const flipped = String.fromCharCode(row.data.charCodeAt(at) ^ 0x20);
        const data = row.data.slice(0, at) + flipped + row.data.slice(at + 1);
        db.prepare('UPDATE events SET data = ? WHERE position = ?').run(data, position);
        break;
      }
      case 'delete':
        db.prepare('DELETE FROM events WHERE position = ?').run(position);
        break;
      case 'swap': {
        // The event trades places in the log with its neighbour among the trail's events (the next, or the
        // previous one for the last event).
        const neighbours = db
          .prepare<[number, number], { position: number; stream_name: string }>(
            'SELECT position, stream_name FROM events WHERE position != ? ORDER BY abs(position - ?), position DESC',
          )
          .all(position, position)
          .filter((row) => row.stream_name !== 'integrity-seals');
        const after = neighbours.find((row) => row.position > position);
        const other = (after ?? neighbours[0]!).position;
        db.transaction(() => {
          db.prepare('UPDATE events SET position = -1 WHERE position = ?').run(position);
          db.prepare('UPDATE events SET position = ? WHERE position = ?').run(position, other);
          db.prepare('UPDATE events SET position = ? WHERE position = -1').run(other);
        })();
        break;
      }
      case 'truncate':
        db.prepare('DELETE FROM events WHERE position >= ?').run(position);
        break;
    }
  } finally {
    db.close();
  }
}

describe('tampering with the embedded store file is detected at the right stream and revision', () => {
  let dir: string;
  let pristine: string;
  let key: SealKeyPair;
  let trail: StoredEvent[];
  let witness: WitnessView;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ismap-tamper-'));
    pristine = join(dir, 'events.sqlite');
    key = await loadSealKeyPair({ dataDir: dir, allowGenerate: true });
    const store = await SqliteEventStore.open({ file: pristine, watchFiles: false });
    const random = prng(SEED);
    await appendRandomTrail(store, random, 220, 30, 'a');
    await sealTrail(store, key, sealMetadata('2026-11-21T15:00:00.000Z'));
    await appendRandomTrail(store, random, 120, 30, 'b');
    await sealTrail(store, key, sealMetadata('2026-11-22T15:00:00.000Z'));
    trail = (await readStoredTrail(store)).filter(isReadable);
    await store.close();
    witness = witnessOf(trail);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies the untouched file, with two seals covering every event', async () => {
    const store = await SqliteEventStore.open({ file: pristine, watchFiles: false });
    try {
      const report = verifyTrail(await readStoredTrail(store), { trustedKeys: [key.publicKey], witness });
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.latestSeal?.eventCount).toBe(340);
      expect(report.unsealedEvents).toBe(0);
    } finally {
      await store.close();
    }
  });

  it(`detects ${TRIALS} random tamperings (flip a byte, delete, swap, truncate) and names the event`, async () => {
    const random = prng(SEED + 1);
    const candidates = trail.filter((event) => !isSealEvent(event));
    const detected: Record<Tamper, number> = { flip: 0, delete: 0, swap: 0, truncate: 0 };
    const detectedWithoutWitness: Record<Tamper, number> = { flip: 0, delete: 0, swap: 0, truncate: 0 };
    const misses: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const how = TAMPERS[trial % TAMPERS.length]!;
      const target = candidates[Math.floor(random() * candidates.length)]!;
      const file = join(dir, `trial-${trial}.sqlite`);
      copyFileSync(pristine, file);
      tamper(file, how, target, random);
      const store = await SqliteEventStore.open({ file, watchFiles: false });
      let events: TrailEntry[];
      try {
        events = await readStoredTrail(store);
      } finally {
        await store.close();
        rmSync(file, { force: true });
        rmSync(`${file}-wal`, { force: true });
        rmSync(`${file}-shm`, { force: true });
      }
      const report = verifyTrail(events, { trustedKeys: [key.publicKey], witness });
      const named = report.problems.some(
        (p) =>
          p.streamName === target.streamName &&
          p.revision === target.revision &&
          EXPECTED_KINDS[how].includes(p.kind),
      );
      if (!report.ok && named) detected[how] += 1;
      else
        misses.push(
          `trial ${trial}: ${how} ${target.streamName}@${target.revision}: ${JSON.stringify(report.problems)}`,
        );
      if (!verifyTrail(events, { trustedKeys: [key.publicKey] }).ok) detectedWithoutWitness[how] += 1;
    }
    const total = Object.values(detected).reduce((a, b) => a + b, 0);
    console.log(
      `tamper detection: ${total}/${TRIALS} detected and located (${JSON.stringify(detected)}); ` +
        `from the file alone (chains + seals, no witness): ${JSON.stringify(detectedWithoutWitness)} of ${TRIALS / 4} each`,
    );
    expect(misses).toEqual([]);
    expect(total).toBe(TRIALS);
    // Every event lies under a seal, so the file alone betrays all but a cut-off tail (which takes its seals).
    expect([detectedWithoutWitness.flip, detectedWithoutWitness.delete, detectedWithoutWitness.swap]).toEqual(
      [TRIALS / 4, TRIALS / 4, TRIALS / 4],
    );
  });
});
