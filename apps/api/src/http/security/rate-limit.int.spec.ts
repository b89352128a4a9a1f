import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RedisRateLimiter } from './rate-limit';

describe('RedisRateLimiter (real Redis, fixed windows)', () => {
  const prefix = `test-ratelimit-${randomBytes(6).toString('hex')}:`;
  let redis: Redis;
  let nowMs = Date.UTC(2026, 10, 22, 0, 0, 10);

  beforeAll(() => {
    // The fail-open test logs a warning by design; it is not this suite's output.
    Logger.overrideLogger(false);
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  const limiter = (perToken: number, perIp: number) =>
    new RedisRateLimiter(redis, prefix, { windowSeconds: 60, perToken, perIp }, () => nowMs);

  it('refuses the request over the limit until the window ends, and says how long to wait', async () => {
    const limits = limiter(2, 100);
    expect((await limits.hit('10.0.0.1', 'alice')).allowed).toBe(true);
    expect((await limits.hit('10.0.0.2', 'alice')).allowed).toBe(true);
    expect(await limits.hit('10.0.0.3', 'alice')).toEqual({
      allowed: false,
      limitedBy: 'token',
      retryAfterSeconds: 50,
    });
    expect((await limits.hit('10.0.0.3', 'bob')).allowed).toBe(true);
    nowMs += 50_000;
    expect((await limits.hit('10.0.0.3', 'alice')).allowed).toBe(true);
  });

  it('counts an address across callers, and lets 0 turn a limit off', async () => {
    const limits = limiter(0, 2);
    expect((await limits.hit('10.9.9.9', 'a')).allowed).toBe(true);
    expect((await limits.hit('10.9.9.9', undefined)).allowed).toBe(true);
    expect(await limits.hit('10.9.9.9', 'c')).toMatchObject({ allowed: false, limitedBy: 'ip' });
    expect(limiter(0, 0).enabled).toBe(false);
  });

  it('expires its counters with the window', async () => {
    await limiter(5, 5).hit('10.1.1.1', 'ttl');
    const [key] = await redis.keys(`${prefix}ratelimit:sub:ttl:*`);
    expect(await redis.ttl(key ?? '')).toBeGreaterThan(0);
    expect(await redis.ttl(key ?? '')).toBeLessThanOrEqual(60);
  });

  it('fails open when Redis cannot answer: an outage of the limiter is not an outage of the API', async () => {
    const unreachable = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    try {
      const limits = new RedisRateLimiter(unreachable, prefix, { windowSeconds: 60, perToken: 1, perIp: 1 });
      expect((await limits.hit('10.0.0.1', 'x')).allowed).toBe(true);
    } finally {
      unreachable.disconnect();
    }
  });
});
