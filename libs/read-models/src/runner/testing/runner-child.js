'use strict';
/*
 * A worker process for catch-up-sigkill.int.spec.ts: runs a ProjectionRunner for every projection of PROJECTIONS
 * and the test ledger until it is killed. Plain JavaScript: it loads the libs the test transpiled (see
 * transpile-libs.ts), since a child process has no Jest transform.
 *
 *   node runner-child.js <transpiled root> <db file> <redis key prefix> <lease ttl ms>
 *
 * SIGTERM stops the runners cleanly; the test mostly uses SIGKILL.
 */
const [root, file, prefix, ttl] = process.argv.slice(2);
const { SqliteEventStore } = require(`${root}/libs/event-store/src`);
const readModels = require(`${root}/libs/read-models/src`);
const { ledgerProjection } = require(`${root}/libs/read-models/src/runner/testing/ledger.projection`);
const { Redis } = require('ioredis');

const log = {
  info: () => undefined,
  warn: (message) => process.stderr.write(`warn ${message}\n`),
  error: (message, details) =>
    process.stderr.write(`error ${message} ${details && details.err ? details.err.stack : ''}\n`),
};

async function main() {
  const store = await SqliteEventStore.open({ file, pollIntervalMs: 20 });
  const redis = new Redis(process.env.REDIS_URL || 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
  const runners = [...readModels.PROJECTIONS, ledgerProjection].map(
    (projection) =>
      new readModels.ProjectionRunner({
        store,
        redis,
        keyPrefix: prefix,
        projection,
        leaseTtlMs: Number(ttl),
        idleTickMs: 100,
        retryDelayMs: 100,
        log,
      }),
  );
  for (const runner of runners) runner.start();
  process.stdout.write('started\n');
  process.once('SIGTERM', () => {
    Promise.all(runners.map((runner) => runner.stop()))
      .then(() => store.close())
      .then(() => redis.quit())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  });
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : String(error)}\n`);
  process.exit(1);
});
