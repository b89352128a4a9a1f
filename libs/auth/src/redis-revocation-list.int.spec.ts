import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  AUDIENCE,
  claims,
  expectAuthenticationError,
  failureOf,
  inMemoryKeys,
  ISSUER,
  sign,
} from './auth-test-fixtures.spec';
import type { TestKeys } from './auth-test-fixtures.spec';
import { AuthUnavailableError } from './errors';
import { RedisRevocationList } from './redis-revocation-list';
import { TokenVerifier } from './token-verifier';

// Redis expires keys by its own clock, so these tests live in real time, not the fixtures' fixed NOW.
const NOW = new Date();
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);
const NOTE = { revokedBy: 'tanaka@nisc', revokedAt: NOW.toISOString(), reason: 'laptop stolen' };
const live = (overrides: Record<string, unknown>) =>
  claims({ iat: NOW_SECONDS, nbf: NOW_SECONDS, exp: NOW_SECONDS + 3600, ...overrides });

describe('RedisRevocationList (real Redis)', () => {
  const prefix = `test-revocations-${randomBytes(6).toString('hex')}:`;
  let redis: Redis;
  let keys: TestKeys;
  let list: RedisRevocationList;
  const verifierWith = (revocations: RedisRevocationList) =>
    new TokenVerifier(keys.source, { issuer: ISSUER, audience: AUDIENCE, now: () => NOW, revocations });

  beforeAll(async () => {
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    keys = await inMemoryKeys();
    list = new RedisRevocationList(redis, prefix, () => NOW);
  });

  afterAll(async () => {
    const leftovers = await redis.keys(`${prefix}*`);
    if (leftovers.length > 0) await redis.del(...leftovers);
    await redis.quit();
  });

  it('refuses a revoked token, even one the verifier had already accepted and cached', async () => {
    const verifier = verifierWith(list);
    const token = await sign(keys.privateKey, live({ jti: 'jti-stolen' }));
    const other = await sign(keys.privateKey, live({ jti: 'jti-fine' }));
    await expect(verifier.verify(token)).resolves.toMatchObject({ jti: 'jti-stolen' });

    await expect(list.revoke('jti-stolen', new Date((NOW_SECONDS + 3600) * 1000), NOTE)).resolves.toBe(true);

    await expectAuthenticationError(verifier.verify(token), 'AUTH.TOKEN_REVOKED');
    await expect(verifier.verify(other)).resolves.toMatchObject({ jti: 'jti-fine' });
  });

  it('remembers a jti until its exp plus the 60 s clock tolerance, and no longer', async () => {
    const exp = NOW_SECONDS + 600;
    await list.revoke('jti-ttl', new Date(exp * 1000), NOTE);
    expect(await redis.call('EXPIRETIME', list.keyOf('jti-ttl'))).toBe(exp + 60);
    expect(JSON.parse((await redis.get(list.keyOf('jti-ttl'))) ?? '{}')).toEqual(NOTE);
  });

  it('stores nothing for a token that expired beyond the tolerance already', async () => {
    await expect(list.revoke('jti-old', new Date((NOW_SECONDS - 61) * 1000), NOTE)).resolves.toBe(false);
    expect(await redis.exists(list.keyOf('jti-old'))).toBe(0);
  });

  it('refuses a jti that could not have passed the verifier (control characters)', async () => {
    await expect(list.revoke('a\r\nb', new Date((NOW_SECONDS + 60) * 1000), NOTE)).rejects.toThrow(
      /control characters/,
    );
  });

  it('fails closed (AUTH.UNAVAILABLE) when Redis cannot answer', async () => {
    const unreachable = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    try {
      const verifier = verifierWith(new RedisRevocationList(unreachable, prefix));
      const token = await sign(keys.privateKey, live({ jti: 'jti-while-down' }));
      expect(await failureOf(verifier.verify(token))).toBeInstanceOf(AuthUnavailableError);
    } finally {
      unreachable.disconnect();
    }
  });
});
