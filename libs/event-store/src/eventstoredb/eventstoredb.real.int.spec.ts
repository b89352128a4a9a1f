/**
 * The shared contract against a real EventStoreDB server, e.g. the one in deploy/docker-compose.yml:
 * EVENTSTORE_CONNECTION_STRING='esdb://127.0.0.1:2113?tls=false' npx jest eventstoredb.real
 * Without the variable this target does not run, and says so in a test of its own.
 */
import { describeEventStoreContract } from '../contract/event-store.contract';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;

if (connectionString === undefined || connectionString === '') {
  describe('EventStore contract: real EventStoreDB', () => {
    it('real EventStoreDB target: not run — EVENTSTORE_CONNECTION_STRING is not set', () => {
      console.warn(
        'EventStore contract on a real EventStoreDB was NOT run: set EVENTSTORE_CONNECTION_STRING ' +
          "(e.g. 'esdb://127.0.0.1:2113?tls=false') to run it.",
      );
      expect(process.env.EVENTSTORE_CONNECTION_STRING ?? '').toBe('');
    });
  });
} else {
  describeEventStoreContract(`EventStoreDB adapter on a real server (${connectionString})`, {
    create: ({ upcast }) => EventStoreDbEventStore.connect(connectionString, { upcast }),
  });
}
