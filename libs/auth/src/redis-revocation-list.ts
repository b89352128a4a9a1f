import type { Redis } from 'ioredis';
import { identifierProblem } from './claims';
import type { AuthenticatedPrincipal } from './principal';
import { MAX_CLOCK_TOLERANCE_SECONDS } from './token-verifier';
import type { RevocationNote, RevocationRegistry } from './token-verifier';

/**
 * Revoked token ids in Redis, one key per `jti` that expires with the token (plus the verifier's clock
 * tolerance, during which the token would still be accepted), so the list never outgrows the tokens alive.
 * Redis errors propagate: the verifier then fails closed (503), it never treats "cannot tell" as "not revoked".
 */
export class RedisRevocationList implements RevocationRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  keyOf(jti: string): string {
    return `${this.keyPrefix}revoked-jti:${jti}`;
  }

  async isRevoked(principal: AuthenticatedPrincipal): Promise<boolean> {
    return (await this.redis.exists(this.keyOf(principal.jti))) === 1;
  }

  async revoke(jti: string, until: Date, note: RevocationNote): Promise<boolean> {
    const problem = identifierProblem(jti);
    if (problem !== undefined) throw new RangeError(`jti ${problem}`);
    const expiresAtSeconds = Math.ceil(until.getTime() / 1000) + MAX_CLOCK_TOLERANCE_SECONDS;
    if (expiresAtSeconds * 1000 <= this.now().getTime()) return false;
    await this.redis.set(this.keyOf(jti), JSON.stringify(note), 'EXAT', expiresAtSeconds);
    return true;
  }
}
