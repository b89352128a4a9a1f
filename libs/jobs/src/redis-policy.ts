import type { Redis } from 'ioredis';
import type { NodeEnv } from '@ismap/config';

export class RedisPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisPolicyError';
  }
}

export type RedisPolicyCheck =
  | { readonly ok: true; readonly policy: 'noeviction' }
  | { readonly ok: false; readonly policy: string | null; readonly message: string };

/**
 * BullMQ keeps jobs, locks and schedulers in Redis: a Redis that evicts keys under memory pressure silently loses
 * jobs (a scheduled expiry that never runs). `maxmemory-policy` must be `noeviction`. Production refuses to start
 * otherwise; development and test only warn. A Redis that does not let us read its configuration (managed
 * services that disable CONFIG) cannot be judged: that is a warning in every mode, and the operator's duty.
 */
export async function checkRedisEvictionPolicy(redis: Pick<Redis, 'config'>): Promise<RedisPolicyCheck> {
  let policy: string | null = null;
  try {
    const reply: unknown = await redis.config('GET', 'maxmemory-policy');
    if (Array.isArray(reply) && typeof reply[1] === 'string') policy = reply[1];
  } catch {
    return {
      ok: false,
      policy: null,
      message: 'could not read Redis maxmemory-policy (CONFIG GET refused); it must be noeviction',
    };
  }
  if (policy === 'noeviction') return { ok: true, policy };
  return {
    ok: false,
    policy,
    message: `Redis maxmemory-policy is ${policy ?? 'unknown'}; it must be noeviction, or queued jobs can be evicted`,
  };
}

/** Throws in production when the policy is known to be wrong; returns the warning to log otherwise. */
export async function assertRedisEvictionPolicy(
  redis: Pick<Redis, 'config'>,
  nodeEnv: NodeEnv,
): Promise<string | null> {
  const check = await checkRedisEvictionPolicy(redis);
  if (check.ok) return null;
  if (nodeEnv === 'production' && check.policy !== null) throw new RedisPolicyError(check.message);
  return check.message;
}
