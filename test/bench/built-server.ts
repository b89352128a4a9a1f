import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { globEscape } from '../../libs/read-models/src';
import { builtEntry } from '../support/built';

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

/** The server's Redis keys (read models, queues, checkpoints) go with it: Redis is shared. */
async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 5000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface BuiltServer {
  readonly baseUrl: string;
  /** The server process, for reading its CPU time. */
  readonly pid: number;
  /** A dev token from the CLI, signed with the server's key. */
  token(role: string): string;
  stop(): Promise<void>;
}

/**
 * The built product (`dist/`, API + worker in one process) on a free port, for benchmarks: one client hammers it
 * on purpose, so its rate limits are off.
 */
export async function startBuiltServer(dataDir: string, name: string): Promise<BuiltServer> {
  const port = await freePort();
  const env = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'error',
    REDIS_KEY_PREFIX: `bench-${name}-${process.pid}:`,
    RATE_LIMIT_PER_TOKEN: '0',
    RATE_LIMIT_PER_IP: '0',
  };
  // As `npm start` runs it.
  const server = spawn(process.execPath, ['--max-semi-space-size=64', builtEntry('server')], {
    env,
    stdio: 'inherit',
  });
  const exited = new Promise((done) => server.once('exit', done));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (
    !(await fetch(`${baseUrl}/health/ready`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline) throw new Error('server did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    baseUrl,
    pid: server.pid ?? 0,
    token: (role) =>
      spawnSync(process.execPath, [builtEntry('cli'), 'token', '--role', role], {
        env,
        encoding: 'utf8',
      }).stdout.trim(),
    stop: async () => {
      server.kill('SIGTERM');
      await exited;
      await deletePrefix(env.REDIS_KEY_PREFIX);
    },
  };
}
