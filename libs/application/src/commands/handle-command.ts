import type { Decider } from '@ismap/domain';
import { currentSchemaVersion, DomainError, rulesetOn } from '@ismap/domain';
import type { EventData, EventStore, RecordedEvent } from '@ismap/event-store';
import { StreamNotFoundError, WrongExpectedVersionError, deriveEventId } from '@ismap/event-store';
import type { CommandMetadata } from './command-metadata';
import { commandContextOf } from './command-metadata';

export interface CommandResult<E> {
  readonly streamName: string;
  /** The stream's revision after the command (its ETag). */
  readonly revision: number;
  readonly position: string;
  readonly events: readonly E[];
  /** True when this command id had already been handled: nothing new was appended. */
  readonly replayed: boolean;
}

/** Raised when `If-Match` names a revision the stream has moved past. */
export class PreconditionFailedError extends Error {
  constructor(
    readonly streamName: string,
    readonly expected: number,
    readonly actual: number | 'no_stream',
  ) {
    super(`${streamName} is at revision ${String(actual)}, not ${expected}`);
    this.name = 'PreconditionFailedError';
  }
}

type StreamEvent = { readonly type: string; readonly data: object };

function replayOf<E>(
  streamName: string,
  recorded: readonly RecordedEvent[],
  commandId: string,
): CommandResult<E> | null {
  const earlier = recorded.filter((event) => event.metadata.commandId === commandId);
  const last = earlier[earlier.length - 1];
  if (last === undefined) return null;
  return {
    streamName,
    revision: last.revision,
    position: last.position,
    events: earlier.map((event) => ({ type: event.type, data: event.data }) as unknown as E),
    replayed: true,
  };
}

/**
 * The first result of a command already handled on this stream, or null. Handlers whose checks read other
 * streams ask this first: those checks may no longer pass once the command's own effects are recorded.
 */
export async function earlierResult<E>(
  store: EventStore,
  streamName: string,
  commandId: string,
): Promise<CommandResult<E> | null> {
  try {
    return replayOf<E>(streamName, await store.readStream(streamName), commandId);
  } catch (error) {
    if (error instanceof StreamNotFoundError) return null;
    throw error;
  }
}

export interface LoadedStream<S> {
  readonly state: S;
  /** The stream's last revision, or `no_stream`. */
  readonly revision: number | 'no_stream';
  readonly exists: boolean;
}

/** Folds a stream into a decider's state, for handlers that read another aggregate's facts. */
export async function loadStream<C, E extends StreamEvent, S>(
  store: EventStore,
  streamName: string,
  decider: Decider<C, E, S>,
): Promise<LoadedStream<S>> {
  try {
    const events = await store.readStream(streamName);
    const last = events[events.length - 1];
    return {
      state: events.reduce((s, event) => decider.evolve(s, event as unknown as E), decider.initialState()),
      revision: last === undefined ? 'no_stream' : last.revision,
      exists: last !== undefined,
    };
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
    return { state: decider.initialState(), revision: 'no_stream', exists: false };
  }
}

/**
 * The one way a command reaches the log: read the stream, fold it, decide, append with the expected revision.
 * Event ids derive from the command id, and a command id already in the stream returns the first result, so a
 * retried command can neither append twice nor be refused for its own earlier effect.
 */
export async function handleCommand<C, E extends StreamEvent, S>(
  store: EventStore,
  streamName: string,
  decider: Decider<C, E, S>,
  command: C,
  metadata: CommandMetadata,
): Promise<CommandResult<E>> {
  let recorded: RecordedEvent[];
  try {
    recorded = await store.readStream(streamName);
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
    recorded = [];
  }
  const last = recorded[recorded.length - 1];
  const currentRevision = last === undefined ? 'no_stream' : last.revision;

  const replay = replayOf<E>(streamName, recorded, metadata.commandId);
  if (replay !== null) return replay;

  if (metadata.expectedRevision !== undefined && metadata.expectedRevision !== currentRevision) {
    throw new PreconditionFailedError(streamName, metadata.expectedRevision, currentRevision);
  }

  const state = recorded.reduce(
    (s, event) => decider.evolve(s, event as unknown as E),
    decider.initialState(),
  );
  const events = decider.decide(command, state, commandContextOf(metadata));
  if (events.length === 0) {
    if (last === undefined) {
      throw new DomainError('COMMAND.NO_EFFECT', 'The command changed nothing', 'rule');
    }
    return { streamName, revision: last.revision, position: last.position, events, replayed: false };
  }

  const eventMetadata = {
    actor: metadata.actor,
    correlationId: metadata.correlationId,
    causationId: metadata.causationId,
    commandId: metadata.commandId,
    occurredOn: metadata.occurredOn,
    recordedAt: metadata.now,
    rulesetVersion: rulesetOn(metadata.occurredOn).version,
  };
  try {
    const result = await store.appendToStream(
      streamName,
      events.map((event, index) => ({
        id: deriveEventId(metadata.commandId, index),
        type: event.type,
        data: event.data as EventData,
        // The shape version of this type as the domain writes it today (upcasters bring older ones up on read).
        metadata: { ...eventMetadata, schemaVersion: currentSchemaVersion(event.type) },
      })),
      { expectedRevision: currentRevision },
    );
    return {
      streamName,
      revision: result.nextExpectedRevision,
      position: result.position,
      events,
      replayed: false,
    };
  } catch (error) {
    if (error instanceof WrongExpectedVersionError && metadata.expectedRevision !== undefined) {
      throw new PreconditionFailedError(streamName, metadata.expectedRevision, error.actual);
    }
    throw error;
  }
}
