import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ACQUIRE_LEASE, RELEASE_LEASE, RENEW_LEASE } from '../redis/scripts';

/**
 * Lease time to live: how long a crashed worker's projections wait before another process (or its own restart)
 * takes over. Short enough for a restart to catch up quickly, long enough for GC pauses and Redis hiccups.
 */
export const DEFAULT_LEASE_TTL_MS = 5_000;

export interface LeaseOptions {
  readonly key: string;
  /** Someone asking the holder to step aside (see ProjectionKeys.handover). */
  readonly handoverKey: string;
  readonly ttlMs: number;
  /** Defaults to a random UUID; a handover requester uses its request's token. */
  readonly token?: string;
  /** Called when the lease is lost or a handover is requested. */
  readonly onChange?: () => void;
}

/**
 * A lease in Redis (`SET NX PX`, renewed at a third of its time to live). It is advisory for the holder, which
 * stops working when it sees the lease lost; the guarantee is in the write scripts, which compare the stored token
 * with the writer's, so a holder that was paused past its lease cannot write after someone else took over.
 */
export class Lease {
  readonly token: string;
  private timer: NodeJS.Timeout | undefined;
  private heldSince: number | undefined;
  private lastRenewed = 0;
  private renewing: Promise<void> | undefined;
  private lostFlag = false;
  private handoverFlag = false;

  constructor(
    private readonly redis: Redis,
    private readonly options: LeaseOptions,
  ) {
    this.token = options.token ?? randomUUID();
  }

  get key(): string {
    return this.options.key;
  }

  get held(): boolean {
    return this.heldSince !== undefined && !this.lostFlag;
  }

  get lost(): boolean {
    return this.lostFlag;
  }

  get handoverRequested(): boolean {
    return this.handoverFlag;
  }

  /** Takes the lease if it is free (or already ours) and nobody asked for a handover; starts renewing it. */
  async tryAcquire(): Promise<boolean> {
    const reply = await ACQUIRE_LEASE.run(
      this.redis,
      [this.options.key, this.options.handoverKey],
      [this.token, this.options.ttlMs],
    );
    if (reply !== 1) return false;
    this.heldSince = Date.now();
    this.lastRenewed = this.heldSince;
    this.lostFlag = false;
    this.handoverFlag = false;
    this.timer ??= setInterval(() => void this.renew(), Math.max(50, Math.floor(this.options.ttlMs / 3)));
    this.timer.unref();
    return true;
  }

  /** Records what a write script reported, which is as good as a renewal's answer. */
  noteHandover(requested: boolean): void {
    if (requested && !this.handoverFlag) {
      this.handoverFlag = true;
      this.options.onChange?.();
    }
  }

  markLost(): void {
    if (this.lostFlag) return;
    this.lostFlag = true;
    this.stopTimer();
    this.options.onChange?.();
  }

  async release(): Promise<void> {
    this.stopTimer();
    await this.renewing;
    const wasHeld = this.heldSince !== undefined;
    this.heldSince = undefined;
    this.handoverFlag = false;
    if (wasHeld) await RELEASE_LEASE.run(this.redis, [this.options.key], [this.token]);
  }

  /** Stops renewing without releasing: what a crashed holder leaves behind (tests use it). */
  abandon(): void {
    this.stopTimer();
    this.heldSince = undefined;
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async renew(): Promise<void> {
    if (this.renewing !== undefined || this.heldSince === undefined) return;
    const renewing = (async () => {
      try {
        const reply = (await RENEW_LEASE.run(
          this.redis,
          [this.options.key, this.options.handoverKey],
          [this.token, this.options.ttlMs],
        )) as [number, number];
        if (reply[0] !== 1) {
          this.markLost();
          return;
        }
        this.lastRenewed = Date.now();
        this.noteHandover(reply[1] === 1);
      } catch {
        // Redis is away: the lease may run out meanwhile, and then someone else may hold it.
        if (Date.now() - this.lastRenewed >= this.options.ttlMs) this.markLost();
      }
    })();
    this.renewing = renewing;
    await renewing;
    this.renewing = undefined;
  }
}

export class HandoverBusyError extends Error {
  constructor(key: string) {
    super(`another command is already taking over ${key}; try again shortly`);
    this.name = 'HandoverBusyError';
  }
}

/**
 * Asks the holder of a projection's live lease to step aside (it releases the lease between batches and waits
 * until the handover ends) and takes the lease. `end()` gives it back. A dead holder's lease is taken when it runs
 * out; nobody answering within `timeoutMs` is an error.
 */
export async function takeOverLease(
  redis: Redis,
  options: {
    readonly key: string;
    readonly handoverKey: string;
    readonly ttlMs: number;
    readonly timeoutMs: number;
  },
): Promise<{ readonly lease: Lease; end(): Promise<void> }> {
  const token = randomUUID();
  if ((await redis.set(options.handoverKey, token, 'PX', options.timeoutMs + 60_000, 'NX')) !== 'OK') {
    throw new HandoverBusyError(options.key);
  }
  const lease = new Lease(redis, {
    key: options.key,
    handoverKey: options.handoverKey,
    ttlMs: options.ttlMs,
    token,
  });
  const end = async () => {
    await lease.release();
    await RELEASE_LEASE.run(redis, [options.handoverKey], [token]);
  };
  try {
    const deadline = Date.now() + options.timeoutMs;
    while (!(await lease.tryAcquire())) {
      if (Date.now() > deadline) {
        throw new Error(`the holder of ${options.key} did not hand it over within ${options.timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { lease, end };
  } catch (error) {
    await end();
    throw error;
  }
}
