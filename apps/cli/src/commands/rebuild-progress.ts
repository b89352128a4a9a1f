import type { RebuildProgress } from '@ismap/read-models';

export interface ProgressOutput {
  readonly isTTY: boolean;
  readonly columns?: number;
  write(text: string): void;
}

/**
 * The progress of one or more concurrent rebuilds. On a terminal: one bar redrawn in place with events/s and the
 * time left; otherwise a plain line every few seconds (logs and CI keep readable output).
 */
export class RebuildProgressView {
  private readonly latest = new Map<string, RebuildProgress>();
  private readonly started: number;
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly out: ProgressOutput,
    private readonly plainEveryMs = 2000,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  update(progress: RebuildProgress): void {
    this.latest.set(progress.projection, progress);
    const now = this.now();
    const interval = this.out.isTTY ? 100 : this.plainEveryMs;
    const finished = [...this.latest.values()].every((p) => p.phase === 'done' || p.phase === 'failed');
    if (now - this.lastDraw < interval && !finished) return;
    this.lastDraw = now;
    if (this.out.isTTY) {
      this.out.write(`\r${this.line(now)}\u001b[K`);
      this.drawn = true;
    } else {
      this.out.write(`${this.line(now)}\n`);
    }
  }

  /** Ends the bar's line so what follows starts on a fresh one. */
  finish(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }

  line(now: number = this.now()): string {
    const all = [...this.latest.values()];
    let done = 0n;
    let total = 0n;
    for (const p of all) {
      const head = BigInt(p.head ?? '0');
      const at = BigInt(p.checkpoint ?? '0');
      total += head;
      done += at < head ? at : head;
    }
    const fraction = total === 0n ? 1 : Number((done * 10_000n) / total) / 10_000;
    const seconds = Math.max(0.001, (now - this.started) / 1000);
    // The rebuilds read one subscription: the log position they have reached, per second, is the log's events/s
    // (positions are event numbers on the embedded store).
    const rate = all.length === 0 ? 0 : Math.round(Number(done / BigInt(all.length)) / seconds);
    const left = fraction > 0 && fraction < 1 ? (seconds * (1 - fraction)) / fraction : 0;
    const phases = new Set(all.map((p) => p.phase));
    const label = all.length === 1 && all[0] !== undefined ? all[0].projection : `${all.length} projections`;
    const phase = phases.has('building') ? 'building' : [...phases].join('/');
    const text =
      `${label} ${phase} ${(fraction * 100).toFixed(1).padStart(5)}%  ` +
      `${rate.toLocaleString('en-US')} events/s  ${formatDuration(left)} left`;
    if (!this.out.isTTY) return text;
    const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - text.length - 4));
    const filled = Math.round(fraction * width);
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`;
  }
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}
