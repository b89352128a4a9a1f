/**
 * wrk (a C load generator, Debian package `wrk`) for the list benchmark, next to autocannon. Both share the two
 * cores with the server they measure; autocannon, in JavaScript, takes a large share of them and does not keep the
 * server saturated, so its numbers say as much about the client as about the server. The server's own CPU time per
 * request is measured either way (from /proc), so a reader can see what the server costs under each client.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LoadResult {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Socket errors: connect, read, write, timeout. */
  readonly errors: number;
  /** Answers with a status of 400 or more. */
  readonly badStatuses: number;
  readonly bytesPerResponse: number;
}

/** wrk's report hook: one JSON line, so nothing depends on the layout of its human summary. */
const REPORT_SCRIPT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK-JSON {"requests":%d,"durationUs":%d,"bytes":%d,"socketErrors":%d,"badStatuses":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
`;

/** The wrk binary when one is installed (`apt-get install wrk`), else undefined. */
export function findWrk(): string | undefined {
  const found = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  // wrk prints its version and usage, exiting 1; a missing binary is ENOENT.
  if (found.error !== undefined) return undefined;
  return /^wrk /m.test(`${found.stdout}${found.stderr}`) ? 'wrk' : undefined;
}

export async function runWrk(
  wrk: string,
  url: string,
  headers: Readonly<Record<string, string>>,
  options: { readonly connections: number; readonly seconds: number; readonly threads?: number },
): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ismap-bench-wrk-'));
  try {
    const script = join(dir, 'report.lua');
    writeFileSync(script, REPORT_SCRIPT);
    const args = [
      `-t${options.threads ?? 1}`,
      `-c${options.connections}`,
      `-d${options.seconds}s`,
      '-s',
      script,
      ...Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
      url,
    ];
    const output = await new Promise<string>((done, fail) => {
      const child = spawn(wrk, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      child.once('error', fail);
      child.once('exit', (code) =>
        code === 0 ? done(text) : fail(new Error(`wrk exited with ${code}: ${text}`)),
      );
    });
    const line = output.split('\n').find((l) => l.startsWith('WRK-JSON '));
    if (line === undefined) throw new Error(`wrk printed no report: ${output}`);
    const report = JSON.parse(line.slice('WRK-JSON '.length)) as {
      requests: number;
      durationUs: number;
      bytes: number;
      socketErrors: number;
      badStatuses: number;
      p50Us: number;
      p99Us: number;
    };
    return {
      requests: report.requests,
      requestsPerSecond: Math.round(report.requests / (report.durationUs / 1e6)),
      p50Ms: Math.round(report.p50Us / 100) / 10,
      p99Ms: Math.round(report.p99Us / 100) / 10,
      errors: report.socketErrors,
      badStatuses: report.badStatuses,
      bytesPerResponse: Math.round(report.bytes / Math.max(1, report.requests)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let clockTicksPerSecond: number | undefined;

/** CPU time (user + system, all threads) a process has used so far, in µs; undefined off Linux. */
export function processCpuMicros(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, hence the last ')'): utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    clockTicksPerSecond ??=
      Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
    return Number.isFinite(ticks) ? (ticks / clockTicksPerSecond) * 1e6 : undefined;
  } catch {
    return undefined;
  }
}
