'use strict';
/*
 * A second (third, ...) OS process for sqlite-event-store.int.spec.ts. Plain JavaScript because a child process
 * has no Jest transform: it loads the adapter that the test transpiled into a temporary directory.
 *
 *   node append-child.js <adapter.js> <db file> contend <name> <count> <shared stream>
 *   node append-child.js <adapter.js> <db file> stream <lanes>      (appends until killed)
 *   node append-child.js <adapter.js> <db file> one <stream>
 *
 * Every acknowledged append is printed as one JSON line {id, stream, revision, position} right after its promise
 * resolved, so the parent knows exactly what the store promised to keep.
 */
const { randomUUID } = require('node:crypto');

const [adapterPath, file, mode, ...args] = process.argv.slice(2);
const { SqliteEventStore } = require(adapterPath);

function newEvent(type, data) {
  const id = randomUUID();
  return {
    id,
    type,
    data,
    metadata: {
      actor: { sub: `child-${process.pid}`, roles: ['secretariat'] },
      correlationId: id,
      causationId: id,
      commandId: id,
      occurredOn: '2024-04-01',
      recordedAt: new Date().toISOString(),
      schemaVersion: 1,
      rulesetVersion: 'test',
    },
  };
}

function acknowledge(stream, event, result) {
  const line = { id: event.id, stream, revision: result.nextExpectedRevision, position: result.position };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Reads the stream's revision, appends at it, and retries when another writer got there first. */
async function appendWithRetry(store, stream, event) {
  for (;;) {
    let expectedRevision = 'no_stream';
    try {
      const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
      expectedRevision = last.revision;
    } catch (error) {
      if (error.code !== 'STORE.STREAM_NOT_FOUND') throw error;
    }
    try {
      return await store.appendToStream(stream, [event], { expectedRevision });
    } catch (error) {
      if (error.code !== 'STORE.WRONG_EXPECTED_VERSION') throw error;
    }
  }
}

async function contend(store, name, count, shared) {
  const own = `${name}-own`;
  for (let i = 0; i < count; i++) {
    const mine = newEvent('OwnAppended', { name, i });
    const contended = newEvent('SharedAppended', { name, i });
    const [ownResult, sharedResult] = await Promise.all([
      store.appendToStream(own, [mine], { expectedRevision: i === 0 ? 'no_stream' : i - 1 }),
      appendWithRetry(store, shared, contended),
    ]);
    acknowledge(own, mine, ownResult);
    acknowledge(shared, contended, sharedResult);
  }
}

async function appendUntilKilled(store, lanes) {
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      const stream = `durable-${lane}`;
      for (let i = 0; ; i++) {
        const event = newEvent('DurablyAppended', { lane, i });
        const result = await store.appendToStream(stream, [event], {
          expectedRevision: i === 0 ? 'no_stream' : i - 1,
        });
        acknowledge(stream, event, result);
      }
    }),
  );
}

async function main() {
  const store = await SqliteEventStore.open({ file });
  if (mode === 'contend') {
    await contend(store, args[0], Number(args[1]), args[2]);
  } else if (mode === 'stream') {
    await appendUntilKilled(store, Number(args[0]));
  } else if (mode === 'one') {
    const event = newEvent('AppendedElsewhere', { pid: process.pid });
    acknowledge(args[0], event, await store.appendToStream(args[0], [event], { expectedRevision: 'any' }));
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  await store.close();
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error && error.stack ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
