/**
 * The store the product opens applies the domain's upcasters: a schema-1 ApplicationSubmitted recorded without
 * `scope.regions` reaches the decider in the schema-2 shape, while the stored event and its hash stay as written.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@ismap/config';
import type { ApplicationSubmittedV1Data } from '@ismap/domain';
import { applicationDecider, applicationStreamName, currentSchemaVersion } from '@ismap/domain';
import type { EventStore } from '@ismap/event-store';
import { deriveEventId, verifyStoreChains } from '@ismap/event-store';
import { ACCEPTED_ON, applicationSubmitted, submitNew } from '@ismap/testing/fixtures/ismap-fixtures';
import { handleCommand, loadStream } from './commands/handle-command';
import { createEventStore } from './infrastructure';

describe('createEventStore with the domain upcasters', () => {
  let dataDir: string;
  let store: EventStore;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ismap-infrastructure-'));
    store = await createEventStore(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }));
  });

  afterAll(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lets the application decider work on a schema-1 submission, which still verifies as stored', async () => {
    const { scope, ...rest } = applicationSubmitted().data;
    const v1: ApplicationSubmittedV1Data = { ...rest, scope: { description: scope.description } };
    const streamName = applicationStreamName(v1.applicationId);
    const commandId = randomUUID();
    const actor = { sub: 'secretariat-1', roles: ['secretariat'] };
    await store.appendToStream(
      streamName,
      [
        {
          id: deriveEventId(commandId, 0),
          type: 'ApplicationSubmitted',
          data: { ...v1 } as unknown as Record<string, never>,
          metadata: {
            actor,
            correlationId: commandId,
            causationId: commandId,
            commandId,
            occurredOn: v1.submittedOn,
            recordedAt: `${v1.submittedOn}T01:00:00.000Z`,
            schemaVersion: 1,
            rulesetVersion: '2023.1',
          },
        },
      ],
      { expectedRevision: 'no_stream' },
    );

    const loaded = await loadStream(store, streamName, applicationDecider);
    expect(loaded.state).toMatchObject({
      status: 'SUBMITTED',
      scope: { description: scope.description, regions: [] },
    });

    const accepted = await handleCommand(
      store,
      streamName,
      applicationDecider,
      { type: 'AcceptApplication', data: { acceptedOn: ACCEPTED_ON } },
      {
        commandId: randomUUID(),
        actor,
        correlationId: 'c',
        causationId: 'c',
        occurredOn: ACCEPTED_ON,
        now: `${ACCEPTED_ON}T01:00:00.000Z`,
      },
    );
    expect(accepted.events.map((event) => event.type)).toEqual(['ApplicationAccepted']);

    const [stored] = await store.readStream(streamName, { asStored: true });
    expect(stored?.data['scope']).toStrictEqual({ description: scope.description });
    expect(stored?.metadata.schemaVersion).toBe(1);
    await expect(verifyStoreChains(store)).resolves.toMatchObject({ ok: true, eventsChecked: 2 });
  });

  it('stamps what it writes today with the current schema version of each type', async () => {
    const command = submitNew({ applicationId: randomUUID() });
    const { data } = command;
    const streamName = applicationStreamName(data.applicationId);
    const commandId = randomUUID();
    await handleCommand(store, streamName, applicationDecider, command, {
      commandId,
      actor: { sub: 'csp-1', roles: ['csp'], org: data.providerId },
      correlationId: commandId,
      causationId: commandId,
      occurredOn: data.submittedOn,
      now: `${data.submittedOn}T01:00:00.000Z`,
    });
    const [stored] = await store.readStream(streamName, { asStored: true });
    expect(stored?.type).toBe('ApplicationSubmitted');
    expect(stored?.metadata.schemaVersion).toBe(currentSchemaVersion('ApplicationSubmitted'));
    expect(currentSchemaVersion('ApplicationSubmitted')).toBe(2);
  });
});
