import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
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

const ROOT = resolve(__dirname, '../../..');

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
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
  const port = await freePort();
  const env = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'error',
    REDIS_KEY_PREFIX: `bench-${process.pid}:`,
    // One client hammering the server on purpose: the per-token and per-IP rate limits would answer 429.
    RATE_LIMIT_PER_TOKEN: '0',
    RATE_LIMIT_PER_IP: '0',
  };
  const server = spawn(process.execPath, [join(ROOT, 'dist/apps/server/src/main.js')], {
    env,
    stdio: 'inherit',
  });
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error('server did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
    const token = spawnSync(
      process.execPath,
      [join(ROOT, 'dist/apps/cli/src/main.js'), 'token', '--role', 'secretariat'],
      {
        env,
        encoding: 'utf8',
      },
    ).stdout.trim();
    let counter = 0;
    const result = await autocannon({
      url: `http://127.0.0.1:${port}/providers`,
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
    server.kill('SIGTERM');
    await new Promise((done) => server.once('exit', done));
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
