import type { RegistryList } from '@ismap/domain';
import { registryDecider, registryStreamName } from '@ismap/domain';
import type { EventStore } from '@ismap/event-store';
import { deriveEventId, WrongExpectedVersionError } from '@ismap/event-store';
import type { CommandMetadata } from '../commands/command-metadata';
import { loadStream } from '../commands/handle-command';
import { currentSchemaVersion, rulesetOn } from '@ismap/domain';

const MAX_ATTEMPTS = 50;

/**
 * The next serial of a list, appended with the registry's expected revision: concurrent rulings retry until each
 * holds its own, so serials are distinct and gapless. A subject that already holds a number keeps it.
 */
export async function reserveNumber(
  store: EventStore,
  list: RegistryList,
  subjectId: string,
  reservedOn: string,
  metadata: CommandMetadata,
): Promise<string> {
  const streamName = registryStreamName(list);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const { state, revision } = await loadStream(store, streamName, registryDecider);
    const held = state.bySubject[subjectId];
    if (held !== undefined) return held;
    const [event] = registryDecider.decide(
      { type: 'ReserveNumber', data: { list, subjectId, reservedOn } },
      state,
      {
        commandId: metadata.commandId,
        actor: metadata.actor,
        occurredOn: reservedOn,
        now: metadata.now,
        today: reservedOn,
      },
    );
    if (event === undefined) continue;
    try {
      await store.appendToStream(
        streamName,
        [
          {
            id: deriveEventId(`${metadata.commandId}:reserve:${subjectId}`, 0),
            type: event.type,
            data: event.data,
            metadata: {
              actor: metadata.actor,
              correlationId: metadata.correlationId,
              causationId: metadata.causationId,
              commandId: metadata.commandId,
              occurredOn: reservedOn,
              recordedAt: metadata.now,
              schemaVersion: currentSchemaVersion(event.type),
              rulesetVersion: rulesetOn(reservedOn).version,
            },
          },
        ],
        { expectedRevision: revision },
      );
      return event.data.number;
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
    }
  }
  throw new WrongExpectedVersionError(streamName, 'any', 'no_stream');
}
