import type { Redis } from 'ioredis';
import type { EventStore } from '@ismap/event-store';
import type { Projection } from '../projection';
import type { GenerationKeys, ProjectionKeys } from '../redis/keys';
import { projectionKeys } from '../redis/keys';
import type { ParkedEvent } from '../redis/generations';
import { readLiveGeneration, readMeta, readPendingUpgrade } from '../redis/generations';
import { INIT_GENERATION } from '../redis/scripts';
import { Alarm } from './alarm';
import type { FeedEnd } from './feed';
import { feed } from './feed';
import { DEFAULT_LEASE_TTL_MS, Lease } from './lease';
import { RebuildBusyError, RebuildHaltedError, rebuildProjection } from './rebuild';
import type { ProjectionStatus } from './status';
import { readProjectionStatus } from './status';

export interface RunnerLog {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export interface ProjectionRunnerOptions {
  readonly store: EventStore;
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly projection: Projection;
  /** Lease time to live; another runner takes over this long after a holder died. */
  readonly leaseTtlMs?: number;
  readonly maxBatch?: number;
  /** Housekeeping interval while idle (persisting a filtered checkpoint, noticing a halt being lifted). */
  readonly idleTickMs?: number;
  readonly retryDelayMs?: number;
  readonly log?: RunnerLog;
}

/**
 * `upgrade-halted`: the new version's code halted while rebuilding (a `stop` projection's poison event); the old
 * generation keeps serving, not updated, until `projections retry` or new code. `outdated`: the live generation
 * was built by a newer version than this code; the runner leaves it to a runner of that version.
 */
export type RunnerState =
  | 'stopped'
  | 'standby'
  | 'catching-up'
  | 'live'
  | 'halted'
  | 'rebuilding'
  | 'upgrade-halted'
  | 'outdated'
  | 'handing-over'
  | 'failing';

export interface RunnerStatus extends ProjectionStatus {
  readonly state: RunnerState;
  /** Events this runner applied since it started. */
  readonly appliedHere: number;
}

const silent: RunnerLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Keeps one projection's live generation up to date from a checkpointed `$all` subscription, while it holds the
 * projection's lease; other runners (other worker processes) wait in standby and take over when the lease
 * expires. Follows the `live` pointer: after a rebuild's switch its next write is refused and it resumes on the
 * new generation. When the live generation was built by an older projection version it builds a new one first
 * (resuming the build an earlier attempt left); when by a newer one, it stands by without writing.
 */
export class ProjectionRunner {
  private readonly keys: ProjectionKeys;
  private readonly alarm = new Alarm();
  private readonly lease: Lease;
  private readonly log: RunnerLog;
  private readonly ttlMs: number;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private currentState: RunnerState = 'stopped';
  private applied = 0;
  private missesReported = false;
  /** What was last logged about an outdated runner or a halted upgrade, so each is logged once, not every tick. */
  private reported: string | undefined;

  constructor(private readonly options: ProjectionRunnerOptions) {
    this.keys = projectionKeys(options.keyPrefix, options.projection.name);
    this.ttlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.log = options.log ?? silent;
    this.lease = new Lease(options.redis, {
      key: this.keys.lease,
      handoverKey: this.keys.handover,
      ttlMs: this.ttlMs,
      onChange: () => this.alarm.ring(),
    });
  }

  get name(): string {
    return this.options.projection.name;
  }

  get state(): RunnerState {
    return this.currentState;
  }

  get holdsLease(): boolean {
    return this.lease.held;
  }

  start(): void {
    if (this.loop !== undefined) return;
    this.stopping = false;
    this.loop = this.run().finally(() => {
      this.loop = undefined;
      this.currentState = 'stopped';
    });
  }

  /** Ends after the batch being written (if any) and releases the lease for the next runner. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.alarm.ring();
    await this.loop;
  }

  /** What a process killed mid-work leaves behind: no release, the lease runs out on its own (tests). */
  async abandon(): Promise<void> {
    this.lease.abandon();
    this.stopping = true;
    this.alarm.ring();
    await this.loop;
  }

  async status(): Promise<RunnerStatus> {
    const status = await readProjectionStatus(
      this.options.store,
      this.options.redis,
      this.options.keyPrefix,
      this.options.projection,
    );
    return { ...status, state: this.currentState, appliedHere: this.applied };
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        if (!this.lease.held) {
          // Checked before taking the lease, or an older runner would take it again and again from the one
          // that should hold it.
          const newer = await this.newerLiveVersion();
          if (newer !== undefined) {
            this.standByOutdated(newer);
            await this.alarm.wait(Math.max(50, Math.floor(this.ttlMs / 3)));
            continue;
          }
          this.currentState = 'standby';
          if (!(await this.lease.tryAcquire())) {
            await this.alarm.wait(Math.max(50, Math.floor(this.ttlMs / 3)));
            continue;
          }
          this.log.info(`${this.name}: lease acquired`);
        }
        const end = await this.serve();
        if (typeof end === 'number') {
          this.standByOutdated(end);
          await this.lease.release();
        } else if (end === 'handover') {
          this.currentState = 'handing-over';
          await this.lease.release();
          await this.waitWhile(async () => (await this.options.redis.exists(this.keys.handover)) === 1);
        } else if (end === 'lease-lost') {
          this.log.warn(`${this.name}: lease lost; standing by`);
          await this.lease.release();
        }
      } catch (error) {
        if (this.stopping) break;
        this.currentState = 'failing';
        this.log.error(`${this.name}: runner failed; resuming from the checkpoint`, { err: error });
        await this.alarm.wait(this.options.retryDelayMs ?? 1000);
      }
    }
    if (this.lease.held) await this.lease.release().catch(() => undefined);
  }

  private interrupted(): FeedEnd | undefined {
    if (this.stopping) return 'stopped';
    if (this.lease.lost) return 'lease-lost';
    if (this.lease.handoverRequested) return 'handover';
    return undefined;
  }

  /** Ends as the feed did, or with the live generation's version when it is newer than this code's. */
  private async serve(): Promise<FeedEnd | number> {
    const { redis, projection } = this.options;
    for (;;) {
      const stop = this.interrupted();
      if (stop !== undefined) return stop;
      const generation = (await readLiveGeneration(redis, this.keys)) ?? (await this.initGeneration());
      if (generation === undefined) continue;
      const generationKeys = this.keys.generation(generation);
      const meta = await readMeta(redis, generationKeys);
      if (meta.version !== undefined && meta.version > projection.version) return meta.version;
      if (meta.version !== projection.version) {
        await this.upgrade(meta.version);
        continue;
      }
      this.reported = undefined;
      if ((await redis.exists(generationKeys.halted)) === 1) {
        this.currentState = 'halted';
        await this.alarm.wait(this.options.idleTickMs ?? 1000);
        continue;
      }
      const end = await this.follow(generationKeys);
      if (end === 'halted') this.log.error(`${this.name}: halted on a parked event (onError: stop)`);
      if (end === 'generation-changed' || end === 'checkpoint-conflict' || end === 'halted') continue;
      return end;
    }
  }

  private async follow(generationKeys: GenerationKeys): Promise<FeedEnd> {
    this.currentState = 'catching-up';
    const [end] = await feed({
      store: this.options.store,
      redis: this.options.redis,
      alarm: this.alarm,
      maxBatch: this.options.maxBatch ?? 500,
      idleTickMs: this.options.idleTickMs ?? 1000,
      stopping: () => this.stopping,
      members: [
        {
          target: {
            mode: 'live',
            projection: this.options.projection,
            keys: this.keys,
            generation: generationKeys,
            leaseKey: this.keys.lease,
            token: this.lease.token,
          },
          lease: this.lease,
          onBatch: (outcome) => {
            this.applied += outcome.applied;
            for (const parked of outcome.parked) {
              this.log.warn(`${this.name}: parked ${parked.type} at ${parked.position}: ${parked.error}`);
            }
            if (outcome.misses > 0 && !this.missesReported) {
              this.missesReported = true;
              this.log.warn(`${this.name}: evolve reads documents or counters its prefetch does not name`);
            }
          },
          caughtUp: () => {
            this.currentState = 'live';
            return Promise.resolve(false);
          },
        },
      ],
    });
    return end ?? 'stopped';
  }

  /** The projection's first generation: empty and live at once, filled by this runner from the start. */
  private async initGeneration(): Promise<number | undefined> {
    const { redis, projection } = this.options;
    const generation = await redis.incr(this.keys.generationSeq);
    const reply = await INIT_GENERATION.run(
      redis,
      [this.keys.lease, this.keys.live, this.keys.generation(generation).meta],
      [this.lease.token, generation, projection.version, new Date().toISOString()],
    );
    if (reply === 'LEASE') {
      this.lease.markLost();
      return undefined;
    }
    return Number(reply);
  }

  /**
   * A new projection version: the old generation keeps serving until the new one, built here, replaces it. A
   * build that halted stays halted (kept, with its parked event) until `projections retry` lifts the halt, then
   * resumes where it stopped; new code of another version discards it and starts again.
   */
  private async upgrade(liveVersion: number | undefined): Promise<void> {
    const { redis, projection } = this.options;
    const pending = await readPendingUpgrade(redis, this.keys);
    if (pending?.version === projection.version && pending.halted !== undefined) {
      this.upgradeHalted(liveVersion, pending.generation, pending.halted);
      await this.alarm.wait(this.options.idleTickMs ?? 1000);
      return;
    }
    this.currentState = 'rebuilding';
    this.log.info(
      `${this.name}: live generation has version ${String(liveVersion)}, code has ` +
        `${projection.version}; ` +
        (pending?.version === projection.version
          ? `resuming the rebuild into generation ${pending.generation}`
          : 'rebuilding'),
    );
    try {
      const result = await rebuildProjection({
        store: this.options.store,
        redis: this.options.redis,
        keyPrefix: this.options.keyPrefix,
        projection: this.options.projection,
        leaseTtlMs: this.ttlMs,
        ...(this.options.maxBatch === undefined ? {} : { maxBatch: this.options.maxBatch }),
        shouldStop: () => this.interrupted() !== undefined,
        takeOverLiveLease: false,
        upgrade: true,
      });
      this.log.info(`${this.name}: rebuilt into generation ${result.generation}`, {
        events: result.applied,
        ms: result.durationMs,
      });
    } catch (error) {
      if (this.interrupted() !== undefined) return;
      if (error instanceof RebuildHaltedError && error.generation !== undefined) {
        this.upgradeHalted(liveVersion, error.generation, error.parked);
        return;
      }
      if (!(error instanceof RebuildBusyError)) throw error;
      // Someone else (`cli rebuild`) is building it; look again later.
      await this.alarm.wait(this.options.idleTickMs ?? 1000);
    }
  }

  private upgradeHalted(liveVersion: number | undefined, generation: number, parked: ParkedEvent): void {
    this.currentState = 'upgrade-halted';
    const what = `upgrade-halted ${generation} ${parked.position} ${parked.error}`;
    if (this.reported === what) return;
    this.reported = what;
    this.log.error(
      `${this.name}: the upgrade to v${this.options.projection.version} halted at position ` +
        `${parked.position} (${parked.type} ${parked.eventId}): ${parked.error}. The v${String(liveVersion)} ` +
        `generation keeps serving, not updated; fix the code and run \`projections retry ${this.name}\` ` +
        `(same version), or deploy it as a new version`,
    );
  }

  /** The live generation's version, if it is newer than this code's. */
  private async newerLiveVersion(): Promise<number | undefined> {
    const { redis, projection } = this.options;
    const generation = await readLiveGeneration(redis, this.keys);
    if (generation === undefined) return undefined;
    const { version } = await readMeta(redis, this.keys.generation(generation));
    return version !== undefined && version > projection.version ? version : undefined;
  }

  private standByOutdated(liveVersion: number): void {
    this.currentState = 'outdated';
    const what = `outdated ${liveVersion}`;
    if (this.reported === what) return;
    this.reported = what;
    this.log.warn(
      `${this.name}: the live generation was built by v${liveVersion}, newer than this code's ` +
        `v${this.options.projection.version}; standing by without writing (a runner of the newer version ` +
        'keeps it up to date)',
    );
  }

  private async waitWhile(condition: () => Promise<boolean>): Promise<void> {
    while (!this.stopping && (await condition())) {
      await this.alarm.wait(Math.min(200, this.options.idleTickMs ?? 1000));
    }
  }
}
