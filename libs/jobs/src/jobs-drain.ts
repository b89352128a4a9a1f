import type { BeforeApplicationShutdown } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import type { Worker } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '@ismap/config';

/** Time left for the store and Redis to close after the drain, inside SHUTDOWN_TIMEOUT_MS. */
const CLOSE_MARGIN_MS = 2000;

export function drainBudgetMs(shutdownTimeoutMs: number): number {
  return Math.max(500, shutdownTimeoutMs - CLOSE_MARGIN_MS);
}

/**
 * On shutdown (SIGTERM), every BullMQ worker of the process stops taking jobs and lets its active jobs finish,
 * before the store and Redis close (those close in onApplicationShutdown, after this hook). A job still running
 * when the budget is spent is abandoned, not failed: its lock expires and another worker retries it as stalled,
 * and its commands are idempotent by derived command id, so the retry cannot apply an effect twice.
 */
@Injectable()
export class JobsDrain implements BeforeApplicationShutdown {
  private readonly logger = new Logger(JobsDrain.name);

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private workers(): Worker[] {
    return this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is WorkerHost => instance instanceof WorkerHost)
      .flatMap((host) => {
        try {
          return [host.worker];
        } catch {
          return []; // a WorkerHost whose worker was never created (e.g. the explorer did not run)
        }
      });
  }

  async beforeApplicationShutdown(): Promise<void> {
    const workers = this.workers();
    if (workers.length === 0) return;
    const budget = drainBudgetMs(this.config.shutdownTimeoutMs);
    let timer: NodeJS.Timeout | undefined;
    // Pause (stop taking jobs, wait for the active ones) rather than close: BullMQ's close cannot be forced
    // once a graceful close is under way, and a forced close is what the timeout needs.
    const drained = Promise.all(workers.map((worker) => worker.pause())).then(() => true);
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), budget);
    });
    const finished = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    if (finished) {
      this.logger.log({ msg: 'job workers drained', workers: workers.length });
      await Promise.all(workers.map((worker) => worker.close()));
      return;
    }
    this.logger.warn({
      msg: 'job drain timed out: abandoning active jobs to stalled-job recovery',
      budgetMs: budget,
    });
    await Promise.all(workers.map((worker) => worker.close(true)));
  }
}
