/**
 * `npm run bench:projections`: a full rebuild of every projection of PROJECTIONS from the embedded store, into
 * memory (one pass over the log, the time-travel path) and into Redis (`cli rebuild`: one new generation per
 * projection, all fed from one subscription, switched live at the end), for logs of 100,000 and 1,000,000 generated events of
 * realistic size. Into memory, the first pass is reported apart (at 100,000 events it includes V8 compiling the
 * projection code, about a quarter of a second), then the median of three more passes. Then three passes that read
 * and parse the log and apply nothing: what the store alone costs on that machine at that time, the ceiling for any
 * projection code. A benchmark, not a test: it prints numbers and asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { SqliteEventStore } from '../../libs/event-store/src';
import type { EventStore, RecordedEvent } from '../../libs/event-store/src';
import { MemoryReadModel, PROJECTIONS, globEscape, rebuildProjections } from '../../libs/read-models/src';
import type { Projection } from '../../libs/read-models/src';
import { appendRealisticLog } from '../../libs/read-models/src/runner/testing/realistic-log';

export interface ProjectionsBenchmarkOptions {
  readonly sizes?: readonly number[];
  readonly redisUrl?: string;
  readonly projections?: readonly Projection[];
  readonly log?: (line: string) => void;
}

export interface ProjectionsBenchmarkRow {
  readonly events: number;
  /** `log` reads and parses the log and applies no projection: the ceiling the store sets on that day's machine. */
  readonly target: 'memory' | 'redis' | 'log';
  /**
   * Which pass over the log: the first in this process (the projection code not yet compiled by V8 at 100,000
   * events), or the median of the passes after it, with their range.
   */
  readonly pass: string;
  readonly projections: number;
  readonly durationMs: number;
  readonly eventsPerSecond: number;
  /** Event applications (an event counts once per projection that wants it). */
  readonly applications: number;
  /**
   * CPU time per log event: this process (all its threads, the garbage collector's included) and the Redis server
   * (the whole server: on a shared Redis, others' commands count too). Steadier than wall time on a busy machine.
   */
  readonly cpuMicrosPerEvent: number;
  readonly redisCpuMicrosPerEvent: number | undefined;
}

export interface ProjectionsBenchmarkResult {
  readonly cores: number;
  readonly cpuModel: string;
  /** Average stored event size (type + data + metadata JSON), bytes. */
  readonly averageEventBytes: number;
  readonly rows: readonly ProjectionsBenchmarkRow[];
  /** The lowest over the sizes of the median of the passes after the first. */
  readonly memoryEventsPerSecond: number;
  /** The lowest over the sizes of the first pass in this process. */
  readonly memoryFirstPassEventsPerSecond: number;
  /**
   * The lowest over the sizes of the median pass that reads and parses the log and applies nothing: no projection
   * code can make a rebuild into memory faster than this on the same machine at the same time.
   */
  readonly logReadEventsPerSecond: number;
  readonly redisEventsPerSecond: number;
}

const PAGE = 5000;
/** Passes into memory after the first, per size: their median is reported, with their range. */
const FURTHER_MEMORY_PASSES = 3;

async function rebuildInMemory(store: EventStore, projections: readonly Projection[]) {
  const models = projections.map(() => new MemoryReadModel());
  const wants = projections.map((p) => (p.eventTypes === undefined ? undefined : new Set(p.eventTypes)));
  let applications = 0;
  let events = 0;
  let bytes = 0;
  let from: string | undefined;
  for (;;) {
    const page: RecordedEvent[] = await store.readAll({
      ...(from === undefined ? {} : { fromPosition: from }),
      maxCount: PAGE,
    });
    for (const event of page) {
      events += 1;
      if (events % 97 === 0) bytes += JSON.stringify([event.type, event.data, event.metadata]).length;
      for (let i = 0; i < projections.length; i++) {
        if (wants[i]?.has(event.type) === false) continue;
        applications += 1;
        projections[i]!.evolve(models[i]!, event);
      }
    }
    const last = page[page.length - 1];
    if (last === undefined || page.length < PAGE) break;
    from = String(BigInt(last.position) + 1n);
  }
  return { applications, averageEventBytes: Math.round(bytes / Math.max(1, Math.floor(events / 97))) };
}

async function redisCpuMicros(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const seconds = (name: string): number => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6;
}

/**
 * Runs `body`, measuring wall time, this process's CPU time and the Redis server's. The heap is collected first when
 * the process allows it (`--expose-gc`, as `npm run bench` runs): what the previous pass left behind (a million-entry
 * model, the generated log's garbage) is not this pass's work.
 */
async function measured<T>(
  redis: Redis,
  events: number,
  body: () => Promise<T>,
): Promise<{ result: T; ms: number; cpu: number; redisCpu: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const redis0 = await redisCpuMicros(redis);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await body();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const redisCpu = (await redisCpuMicros(redis)) - redis0;
  return { result, ms, cpu: (cpu.user + cpu.system) / events, redisCpu: redisCpu / events };
}

async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

export async function runProjectionsBenchmark(
  options: ProjectionsBenchmarkOptions = {},
): Promise<ProjectionsBenchmarkResult> {
  const sizes = options.sizes ?? [100_000, 1_000_000];
  const projections = options.projections ?? PROJECTIONS;
  const say = options.log ?? ((line: string) => console.log(line));
  const redis = new Redis(options.redisUrl ?? process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const rows: ProjectionsBenchmarkRow[] = [];
  let averageEventBytes = 0;
  try {
    for (const size of sizes) {
      const directory = mkdtempSync(join(tmpdir(), 'ismap-bench-projections-'));
      const store = await SqliteEventStore.open({
        file: join(directory, 'events.db'),
        subscriptionPageSize: 1000,
      });
      const prefix = `bench-projections-${process.pid}-${size}:`;
      try {
        const t0 = performance.now();
        await appendRealisticLog(store, size, { seed: size });
        say(`generated ${size.toLocaleString('en-US')} events in ${Math.round(performance.now() - t0)} ms`);

        const memoryRow = (pass: string, memory: Awaited<ReturnType<typeof measuredMemory>>) => {
          averageEventBytes = memory.result.averageEventBytes;
          const row: ProjectionsBenchmarkRow = {
            events: size,
            target: 'memory',
            pass,
            projections: projections.length,
            durationMs: Math.round(memory.ms),
            eventsPerSecond: Math.round((size / memory.ms) * 1000),
            applications: memory.result.applications,
            cpuMicrosPerEvent: memory.cpu,
            redisCpuMicrosPerEvent: undefined,
          };
          say(`memory, ${pass}: ${row.eventsPerSecond} events/s, ${memory.cpu.toFixed(1)} µs CPU/event`);
          return row;
        };
        const measuredMemory = () => measured(redis, size, () => rebuildInMemory(store, projections));
        rows.push(
          memoryRow(
            rows.length === 0 ? 'first pass (the projection code runs for the first time)' : 'first pass',
            await measuredMemory(),
          ),
        );
        const further = [];
        for (let pass = 0; pass < FURTHER_MEMORY_PASSES; pass++) further.push(await measuredMemory());
        further.sort((a, b) => a.ms - b.ms);
        const rate = (ms: number) => Math.round((size / ms) * 1000).toLocaleString('en-US');
        rows.push(
          memoryRow(
            `median of the ${FURTHER_MEMORY_PASSES} passes after it ` +
              `(${rate(further[further.length - 1]!.ms)} – ${rate(further[0]!.ms)} events/s)`,
            further[Math.floor(further.length / 2)]!,
          ),
        );

        const reads = [];
        for (let pass = 0; pass < FURTHER_MEMORY_PASSES; pass++) {
          reads.push(await measured(redis, size, () => rebuildInMemory(store, [])));
        }
        reads.sort((a, b) => a.ms - b.ms);
        const read = reads[Math.floor(reads.length / 2)]!;
        rows.push({
          events: size,
          target: 'log',
          pass: `median of ${FURTHER_MEMORY_PASSES} passes (${rate(reads[reads.length - 1]!.ms)} – ${rate(reads[0]!.ms)} events/s)`,
          projections: 0,
          durationMs: Math.round(read.ms),
          eventsPerSecond: Math.round((size / read.ms) * 1000),
          applications: 0,
          cpuMicrosPerEvent: read.cpu,
          redisCpuMicrosPerEvent: undefined,
        });
        say(
          `log read alone: ${rows[rows.length - 1]!.eventsPerSecond} events/s, ${read.cpu.toFixed(1)} µs CPU/event`,
        );

        const rebuilt = await measured(redis, size, () =>
          rebuildProjections({
            store,
            redis,
            keyPrefix: prefix,
            projections,
            maxBatch: 1000,
            readerGraceMs: 0,
          }),
        );
        const results = rebuilt.result.map((outcome) => {
          if (!outcome.ok) throw outcome.error;
          return outcome.result;
        });
        rows.push({
          events: size,
          target: 'redis',
          pass: 'one pass',
          projections: projections.length,
          durationMs: Math.round(rebuilt.ms),
          eventsPerSecond: Math.round((size / rebuilt.ms) * 1000),
          applications: results.reduce((sum, r) => sum + r.applied, 0),
          cpuMicrosPerEvent: rebuilt.cpu,
          redisCpuMicrosPerEvent: rebuilt.redisCpu,
        });
        say(
          `redis: ${rows[rows.length - 1]!.eventsPerSecond} events/s, ${rebuilt.cpu.toFixed(1)} µs CPU/event here, ` +
            `${rebuilt.redisCpu.toFixed(1)} µs in Redis`,
        );
      } finally {
        await store.close();
        await deletePrefix(redis, prefix);
        rmSync(directory, { recursive: true, force: true });
      }
    }
  } finally {
    await redis.quit();
  }
  const worst = (target: ProjectionsBenchmarkRow['target'], first = false) =>
    Math.min(
      ...rows
        .filter(
          (row) => row.target === target && (target !== 'memory' || row.pass.startsWith('first') === first),
        )
        .map((row) => row.eventsPerSecond),
    );
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    averageEventBytes,
    rows,
    memoryEventsPerSecond: worst('memory'),
    memoryFirstPassEventsPerSecond: worst('memory', true),
    logReadEventsPerSecond: worst('log'),
    redisEventsPerSecond: worst('redis'),
  };
}

const TARGET_LABELS: Readonly<Record<ProjectionsBenchmarkRow['target'], string>> = {
  memory: 'memory',
  redis: 'redis',
  log: 'nothing: the log read and parsed alone',
};

/** A Markdown table, for the console and for BENCHMARKS.md. */
export function formatProjectionsBenchmark(result: ProjectionsBenchmarkResult): string {
  return [
    `Machine: ${result.cores} cores (${result.cpuModel}), Node ${process.version}; ` +
      `average event ${result.averageEventBytes} bytes of JSON`,
    '',
    '| log events | into | pass | projections | applications | seconds | events/s | CPU µs/event (this process) | CPU µs/event (Redis server) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...result.rows.map(
      (row) =>
        `| ${row.events.toLocaleString('en-US')} | ${TARGET_LABELS[row.target]} | ${row.pass} | ${row.projections} | ` +
        `${row.applications.toLocaleString('en-US')} | ${(row.durationMs / 1000).toFixed(1)} | ` +
        `${row.eventsPerSecond.toLocaleString('en-US')} | ${row.cpuMicrosPerEvent.toFixed(1)} | ` +
        `${row.redisCpuMicrosPerEvent === undefined ? '–' : row.redisCpuMicrosPerEvent.toFixed(1)} |`,
    ),
  ].join('\n');
}

if (require.main === module) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => Number.isSafeInteger(n) && n > 0);
  runProjectionsBenchmark(sizes.length > 0 ? { sizes } : {}).then(
    (result) => console.log(formatProjectionsBenchmark(result)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
