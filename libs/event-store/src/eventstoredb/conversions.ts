import type { AllStreamResolvedEvent, ResolvedEvent } from '@eventstore/db-client';
import type { EventData, EventFilter, EventMetadata, RecordedEvent } from '../event-store.port';
import { typeName } from '../type-names';

/** The port counts revisions with numbers; EventStoreDB's are unsigned 64-bit. */
export function revisionToNumber(revision: bigint): number {
  if (revision > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`Stream revision ${revision} exceeds Number.MAX_SAFE_INTEGER`);
  }
  return Number(revision);
}

/** What older servers put where they have no position (-1 read as unsigned 64-bit). */
const NO_POSITION = 0xffffffffffffffffn;

export function isSystemEvent(type: string, streamName: string): boolean {
  return type.startsWith('$') || streamName.startsWith('$');
}

/** Both dimensions must match when both are given; system events never match. */
export function acceptsEvent(filter: EventFilter | undefined, type: string, streamName: string): boolean {
  if (isSystemEvent(type, streamName)) return false;
  const types = filter?.eventTypePrefixes ?? [];
  const streams = filter?.streamNamePrefixes ?? [];
  if (types.length > 0 && !types.some((prefix) => type.startsWith(prefix))) return false;
  if (streams.length > 0 && !streams.some((prefix) => streamName.startsWith(prefix))) return false;
  return true;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/** Any resolved event from the client, whatever the read it came from. */
export type ClientRecorded = NonNullable<ResolvedEvent['event'] | AllStreamResolvedEvent['event']>;

export class UnreadableEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableEventError';
  }
}

export function toRecordedEvent(event: ClientRecorded): RecordedEvent {
  const where = `event ${event.id} at ${event.streamId}@${event.revision}`;
  if (!event.isJson || !isJsonObject(event.data)) {
    throw new UnreadableEventError(
      `The ${where} is not a JSON object; it was not written by this application`,
    );
  }
  if (!isJsonObject(event.metadata)) {
    throw new UnreadableEventError(
      `The ${where} has no JSON metadata; it was not written by this application`,
    );
  }
  if (event.position === undefined || event.position.commit === NO_POSITION) {
    // Servers up to 22.6 leave positions out of stream reads; the port promises one on every event.
    throw new UnreadableEventError(
      `The server reported no log position for the ${where} (EventStoreDB > 22.6 needed)`,
    );
  }
  return {
    id: event.id,
    type: typeName(event.type),
    data: event.data as EventData,
    metadata: event.metadata as unknown as EventMetadata,
    streamName: event.streamId,
    revision: revisionToNumber(event.revision),
    position: event.position.commit.toString(10),
  };
}

/** JSON with object keys sorted, so that two payloads compare by meaning rather than by key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (!isJsonObject(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) sorted[key] = inner[key];
    return sorted;
  });
}
