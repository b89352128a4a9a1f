/**
 * `npm run bench:store`: appends per second on the embedded store with fsync on (synchronous=FULL), single-event
 * appends from 32 concurrent callers, each to its own stream with an exact expected revision, as command handlers
 * append. Every append includes its hash-chain link (canonical JSON and SHA-256 per event, the head's hash read
 * inside the write transaction). A benchmark, not a test: it prints numbers and asserts nothing.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteEventStore, deriveEventId } from '../../libs/event-store/src';
import type { EventToAppend } from '../../libs/event-store/src';

export interface StoreBenchmarkOptions {
  readonly concurrency?: number;
  readonly streams?: number;
  /** Stops at whichever comes first: this many appends or `durationMs`. */
  readonly maxAppends?: number;
  readonly durationMs?: number;
  readonly warmUpAppends?: number;
}

export interface StoreBenchmarkResult {
  readonly name: string;
  readonly cores: number;
  readonly cpuModel: string;
  readonly concurrency: number;
  readonly streams: number;
  readonly appends: number;
  readonly durationMs: number;
  readonly appendsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Group commit at work: transactions (fsyncs) and appends per transaction. */
  readonly transactions: number;
  readonly appendsPerTransaction: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? 0;
}

function providerRegistered(caller: number, n: number): EventToAppend {
  const commandId = randomUUID();
  return {
    id: deriveEventId(commandId, 0),
    type: 'ProviderRegistered',
    data: {
      providerId: `bench-${caller}-${n}`,
      name: 'クラウドサービス事業者株式会社',
      corporateNumber: '1234567890123',
    },
    metadata: {
      actor: { sub: 'benchmark', roles: ['secretariat'] },
      correlationId: commandId,
      causationId: commandId,
      commandId,
      occurredOn: '2024-04-01',
      recordedAt: new Date().toISOString(),
      schemaVersion: 1,
      rulesetVersion: '2023.1',
    },
  };
}

export async function runStoreBenchmark(options: StoreBenchmarkOptions = {}): Promise<StoreBenchmarkResult> {
  const concurrency = options.concurrency ?? 32;
  const streams = options.streams ?? 32;
  const maxAppends = options.maxAppends ?? 50_000;
  const durationMs = options.durationMs ?? 5_000;
  const warmUp = options.warmUpAppends ?? 2_000;
  if (concurrency > streams) {
    // Callers sharing a stream would race on its expected revision and measure conflicts, not appends.
    throw new RangeError('concurrency must not exceed streams');
  }
  const directory = mkdtempSync(join(tmpdir(), 'ismap-bench-store-'));
  const store = await SqliteEventStore.open({ file: join(directory, 'events.db') });
  try {
    const revisions = new Map<string, number | 'no_stream'>();
    const appendOne = async (caller: number, n: number) => {
      const streamName = `benchmark-${caller % streams}`;
      const result = await store.appendToStream(streamName, [providerRegistered(caller, n)], {
        expectedRevision: revisions.get(streamName) ?? 'no_stream',
      });
      revisions.set(streamName, result.nextExpectedRevision);
    };

    let warmed = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, caller) => {
        while (warmed < warmUp) await appendOne(caller, warmed++);
      }),
    );

    const latencies = new Float64Array(maxAppends);
    let issued = 0;
    let completed = 0;
    const before = store.stats;
    const started = performance.now();
    const deadline = started + durationMs;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, caller) => {
        while (issued < maxAppends && performance.now() < deadline) {
          issued += 1;
          const t0 = performance.now();
          await appendOne(caller, issued);
          latencies[completed++] = performance.now() - t0;
        }
      }),
    );
    const elapsed = performance.now() - started;
    const transactions = store.stats.transactions - before.transactions;

    const sorted = latencies.slice(0, completed).sort();
    return {
      name: 'embedded store, synchronous=FULL',
      cores: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'unknown',
      concurrency,
      streams,
      appends: completed,
      durationMs: Math.round(elapsed),
      appendsPerSecond: Math.round((completed / elapsed) * 1000),
      p50Ms: Number(percentile(sorted, 50).toFixed(2)),
      p99Ms: Number(percentile(sorted, 99).toFixed(2)),
      maxMs: Number(percentile(sorted, 100).toFixed(2)),
      transactions,
      appendsPerTransaction: Number((completed / Math.max(1, transactions)).toFixed(1)),
    };
  } finally {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** A Markdown table, for the console and for BENCHMARKS.md. */
export function formatStoreBenchmark(result: StoreBenchmarkResult): string {
  return [
    `Machine: ${result.cores} cores (${result.cpuModel}), Node ${process.version}`,
    '',
    '| benchmark | callers / streams | appends | appends/s | p50 ms | p99 ms | max ms | appends per fsync |',
    '|---|---|---|---|---|---|---|---|',
    `| ${result.name} | ${result.concurrency} / ${result.streams} | ${result.appends} | ${result.appendsPerSecond} | ` +
      `${result.p50Ms} | ${result.p99Ms} | ${result.maxMs} | ${result.appendsPerTransaction} |`,
  ].join('\n');
}

if (require.main === module) {
  runStoreBenchmark().then(
    (result) => console.log(formatStoreBenchmark(result)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
