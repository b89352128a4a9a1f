import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { AuthenticatedPrincipal, TokenVerifier } from '@ismap/auth';
import { problem } from '../problem';
import { sendProblem } from '../problem-details.filter';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The caller a valid bearer token names, found before the guard runs (for the rate limit and the access
     * audit of refusals the guard never sees). Revocation is not checked here: never an access decision.
     */
    identified?: AuthenticatedPrincipal;
  }
}

export interface RateLimits {
  readonly windowSeconds: number;
  /** 0: no limit. */
  readonly perToken: number;
  /** 0: no limit. */
  readonly perIp: number;
}

export interface RateDecision {
  readonly allowed: boolean;
  /** Seconds until the current window ends, when refused. */
  readonly retryAfterSeconds: number;
  readonly limitedBy?: 'token' | 'ip';
}

// One round trip for both counters; the first hit of a window sets its expiry, so keys never outlive it.
const COUNT_SCRIPT = `
local counts = {}
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('EXPIRE', key, ARGV[1]) end
  counts[i] = n
end
return counts`;

/** How long a rate decision may take before the request goes on unlimited (Redis is away or slow). */
const DECISION_TIMEOUT_MS = 250;

/**
 * Fixed-window counters in Redis, per client address and per authenticated caller (`sub`, so minting more tokens
 * buys no more requests), shared by every API process of a deployment.
 */
export class RedisRateLimiter {
  private readonly logger = new Logger('RateLimit');

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly limits: RateLimits,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.limits.perIp > 0 || this.limits.perToken > 0;
  }

  /** Counts one request against the address and/or the caller given. */
  async hit(ip: string | undefined, sub: string | undefined): Promise<RateDecision> {
    const windowMs = this.limits.windowSeconds * 1000;
    const nowMs = this.now();
    const window = Math.floor(nowMs / windowMs);
    const retryAfterSeconds = Math.max(1, Math.ceil(((window + 1) * windowMs - nowMs) / 1000));
    const checks: { kind: 'ip' | 'token'; key: string; limit: number }[] = [];
    if (ip !== undefined && this.limits.perIp > 0) {
      checks.push({
        kind: 'ip',
        key: `${this.keyPrefix}ratelimit:ip:${ip}:${window}`,
        limit: this.limits.perIp,
      });
    }
    if (sub !== undefined && this.limits.perToken > 0) {
      checks.push({
        kind: 'token',
        key: `${this.keyPrefix}ratelimit:sub:${sub}:${window}`,
        limit: this.limits.perToken,
      });
    }
    if (checks.length === 0) return { allowed: true, retryAfterSeconds };
    let timer: NodeJS.Timeout | undefined;
    try {
      const counts = (await Promise.race([
        this.redis.eval(
          COUNT_SCRIPT,
          checks.length,
          ...checks.map((check) => check.key),
          String(this.limits.windowSeconds),
        ),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer in time')), DECISION_TIMEOUT_MS);
        }),
      ])) as number[];
      const exceeded = checks.find((check, index) => (counts[index] ?? 0) > check.limit);
      return exceeded === undefined
        ? { allowed: true, retryAfterSeconds }
        : { allowed: false, retryAfterSeconds, limitedBy: exceeded.kind };
    } catch (error) {
      // Failing open: an outage of the limiter must not become an outage of the API; readiness reports Redis.
      this.logger.warn({ err: error }, 'rate limit unavailable; request allowed');
      return { allowed: true, retryAfterSeconds };
    } finally {
      clearTimeout(timer);
    }
  }
}

function refuse(request: FastifyRequest, reply: FastifyReply, decision: RateDecision): FastifyReply {
  sendProblem(request, reply, {
    problem: problem(429, 'RATE_LIMIT.EXCEEDED', 'Too many requests; retry after the indicated delay', {
      limitedBy: decision.limitedBy,
    }),
    headers: { 'retry-after': String(decision.retryAfterSeconds) },
  });
  return reply;
}

/**
 * Counts every request before its body is read. The address is counted first, so a flood refused by address
 * costs one Redis round trip and no signature check; then a valid token's `sub` is found through the verifier's
 * cache (no revocation lookup: the guard does that) and counted too.
 */
export function registerRateLimit(
  fastify: FastifyInstance,
  limiter: RedisRateLimiter,
  verifier: TokenVerifier,
): void {
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (limiter.enabled) {
      const byAddress = await limiter.hit(request.ip, undefined);
      if (!byAddress.allowed) return refuse(request, reply, byAddress);
    }
    if (request.headers.authorization !== undefined) {
      const identified = await verifier.identify(request.headers.authorization);
      if (identified !== undefined) request.identified = identified;
    }
    if (!limiter.enabled || request.identified === undefined) return;
    const byCaller = await limiter.hit(undefined, request.identified.sub);
    if (!byCaller.allowed) return refuse(request, reply, byCaller);
  });
}
