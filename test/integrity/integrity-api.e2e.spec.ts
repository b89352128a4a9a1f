import Database from 'better-sqlite3';
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandBus } from '@nestjs/cqrs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import pino from 'pino';
import { SealTrailCommand } from '@ismap/application';
import { issueDevToken } from '@ismap/auth';
import { loadConfig, type AppConfig } from '@ismap/config';
import { corporateNumberCheckDigit } from '@ismap/domain';
import { canonicalJson, EVENT_STORE, type EventStore } from '@ismap/event-store';
import { createApiApplication } from '../../apps/api/src/bootstrap';
import { http } from '../support/http';
import { sealMetadata } from './trail-fixture';

/*
 * An independent verifier, from the recursive definitions of RFC 6962 §2.1 alone (it imports nothing of
 * libs/integrity): what an auditor would write to check the service's proofs without trusting its code.
 */
const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const leafOf = (data: Uint8Array) => sha256(Buffer.of(0), data);
const nodeOf = (l: Uint8Array, r: Uint8Array) => sha256(Buffer.of(1), l, r);
const split = (n: number) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
function rootFromPath(i: number, n: number, leaf: Buffer, path: Buffer[]): Buffer | null {
  if (n === 1) return path.length === 0 ? leaf : null;
  if (path.length === 0) return null;
  const k = split(n);
  const sibling = path[path.length - 1]!;
  const sub =
    i < k ? rootFromPath(i, k, leaf, path.slice(0, -1)) : rootFromPath(i - k, n - k, leaf, path.slice(0, -1));
  if (sub === null) return null;
  return i < k ? nodeOf(sub, sibling) : nodeOf(sibling, sub);
}
function checkInclusion(
  eventHashHex: string,
  i: number,
  n: number,
  pathHex: string[],
  rootHex: string,
): boolean {
  if (i < 0 || i >= n) return false;
  const root = rootFromPath(
    i,
    n,
    leafOf(Buffer.from(eventHashHex, 'hex')),
    pathHex.map((h) => Buffer.from(h, 'hex')),
  );
  return root !== null && root.toString('hex') === rootHex;
}
function subproof(
  m: number,
  n: number,
  proof: Buffer[],
  whole: boolean,
  oldRoot: Buffer,
): [Buffer, Buffer] | null {
  if (m === n) {
    if (whole) return proof.length === 0 ? [oldRoot, oldRoot] : null;
    return proof.length === 1 ? [proof[0]!, proof[0]!] : null;
  }
  if (proof.length === 0) return null;
  const k = split(n);
  const sibling = proof[proof.length - 1]!;
  if (m <= k) {
    const sub = subproof(m, k, proof.slice(0, -1), whole, oldRoot);
    return sub === null ? null : [sub[0], nodeOf(sub[1], sibling)];
  }
  const sub = subproof(m - k, n - k, proof.slice(0, -1), false, oldRoot);
  return sub === null ? null : [nodeOf(sibling, sub[0]), nodeOf(sibling, sub[1])];
}
function checkConsistency(m: number, n: number, oldHex: string, newHex: string, proofHex: string[]): boolean {
  if (m <= 0 || m >= n) return false;
  const old = Buffer.from(oldHex, 'hex');
  const got = subproof(
    m,
    n,
    proofHex.map((h) => Buffer.from(h, 'hex')),
    true,
    old,
  );
  return got !== null && got[0].equals(old) && got[1].toString('hex') === newHex;
}
const forge = (hexes: string[], at: number) =>
  hexes.map((h, i) => (i === at ? `${h[0] === '0' ? '1' : '0'}${h.slice(1)}` : h));

type Seal = {
  sealId: string;
  position: string;
  eventCount: number;
  root: string;
  keyId: string;
  signature: string;
  [k: string]: unknown;
};

describe('GET /integrity/* (embedded store, real Redis)', () => {
  let dataDir: string;
  let config: AppConfig;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let store: EventStore;
  let secretariat: string;
  let reviewer: string;
  const prefix = `test-integrity-api-${process.pid}:`;

  async function registerProviders(from: number, count: number): Promise<void> {
    for (let i = from; i < from + count; i++) {
      const base = String(700000000000 + i);
      const response = await http(baseUrl, 'POST', '/providers', {
        token: secretariat,
        body: { name: `Provider ${i}`, corporateNumber: `${corporateNumberCheckDigit(base)}${base}` },
      });
      expect(response.status).toBe(201);
    }
  }

  async function seal(now: string): Promise<void> {
    await app.get(CommandBus).execute(new SealTrailCommand(sealMetadata(now)));
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ismap-integrity-api-'));
    config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', REDIS_KEY_PREFIX: prefix });
    app = await createApiApplication(config, [], pino({ level: 'silent' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    store = app.get<EventStore>(EVENT_STORE);
    const keys = { dataDir, issuer: config.auth.issuer, audience: config.auth.audience };
    secretariat = await issueDevToken({ role: 'secretariat', sub: 'tanaka@nisc' }, keys);
    reviewer = await issueDevToken({ role: 'ipa-reviewer', sub: 'sato@ipa' }, keys);
    await registerProviders(0, 11);
    await seal('2026-11-21T15:00:00.000Z');
    await registerProviders(11, 14);
    await seal('2026-11-22T15:00:00.000Z');
  });

  afterAll(async () => {
    await app.close();
    const redis = new Redis(config.redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the seals with the public key; each signature verifies independently', async () => {
    const response = await http(baseUrl, 'GET', '/integrity/seals', { token: secretariat });
    expect(response.status).toBe(200);
    const seals = response.json['seals'] as Seal[];
    expect(seals.map((s) => s.eventCount)).toEqual([11, 25]);
    const { pem, keyId } = response.json['publicKey'] as { pem: string; keyId: string };
    const key = createPublicKey(pem);
    for (const s of seals) {
      expect(s.keyId).toBe(keyId);
      const statement = canonicalJson({
        context: 'ismap-ledger/trail-seal/v1',
        version: s['version'],
        position: s.position,
        eventCount: s.eventCount,
        root: s.root,
        previous: s['previous'],
        sealedAt: s['sealedAt'],
        keyId: s.keyId,
      });
      expect(verifySignature(null, Buffer.from(statement), key, Buffer.from(s.signature, 'base64url'))).toBe(
        true,
      );
      // A forged statement (another root) does not verify with the same signature.
      const forged = statement.replace(s.root, '0'.repeat(64));
      expect(verifySignature(null, Buffer.from(forged), key, Buffer.from(s.signature, 'base64url'))).toBe(
        false,
      );
    }
  });

  it('verifies every chain and the latest seal', async () => {
    const response = await http(baseUrl, 'GET', '/integrity/verify', { token: secretariat });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ ok: true, problems: [], unsealedEvents: 0 });
    expect(response.json['latestSeal']).toMatchObject({ eventCount: 25 });
  });

  it('gives inclusion proofs that the independent verifier accepts, and a forged one fails', async () => {
    const events = (await store.readAll()).filter((e) => e.streamName.startsWith('provider-'));
    const latest = (
      (await http(baseUrl, 'GET', '/integrity/seals', { token: secretariat })).json['seals'] as Seal[]
    )[1]!;
    for (const event of [events[0]!, events[7]!, events[24]!]) {
      const response = await http(baseUrl, 'GET', `/integrity/proof?eventId=${event.id}`, {
        token: secretariat,
      });
      expect(response.status).toBe(200);
      const proof = response.json as {
        eventHash: string;
        leafIndex: number;
        treeSize: number;
        auditPath: string[];
        root: string;
      };
      // The leaf is the hash the store recorded for the event; the root is the signed seal's.
      expect(proof.eventHash).toBe(event.metadata['hash']);
      expect(proof.root).toBe(latest.root);
      expect(
        checkInclusion(proof.eventHash, proof.leafIndex, proof.treeSize, proof.auditPath, latest.root),
      ).toBe(true);
      for (let at = 0; at < proof.auditPath.length; at++) {
        expect(
          checkInclusion(
            proof.eventHash,
            proof.leafIndex,
            proof.treeSize,
            forge(proof.auditPath, at),
            latest.root,
          ),
        ).toBe(false);
      }
      const otherHash = sha256(Buffer.from('another event')).toString('hex');
      expect(checkInclusion(otherHash, proof.leafIndex, proof.treeSize, proof.auditPath, latest.root)).toBe(
        false,
      );
    }
    const byStream = await http(
      baseUrl,
      'GET',
      `/integrity/proof?stream=${events[3]!.streamName}&revision=0`,
      {
        token: secretariat,
      },
    );
    expect(byStream.json['eventId']).toBe(events[3]!.id);
  });

  it('gives a consistency proof between the two seals that the independent verifier accepts; a forged one fails', async () => {
    const [first, second] = (await http(baseUrl, 'GET', '/integrity/seals', { token: secretariat })).json[
      'seals'
    ] as Seal[];
    const response = await http(
      baseUrl,
      'GET',
      `/integrity/consistency?from=${first!.sealId}&to=${second!.sealId}`,
      {
        token: secretariat,
      },
    );
    expect(response.status).toBe(200);
    const proof = response.json['proof'] as string[];
    expect(checkConsistency(11, 25, first!.root, second!.root, proof)).toBe(true);
    for (let at = 0; at < proof.length; at++) {
      expect(checkConsistency(11, 25, first!.root, second!.root, forge(proof, at))).toBe(false);
    }
    // A rewritten history: the old root does not extend to the new one.
    expect(
      checkConsistency(11, 25, sha256(Buffer.from('rewritten')).toString('hex'), second!.root, proof),
    ).toBe(false);
    const byPosition = await http(
      baseUrl,
      'GET',
      `/integrity/consistency?from=${first!.position}&to=${second!.position}`,
      {
        token: secretariat,
      },
    );
    expect(byPosition.json['proof']).toEqual(proof);
  });

  it('answers bad parameters with problem+json and stable codes', async () => {
    const cases: [string, number, string][] = [
      ['/integrity/proof?eventId=not-a-uuid', 400, 'REQUEST.INVALID'],
      ['/integrity/proof', 400, 'REQUEST.INVALID'],
      ['/integrity/proof?eventId=00000000-0000-4000-8000-000000000000', 404, 'PROOF.EVENT_NOT_FOUND'],
      ['/integrity/consistency?from=abc&to=1', 400, 'REQUEST.INVALID'],
      ['/integrity/consistency?from=00000000-0000-4000-8000-000000000000&to=1', 404, 'SEAL.NOT_FOUND'],
    ];
    for (const [path, status, code] of cases) {
      const response = await http(baseUrl, 'GET', path, { token: secretariat });
      expect([path, response.status, response.json['code']]).toEqual([path, status, code]);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    const first = (
      (await http(baseUrl, 'GET', '/integrity/seals', { token: secretariat })).json['seals'] as Seal[]
    )[0]!;
    const backwards = await http(baseUrl, 'GET', `/integrity/consistency?from=999999&to=${first.sealId}`, {
      token: secretariat,
    });
    expect([backwards.status, backwards.json['code']]).toEqual([400, 'PROOF.RANGE']);
    const forbidden = await http(baseUrl, 'GET', '/integrity/verify', { token: reviewer });
    expect(forbidden.status).toBe(403);
  });

  it('names the stream and revision of an event changed in the file behind the service', async () => {
    const [target] = await store.readStream(
      `provider-P${corporateNumberCheckDigit('700000000005')}700000000005`,
    );
    const db = new Database(join(dataDir, 'events.sqlite'));
    try {
      db.prepare("UPDATE events SET data = replace(data, 'Provider 5', 'Provider 6') WHERE event_id = ?").run(
        target!.id,
      );
    } finally {
      db.close();
    }
    const response = await http(baseUrl, 'GET', '/integrity/verify', { token: secretariat });
    expect(response.json['ok']).toBe(false);
    expect(response.json['problems']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'changed', streamName: target!.streamName, revision: 0 }),
      ]),
    );
    const scoped = await http(baseUrl, 'GET', `/integrity/verify?stream=${target!.streamName}`, {
      token: secretariat,
    });
    expect(scoped.json['ok']).toBe(false);
  });
});
