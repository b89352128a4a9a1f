import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface ChangeNotifierOptions {
  readonly file: string;
  /** `PRAGMA data_version` on the store's connection: it moves only when ANOTHER connection commits. */
  readonly dataVersion: () => number;
  readonly pollIntervalMs: number;
  readonly watchFiles: boolean;
}

/** How long after a file event to look again, for a commit whose WAL index was not yet published at the first look. */
const SETTLE_MS = 25;

/**
 * Wakes waiting subscriptions. Appends made through this store wake them directly (`notify` after COMMIT).
 * Appends made by other processes on the same file are noticed two ways, both only while a subscription is open:
 *
 * - `fs.watch` on the directory (inotify on Linux): the other writer's WAL writes wake us within milliseconds, with
 *   no cost while nothing is written. It does not work everywhere (network filesystems, some container volume
 *   mounts, exhausted inotify watches), hence
 * - a `PRAGMA data_version` check every `pollIntervalMs` (250 ms by default): a read of the WAL index header in
 *   shared memory, a few microseconds, so four a second is no load, and it bounds the delay below one second on any
 *   filesystem.
 *
 * A file event by itself proves nothing (our own writes and checkpoints trigger it too), so both paths only wake
 * waiters when `data_version` actually moved.
 */
export class ChangeNotifier {
  private readonly waiters = new Set<() => void>();
  private users = 0;
  private watcher: FSWatcher | undefined;
  private poller: NodeJS.Timeout | undefined;
  private settle: NodeJS.Timeout | undefined;
  private lastDataVersion: number | undefined;
  private closed = false;

  constructor(private readonly options: ChangeNotifierOptions) {}

  /** A subscription opened: watch for other processes while at least one is open. */
  acquire(): void {
    this.users += 1;
    if (this.users === 1 && !this.closed) this.start();
  }

  release(): void {
    this.users = Math.max(0, this.users - 1);
    if (this.users === 0) this.stop();
  }

  /** Wakes every current waiter. */
  notify(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  /**
   * Resolves at the next change. Callers must have read the log synchronously just before calling this, so a
   * commit cannot fall between their read and the registration.
   */
  nextChange(): { readonly changed: Promise<void>; readonly cancel: () => void } {
    let wake!: () => void;
    const changed = new Promise<void>((resolve) => {
      wake = resolve;
    });
    if (this.closed) {
      wake();
    } else {
      this.waiters.add(wake);
    }
    return {
      changed,
      cancel: () => {
        this.waiters.delete(wake);
        wake();
      },
    };
  }

  close(): void {
    this.closed = true;
    this.stop();
    this.notify();
  }

  private readonly check = (): void => {
    let version: number;
    try {
      version = this.options.dataVersion();
    } catch {
      // The connection is closing; close() wakes the waiters.
      return;
    }
    if (this.lastDataVersion !== undefined && version !== this.lastDataVersion) this.notify();
    this.lastDataVersion = version;
  };

  private start(): void {
    this.lastDataVersion = undefined;
    this.check();
    this.poller = setInterval(this.check, this.options.pollIntervalMs);
    if (!this.options.watchFiles) return;
    const database = basename(this.options.file);
    const names = new Set([database, `${database}-wal`]);
    try {
      this.watcher = watch(dirname(this.options.file), { persistent: false }, (_event, name) => {
        if (name !== null && !names.has(name)) return;
        setImmediate(this.check);
        this.settle ??= setTimeout(() => {
          this.settle = undefined;
          this.check();
        }, SETTLE_MS);
      });
      this.watcher.on('error', () => this.stopWatching());
    } catch {
      // No file notifications here (e.g. inotify limit reached): the poller alone keeps the one-second promise.
      this.watcher = undefined;
    }
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.settle !== undefined) clearTimeout(this.settle);
    this.settle = undefined;
  }

  private stop(): void {
    if (this.poller !== undefined) clearInterval(this.poller);
    this.poller = undefined;
    this.stopWatching();
  }
}
