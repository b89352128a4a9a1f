import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startBuiltServer } from './built-server';
import { corporateNumberCheckDigit } from '../../libs/domain/src/providers/corporate-number';

export interface HttpBenchmarkResult {
  readonly name: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}

/**
 * `POST /providers` over HTTP against the built server in its own process (API + worker, embedded store with
 * fsync), each request a new provider so every one appends an event.
 */
export async function runHttpBenchmark(
  options: { connections?: number; durationSeconds?: number } = {},
): Promise<HttpBenchmarkResult> {
  const connections = options.connections ?? 32;
  const durationSeconds = options.durationSeconds ?? 10;
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-bench-http-'));
  const server = await startBuiltServer(dataDir, 'http');
  try {
    const token = server.token('secretariat');
    let counter = 0;
    const result = await autocannon({
      url: `${server.baseUrl}/providers`,
      connections,
      duration: durationSeconds,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          setupRequest: (request) => {
            counter++;
            const base = `8${String(counter).padStart(11, '0')}`;
            return {
              ...request,
              body: JSON.stringify({
                name: `Bench ${counter}`,
                corporateNumber: `${corporateNumberCheckDigit(base)}${base}`,
              }),
            };
          },
        },
      ],
    });
    return {
      name: 'POST /providers (HTTP, fsync on)',
      connections,
      durationSeconds,
      requests: result.requests.total,
      requestsPerSecond: Math.round(result.requests.average),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors,
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function formatHttpBenchmark(result: HttpBenchmarkResult): string {
  return [
    '| benchmark | connections | duration s | requests | requests/s | p50 ms | p99 ms | non-2xx | errors |',
    '|---|---|---|---|---|---|---|---|---|',
    `| ${result.name} | ${result.connections} | ${result.durationSeconds} | ${result.requests} | ${result.requestsPerSecond} | ` +
      `${result.p50Ms} | ${result.p99Ms} | ${result.non2xx} | ${result.errors} |`,
  ].join('\n');
}
