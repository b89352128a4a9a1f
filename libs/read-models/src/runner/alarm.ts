/**
 * Wakes a waiting loop early: a runner idles until the next housekeeping tick, unless a lease change, a handover
 * request or a stop rings the alarm first.
 */
export class Alarm {
  private waiters: (() => void)[] = [];

  ring(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves after `ms`, or at the next `ring()`. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.push(done);
    });
  }
}
