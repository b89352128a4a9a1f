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

export class LeaseWaitStoppedError extends Error {
  constructor(key: string) {
    super(`stopped while waiting for ${key}`);
    this.name = 'LeaseWaitStoppedError';
  }
}

/**
 * How long a handover request outlives its holder, in lease TTLs. The request is renewed while its holder lives,
 * so a command killed before it could withdraw it (Ctrl-C, SIGKILL) holds the live runner up for at most this.
 */
export const HANDOVER_TTL_LEASES = 3;

/**
 * Takes a lease, trying every 50 ms until `timeoutMs` has passed (an error naming `what`) or `shouldStop` says
 * so (LeaseWaitStoppedError).
 */
export async function acquireWithin(
  lease: Lease,
  timeoutMs: number,
  what: string,
  shouldStop?: () => boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await lease.tryAcquire())) {
    if (shouldStop?.() === true) throw new LeaseWaitStoppedError(lease.key);
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface Takeover {
  readonly lease: Lease;
  /** Gives the lease back and withdraws the request. */
  end(): Promise<void>;
  /** Stops renewing without giving anything back: what a killed command leaves behind (tests use it). */
  abandon(): void;
}

/**
 * Asks the holder of a projection's live lease to step aside (it releases the lease between batches and waits
 * until the handover ends) and takes the lease. `end()` gives it back. A dead holder's lease is taken when it runs
 * out; nobody answering within `timeoutMs` is an error, and so is `shouldStop` turning true while waiting.
 *
 * The request itself is a lease on the handover key (token compared, renewed while this process lives, a few
 * lease TTLs long): a request whose reply was lost and that ioredis sends again is recognised as ours, and one
 * left by a killed command runs out soon instead of stalling the runner.
 */
export async function takeOverLease(
  redis: Redis,
  options: {
    readonly key: string;
    readonly handoverKey: string;
    readonly ttlMs: number;
    readonly timeoutMs: number;
    readonly shouldStop?: () => boolean;
  },
): Promise<Takeover> {
  const token = randomUUID();
  const request = new Lease(redis, {
    key: options.handoverKey,
    handoverKey: options.handoverKey,
    ttlMs: HANDOVER_TTL_LEASES * options.ttlMs,
    token,
  });
  const lease = new Lease(redis, {
    key: options.key,
    handoverKey: options.handoverKey,
    ttlMs: options.ttlMs,
    token,
  });
  const end = async () => {
    await lease.release();
    await request.release();
  };
  const abandon = () => {
    lease.abandon();
    request.abandon();
  };
  let requested: boolean;
  try {
    requested = await request.tryAcquire();
  } catch (error) {
    // The request may have been stored and only its reply lost: withdraw it if it is there.
    await RELEASE_LEASE.run(redis, [options.handoverKey], [token]).catch(() => undefined);
    throw error;
  }
  if (!requested) throw new HandoverBusyError(options.key);
  try {
    await acquireWithin(
      lease,
      options.timeoutMs,
      `the holder of ${options.key} did not hand it over`,
      options.shouldStop,
    );
    return { lease, end, abandon };
  } catch (error) {
    await end();
    throw error;
  }
}
