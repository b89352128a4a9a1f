/**
 * Typed translation between the generated protobuf classes that @eventstore/db-client ships and the fake's own
 * plain values, so that the loosely typed generated API stays inside this file.
 */
import { randomUUID } from 'node:crypto';
import { Metadata, status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { AppendReq, AppendResp, ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb';
import { Empty, StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';
import type { FakeAppendOutcome, FakeExpectedRevision, FakeRecordedEvent, ProposedEvent } from './fake-log';

export class ProtocolError extends Error implements ServiceError {
  readonly details: string;
  constructor(
    readonly code: status,
    message: string,
    readonly metadata: Metadata = new Metadata(),
  ) {
    super(message);
    this.details = message;
    this.name = 'ProtocolError';
  }
}

/** The trailers the server attaches so that clients can tell its errors apart (RpcExceptions on the server). */
export function streamDeletedError(streamName: string): ProtocolError {
  const metadata = new Metadata();
  metadata.set('exception', 'stream-deleted');
  metadata.set('stream-name', streamName);
  return new ProtocolError(status.FAILED_PRECONDITION, `Event stream '${streamName}' is deleted.`, metadata);
}

export function maxAppendSizeExceededError(maxAppendSize: number): ProtocolError {
  const metadata = new Metadata();
  metadata.set('exception', 'maximum-append-size-exceeded');
  metadata.set('maximum-append-size', String(maxAppendSize));
  return new ProtocolError(
    status.INVALID_ARGUMENT,
    `Maximum Append Size of ${maxAppendSize} Exceeded.`,
    metadata,
  );
}

export function missingMetadataError(): ProtocolError {
  const metadata = new Metadata();
  metadata.set('exception', 'missing-required-metadata-property');
  metadata.set('required-metadata-properties', 'type,content-type');
  return new ProtocolError(status.INVALID_ARGUMENT, "Required Metadata Property 'type' is missing", metadata);
}

function streamNameOf(identifier: StreamIdentifier | undefined): string {
  if (identifier === undefined) throw new ProtocolError(status.INVALID_ARGUMENT, 'stream identifier missing');
  return Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
}

function identifierOf(streamName: string): StreamIdentifier {
  return new StreamIdentifier().setStreamName(Buffer.from(streamName, 'utf8'));
}

function uuidToString(uuid: UUID | undefined): string {
  if (uuid === undefined) throw new ProtocolError(status.INVALID_ARGUMENT, 'event id missing');
  if (uuid.hasStructured()) {
    const structured = uuid.getStructured()!;
    const hex =
      BigInt.asUintN(64, BigInt(structured.getMostSignificantBits())).toString(16).padStart(16, '0') +
      BigInt.asUintN(64, BigInt(structured.getLeastSignificantBits())).toString(16).padStart(16, '0');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  const text = uuid.getString();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) {
    throw new ProtocolError(status.INVALID_ARGUMENT, `'${text}' is not a valid Guid`);
  }
  return text.toLowerCase();
}

function uuidFromString(id: string, structured: boolean): UUID {
  if (!structured) return new UUID().setString(id);
  const hex = id.replace(/-/g, '');
  return new UUID().setStructured(
    new UUID.Structured()
      .setMostSignificantBits(BigInt.asIntN(64, BigInt(`0x${hex.slice(0, 16)}`)).toString())
      .setLeastSignificantBits(BigInt.asIntN(64, BigInt(`0x${hex.slice(16)}`)).toString()),
  );
}

export interface AppendHeader {
  readonly streamName: string;
  readonly expected: FakeExpectedRevision;
}

export function parseAppendHeader(request: AppendReq): AppendHeader {
  // The server refuses a stream whose first message is not the options (an InvalidOperationException there).
  if (!request.hasOptions())
    throw new ProtocolError(status.UNKNOWN, 'first Append message must carry options');
  const options = request.getOptions()!;
  const streamName = streamNameOf(options.getStreamIdentifier());
  const Case = AppendReq.Options.ExpectedStreamRevisionCase;
  switch (options.getExpectedStreamRevisionCase()) {
    case Case.ANY:
      return { streamName, expected: { kind: 'any' } };
    case Case.NO_STREAM:
      return { streamName, expected: { kind: 'no_stream' } };
    case Case.STREAM_EXISTS:
      return { streamName, expected: { kind: 'stream_exists' } };
    case Case.REVISION:
      return { streamName, expected: { kind: 'exact', revision: BigInt(options.getRevision()) } };
    case Case.EXPECTED_STREAM_REVISION_NOT_SET:
      throw new ProtocolError(status.UNKNOWN, 'expected stream revision missing');
  }
}

export function parseProposedMessage(request: AppendReq): ProposedEvent {
  if (!request.hasProposedMessage()) {
    throw new ProtocolError(status.UNKNOWN, 'Append messages after the first must be proposed messages');
  }
  const message = request.getProposedMessage()!;
  const metadata = message.getMetadataMap();
  const type = metadata.get('type');
  const contentType = metadata.get('content-type');
  if (type === undefined || contentType === undefined) throw missingMetadataError();
  return {
    id: uuidToString(message.getId()),
    type,
    contentType,
    data: message.getData_asU8(),
    customMetadata: message.getCustomMetadata_asU8(),
  };
}

/** Fills both the 20.6.0 fields and their successors, as current servers do. */
export function appendResponse(
  outcome: Exclude<FakeAppendOutcome, { kind: 'stream_deleted' }>,
  header: AppendHeader,
) {
  const response = new AppendResp();
  if (outcome.kind === 'success') {
    const success = new AppendResp.Success();
    if (outcome.currentRevision === undefined) success.setNoStream(new Empty());
    else success.setCurrentRevision(outcome.currentRevision.toString());
    if (outcome.position === undefined) success.setNoPosition(new Empty());
    else {
      success.setPosition(
        new AppendResp.Position()
          .setCommitPosition(outcome.position.commit.toString())
          .setPreparePosition(outcome.position.prepare.toString()),
      );
    }
    return response.setSuccess(success);
  }
  const wrong = new AppendResp.WrongExpectedVersion();
  if (outcome.current === undefined) {
    wrong.setCurrentNoStream(new Empty());
    wrong.setNoStream2060(new Empty());
  } else {
    wrong.setCurrentRevision(outcome.current.toString());
    wrong.setCurrentRevision2060(Number(outcome.current));
  }
  switch (header.expected.kind) {
    case 'any':
      wrong.setExpectedAny(new Empty());
      wrong.setAny2060(new Empty());
      break;
    case 'stream_exists':
      wrong.setExpectedStreamExists(new Empty());
      wrong.setStreamExists2060(new Empty());
      break;
    case 'no_stream':
      // The 20.6.0 fields have no way to say "no stream" (their revision is unsigned).
      wrong.setExpectedNoStream(new Empty());
      break;
    case 'exact':
      wrong.setExpectedRevision(header.expected.revision.toString());
      wrong.setExpectedRevision2060(Number(header.expected.revision));
      break;
  }
  return response.setWrongExpectedVersion(wrong);
}

export type ReadFrom =
  { readonly kind: 'start' } | { readonly kind: 'end' } | { readonly kind: 'at'; readonly value: bigint };

export interface EventMatcher {
  readonly on: 'event_type' | 'stream_name';
  readonly test: (value: string) => boolean;
  /** Events considered between two checkpoint messages. */
  readonly checkpointInterval: number;
}

export interface ReadRequest {
  readonly target: { readonly kind: 'stream'; readonly streamName: string } | { readonly kind: 'all' };
  readonly from: ReadFrom;
  readonly backwards: boolean;
  /** `undefined` for a subscription. */
  readonly count: bigint | undefined;
  readonly filter: EventMatcher | undefined;
  readonly structuredIds: boolean;
}

/** The server's page size, which is also the default search window of a filtered subscription. */
const DEFAULT_MAX_SEARCH_WINDOW = 32;

function parseFilter(options: ReadReq.Options): EventMatcher | undefined {
  if (!options.hasFilter()) return undefined;
  const filter = options.getFilter()!;
  const Case = ReadReq.Options.FilterOptions.FilterCase;
  const filterCase = filter.getFilterCase();
  const expression = filterCase === Case.EVENT_TYPE ? filter.getEventType() : filter.getStreamIdentifier();
  if (filterCase === Case.FILTER_NOT_SET || expression === undefined) {
    throw new ProtocolError(status.INVALID_ARGUMENT, 'filter without expression');
  }
  const regex = expression.getRegex();
  const prefixes = expression.getPrefixList();
  // The server uses .NET regular expressions; the simple ones clients send mean the same in JavaScript.
  const pattern = regex === '' ? undefined : new RegExp(regex);
  const test =
    pattern === undefined
      ? (value: string) => prefixes.some((prefix) => value.startsWith(prefix))
      : (value: string) => pattern.test(value);
  const window =
    filter.getWindowCase() === ReadReq.Options.FilterOptions.WindowCase.MAX
      ? filter.getMax()
      : DEFAULT_MAX_SEARCH_WINDOW;
  const multiplier = filter.getCheckpointintervalmultiplier();
  if (multiplier <= 0)
    throw new ProtocolError(status.INVALID_ARGUMENT, 'checkpointIntervalMultiplier must be > 0');
  return {
    on: filterCase === Case.EVENT_TYPE ? 'event_type' : 'stream_name',
    test,
    checkpointInterval: window * multiplier,
  };
}

export function parseReadRequest(request: ReadReq): ReadRequest {
  const options = request.getOptions();
  if (options === undefined) throw new ProtocolError(status.INVALID_ARGUMENT, 'read options missing');
  const StreamCase = ReadReq.Options.StreamOptionCase;
  const CountCase = ReadReq.Options.CountOptionCase;
  const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
  const count = options.getCountOptionCase() === CountCase.COUNT ? BigInt(options.getCount()) : undefined;
  if (count === undefined && options.getCountOptionCase() !== CountCase.SUBSCRIPTION) {
    throw new ProtocolError(status.INVALID_ARGUMENT, 'neither count nor subscription given');
  }
  const structuredIds = options.getUuidOption()?.hasStructured() ?? true;
  const filter = parseFilter(options);

  if (options.getStreamOptionCase() === StreamCase.STREAM) {
    const stream = options.getStream()!;
    const RevisionCase = ReadReq.Options.StreamOptions.RevisionOptionCase;
    const from: ReadFrom =
      stream.getRevisionOptionCase() === RevisionCase.REVISION
        ? { kind: 'at', value: BigInt(stream.getRevision()) }
        : stream.getRevisionOptionCase() === RevisionCase.END
          ? { kind: 'end' }
          : { kind: 'start' };
    const streamName = streamNameOf(stream.getStreamIdentifier());
    return { target: { kind: 'stream', streamName }, from, backwards, count, filter, structuredIds };
  }
  if (options.getStreamOptionCase() !== StreamCase.ALL) {
    throw new ProtocolError(status.INVALID_ARGUMENT, 'neither stream nor $all given');
  }
  const all = options.getAll()!;
  const AllCase = ReadReq.Options.AllOptions.AllOptionCase;
  let from: ReadFrom;
  switch (all.getAllOptionCase()) {
    case AllCase.POSITION: {
      const position = all.getPosition()!;
      // Single node: commit == prepare, so the commit position alone locates the event.
      from = { kind: 'at', value: BigInt(position.getCommitPosition()) };
      break;
    }
    case AllCase.END:
      from = { kind: 'end' };
      break;
    case AllCase.START:
    case AllCase.ALL_OPTION_NOT_SET:
      from = { kind: 'start' };
      break;
  }
  return { target: { kind: 'all' }, from, backwards, count, filter, structuredIds };
}

export function eventResponse(event: FakeRecordedEvent, structuredIds: boolean): ReadResp {
  const recorded = new ReadResp.ReadEvent.RecordedEvent()
    .setId(uuidFromString(event.id, structuredIds))
    .setStreamIdentifier(identifierOf(event.streamName))
    .setStreamRevision(event.revision.toString())
    .setCommitPosition(event.position.toString())
    .setPreparePosition(event.position.toString())
    .setData(event.data)
    .setCustomMetadata(event.customMetadata);
  const metadata = recorded.getMetadataMap();
  metadata.set('type', event.type);
  metadata.set('content-type', event.contentType);
  metadata.set('created', event.created.toString());
  const readEvent = new ReadResp.ReadEvent().setEvent(recorded).setCommitPosition(event.position.toString());
  return new ReadResp().setEvent(readEvent);
}

export function streamNotFoundResponse(streamName: string): ReadResp {
  return new ReadResp().setStreamNotFound(
    new ReadResp.StreamNotFound().setStreamIdentifier(identifierOf(streamName)),
  );
}

export function confirmationResponse(): ReadResp {
  return new ReadResp().setConfirmation(
    new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID()),
  );
}

export function checkpointResponse(position: bigint): ReadResp {
  return new ReadResp().setCheckpoint(
    new ReadResp.Checkpoint().setCommitPosition(position.toString()).setPreparePosition(position.toString()),
  );
}

export function caughtUpResponse(): ReadResp {
  return new ReadResp().setCaughtUp(new ReadResp.CaughtUp());
}
