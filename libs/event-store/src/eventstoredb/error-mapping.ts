import { ErrorType, isCommandError } from '@eventstore/db-client';
import type { ExpectedRevision } from '../event-store.port';
import {
  EventStoreError,
  InvalidAppendError,
  StoreUnavailableError,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../errors';
import { revisionToNumber } from './conversions';

/** gRPC status codes (numeric, as on the wire) that mean "try again later", not "you asked for something wrong". */
const TRANSIENT_GRPC_CODES = new Set([
  1, // CANCELLED by the server (it is shutting down); a client-side cancel never reaches here
  4, // DEADLINE_EXCEEDED
  10, // ABORTED: the server's own write timeout
  14, // UNAVAILABLE
]);

const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

const INVALID_INPUT = new Set<ErrorType>([
  ErrorType.INVALID_ARGUMENT,
  ErrorType.MISSING_REQUIRED_METADATA_PROPERTY,
]);

/** A leader change is transient too: the client reconnects to the new leader on the next call. */
const UNAVAILABLE = new Set<ErrorType>([
  ErrorType.UNAVAILABLE,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.TIMEOUT,
  ErrorType.CANCELLED,
  ErrorType.NOT_LEADER,
]);

export interface ErrorContext {
  readonly streamName?: string;
  readonly expectedRevision?: ExpectedRevision;
}

/** Translates what @eventstore/db-client throws into the port's errors; anything unknown passes through. */
export function mapClientError(error: unknown, context: ErrorContext = {}): unknown {
  if (error instanceof EventStoreError) return error;
  if (error instanceof Error && isCommandError(error)) {
    if (error.type === ErrorType.WRONG_EXPECTED_VERSION) {
      return new WrongExpectedVersionError(
        error.streamName,
        context.expectedRevision ?? 'any',
        error.actualVersion === 'no_stream' ? 'no_stream' : revisionToNumber(error.actualVersion),
      );
    }
    if (error.type === ErrorType.STREAM_NOT_FOUND)
      return new StreamNotFoundError(context.streamName ?? error.streamName);
    if (error.type === ErrorType.STREAM_DELETED)
      return new StreamDeletedError(context.streamName ?? error.streamName);
    if (error.type === ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED) {
      return new InvalidAppendError(
        `Append to ${context.streamName ?? 'stream'} exceeds the server's maximum append size of ${error.maxAppendSize} bytes`,
      );
    }
    if (INVALID_INPUT.has(error.type)) return new InvalidAppendError(error.message);
    if (UNAVAILABLE.has(error.type)) {
      return new StoreUnavailableError(`EventStoreDB unavailable: ${error.message}`, { cause: error });
    }
  }
  if (isTransient(error)) {
    return new StoreUnavailableError(`EventStoreDB unavailable: ${messageOf(error)}`, { cause: error });
  }
  return error;
}

function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number') return TRANSIENT_GRPC_CODES.has(code);
  if (typeof code === 'string') return TRANSIENT_SOCKET_CODES.has(code);
  // The client throws plain errors when discovery or the channel itself fails before any call is made.
  return (
    error instanceof Error &&
    /failed to discover|no connection established|connection dropped/i.test(error.message)
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
