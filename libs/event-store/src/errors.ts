import type { ExpectedRevision } from './event-store.port';

export abstract class EventStoreError extends Error {
  abstract readonly code: string;
}

export class WrongExpectedVersionError extends EventStoreError {
  readonly code = 'STORE.WRONG_EXPECTED_VERSION';
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual last revision, or `no_stream`. */
    readonly actual: number | 'no_stream',
  ) {
    super(`Stream ${streamName}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedVersionError';
  }
}

export class StreamNotFoundError extends EventStoreError {
  readonly code = 'STORE.STREAM_NOT_FOUND';
  constructor(readonly streamName: string) {
    super(`Stream ${streamName} not found`);
    this.name = 'StreamNotFoundError';
  }
}

export class StreamDeletedError extends EventStoreError {
  readonly code = 'STORE.STREAM_DELETED';
  constructor(readonly streamName: string) {
    super(`Stream ${streamName} is deleted`);
    this.name = 'StreamDeletedError';
  }
}

/** The same event id was appended before with a different stream, type, data or metadata. */
export class EventIdConflictError extends EventStoreError {
  readonly code = 'STORE.EVENT_ID_CONFLICT';
  constructor(
    readonly eventId: string,
    readonly detail: string,
  ) {
    super(`Event ${eventId} was already recorded differently: ${detail}`);
    this.name = 'EventIdConflictError';
  }
}

export class StoreUnavailableError extends EventStoreError {
  readonly code = 'STORE.UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** Rejected input (bad stream name, event too large, not JSON): a programming error, never retried. */
export class InvalidAppendError extends EventStoreError {
  readonly code = 'STORE.INVALID_APPEND';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAppendError';
  }
}

/** A stored event that cannot be parsed: the store file was damaged or tampered with. */
export class CorruptEventError extends EventStoreError {
  readonly code = 'STORE.CORRUPT_EVENT';
  constructor(
    readonly streamName: string,
    readonly revision: number,
    readonly position: string,
    readonly eventId: string,
  ) {
    super(`The event at ${streamName}@${revision} (position ${position}) cannot be read`);
    this.name = 'CorruptEventError';
  }
}
