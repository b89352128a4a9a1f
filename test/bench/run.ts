import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { formatHttpBenchmark, runHttpBenchmark } from './http.bench';
import { formatStoreBenchmark, runStoreBenchmark } from './store.bench';

/** `npm run bench`: every benchmark, printed and written to BENCHMARKS.md. Targets are checked here, not in tests. */
async function main(): Promise<void> {
  const store = await runStoreBenchmark();
  console.log(formatStoreBenchmark(store));
  const http = await runHttpBenchmark();
  console.log(formatHttpBenchmark(http));
  const targets = [
    ['store appends/s ≥ 5,000', store.appendsPerSecond >= 5000, `${store.appendsPerSecond}`],
    ['HTTP commands/s ≥ 1,500', http.requestsPerSecond >= 1500, `${http.requestsPerSecond}`],
    ['HTTP p99 ≤ 50 ms', http.p99Ms <= 50, `${http.p99Ms} ms`],
    [
      'HTTP: no non-2xx, no errors',
      http.non2xx === 0 && http.errors === 0,
      `${http.non2xx} / ${http.errors}`,
    ],
  ] as const;
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString()}: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}.`,
    'Embedded store with `synchronous=FULL` (every acknowledged append is fsynced).',
    '',
    '## Event store: single-event appends, 32 concurrent callers on 32 streams',
    '',
    formatStoreBenchmark(store),
    '',
    '## HTTP: `POST /providers`, a new provider per request (autocannon, built server, API + worker in one process)',
    '',
    formatHttpBenchmark(http),
    '',
    '## Targets (2 cores)',
    '',
    '| target | met | measured |',
    '|---|---|---|',
    ...targets.map(([name, met, value]) => `| ${name} | ${met ? 'yes' : '**no**'} | ${value} |`),
    '',
  ];
  writeFileSync(join(resolve(__dirname, '../../..'), 'BENCHMARKS.md'), lines.join('\n'));
  console.log(lines.slice(-targets.length - 3).join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
