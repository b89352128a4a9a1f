import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { formatHttpBenchmark, runHttpBenchmark } from './http.bench';
import { REFERENCE_ROUNDS, formatMachineReference, measureMachineReference } from './machine-reference';
import type { MachineReference } from './machine-reference';
import { formatProjectionsBenchmark, runProjectionsBenchmark } from './projections.bench';
import { formatReadBenchmark, runReadBenchmark } from './read.bench';
import { formatStoreBenchmark, runStoreBenchmark } from './store.bench';

type Target = readonly [name: string, met: boolean, measured: string];
interface Section {
  readonly title: string;
  readonly table: string;
  readonly targets: readonly Target[];
}

const SUITES: Readonly<Record<string, () => Promise<Section>>> = {
  store: async () => {
    const store = await runStoreBenchmark();
    return {
      title: 'Event store: single-event appends, 32 concurrent callers on 32 streams',
      table: formatStoreBenchmark(store),
      targets: [['store appends/s ≥ 5,000', store.appendsPerSecond >= 5000, `${store.appendsPerSecond}`]],
    };
  },
  http: async () => {
    const http = await runHttpBenchmark();
    return {
      title:
        'HTTP: `POST /providers`, a new provider per request (autocannon, built server, API + worker in one process)',
      table: formatHttpBenchmark(http),
      targets: [
        ['HTTP commands/s ≥ 1,500', http.requestsPerSecond >= 1500, `${http.requestsPerSecond}`],
        ['HTTP p99 ≤ 50 ms', http.p99Ms <= 50, `${http.p99Ms} ms`],
        [
          'HTTP: no non-2xx, no errors',
          http.non2xx === 0 && http.errors === 0,
          `${http.non2xx} / ${http.errors}`,
        ],
      ],
    };
  },
  projections: async () => {
    const projections = await runProjectionsBenchmark();
    return {
      title:
        'Projections: full rebuild of every projection from the embedded store (generated realistic events)',
      table: formatProjectionsBenchmark(projections),
      targets: [
        [
          'rebuild into memory ≥ 100,000 events/s (median of the passes after the first)',
          projections.memoryEventsPerSecond >= 100_000,
          `${projections.memoryEventsPerSecond} (the log read alone, no projection: ${projections.logReadEventsPerSecond})`,
        ],
        [
          'rebuild into memory ≥ 100,000 events/s, first pass of the process (code not yet compiled)',
          projections.memoryFirstPassEventsPerSecond >= 100_000,
          `${projections.memoryFirstPassEventsPerSecond}`,
        ],
        [
          'rebuild into Redis ≥ 30,000 events/s',
          projections.redisEventsPerSecond >= 30_000,
          `${projections.redisEventsPerSecond}`,
        ],
      ],
    };
  },
  read: async () => {
    const read = await runReadBenchmark();
    return {
      title: 'Read side: time travel and the public list',
      table: formatReadBenchmark(read),
      targets: [
        [
          'asOf list over 100,000 events ≤ 500 ms',
          read.asOfMaxMs <= 500,
          `median ${read.asOfMedianMs} ms, max ${read.asOfMaxMs} ms`,
        ],
        [
          `list requests/s ≥ 5,000 at 64 connections (compressed, as clients ask; ${read.listClient})`,
          read.listRequestsPerSecond >= 5000,
          `${read.listRequestsPerSecond}`,
        ],
        ['list p99 ≤ 20 ms', read.listP99Ms <= 20, `${read.listP99Ms} ms`],
      ],
    };
  },
};

/**
 * `npm run bench` runs every suite and writes BENCHMARKS.md; `npm run bench:store` / `bench:projections` run some
 * and only print. Targets are checked here, never in tests. The load generator (autocannon) runs on the same
 * cores as the server it measures.
 */
async function main(names: readonly string[]): Promise<void> {
  const chosen = names.length === 0 ? Object.keys(SUITES) : names;
  const sections: Section[] = [];
  const references: [when: string, reference: MachineReference][] = [];
  const reference = (when: string): void => {
    const measured = measureMachineReference();
    references.push([when, measured]);
    console.log(`machine reference ${when}: ${formatMachineReference(measured)}`);
  };
  for (const name of chosen) {
    const suite = SUITES[name];
    if (suite === undefined)
      throw new Error(`unknown benchmark suite ${name}; known: ${Object.keys(SUITES).join(', ')}`);
    reference(`before ${name}`);
    const section = await suite();
    console.log(`\n## ${section.title}\n\n${section.table}`);
    sections.push(section);
  }
  reference('at the end');
  const referenceLine =
    `Machine reference (JSON parse and stringify of one stored event on one thread, best of ${REFERENCE_ROUNDS} rounds; lower is ` +
    `faster, see test/bench/machine-reference.ts): ${references.map(([when, r]) => `${when} ${formatMachineReference(r)}`).join(', ')}.`;
  console.log(`\n${referenceLine}`);
  const targets = sections.flatMap((s) => s.targets);
  const summary = [
    '| target | met | measured |',
    '|---|---|---|',
    ...targets.map(([name, met, value]) => `| ${name} | ${met ? 'yes' : '**no**'} | ${value} |`),
  ];
  console.log(`\n${summary.join('\n')}`);
  if (names.length > 0) return;
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString()}: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}.`,
    'Embedded store with `synchronous=FULL` (every acknowledged append is fsynced). The HTTP load generator shares the',
    'same cores as the server it measures.',
    '',
    referenceLine,
    '',
    ...sections.flatMap((s) => [`## ${s.title}`, '', s.table, '']),
    '## Targets (2 cores)',
    '',
    ...summary,
    '',
  ];
  writeFileSync(join(resolve(__dirname, '../../..'), 'BENCHMARKS.md'), lines.join('\n'));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
