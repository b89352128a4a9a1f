/**
 * EventStoreDB gRPC protocol fake: a TEST tool, not a database. It serves `event_store.client.streams.Streams`
 * (`Append` and `Read`) on 127.0.0.1 with the service definitions and message classes that @eventstore/db-client
 * ships, so the EventStoreDB adapter can be exercised through the real client without a server. Everything else
 * (ServerFeatures, BatchAppend, Delete, Tombstone, stream subscriptions, persistent subscriptions, projections,
 * users, gossip) answers UNIMPLEMENTED; the client then falls back to plain `Append`.
 */
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import type {
  ServerReadableStream,
  ServerWritableStream,
  UntypedServiceImplementation,
  sendUnaryData,
} from '@grpc/grpc-js';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import type { AppendReq, AppendResp, ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb';
import { FakeLog } from './fake-log';
import type { FakeRecordedEvent, ProposedEvent } from './fake-log';
import {
  ProtocolError,
  appendResponse,
  caughtUpResponse,
  checkpointResponse,
  confirmationResponse,
  eventResponse,
  maxAppendSizeExceededError,
  parseAppendHeader,
  parseProposedMessage,
  parseReadRequest,
  streamDeletedError,
  streamNotFoundResponse,
} from './protocol';
import type { AppendHeader, ReadRequest } from './protocol';

export type FakeRpc = 'append' | 'read';

export interface EsdbProtocolFakeOptions {
  /** The server's `MaxAppendSize` (bytes of data + metadata + 2 × type length per append). Default 1 MiB. */
  readonly maxAppendSize?: number;
  /** A fresh server's log already holds system events; leave them in to keep system-event filtering honest. */
  readonly seedSystemEvents?: boolean;
}

type Fault =
  { readonly kind: 'fail'; readonly code: status; readonly details: string } | { readonly kind: 'stall' };

const DEFAULT_MAX_APPEND_SIZE = 1024 * 1024;
/** The server accepts gRPC messages larger than MaxAppendSize and refuses them itself, with its own error. */
const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

export class EsdbProtocolFake {
  private server: Server | undefined;
  private readonly faults: Record<FakeRpc, Fault[]> = { append: [], read: [] };
  private readonly counts: Record<FakeRpc, number> = { append: 0, read: 0 };
  private readonly log: FakeLog;
  private readonly maxAppendSize: number;

  private constructor(
    private port: number,
    options: EsdbProtocolFakeOptions,
  ) {
    this.log = new FakeLog(4096n);
    this.maxAppendSize = options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE;
    if (options.seedSystemEvents ?? true) {
      const json = (value: unknown): ProposedEvent['data'] => Buffer.from(JSON.stringify(value), 'utf8');
      this.log.seed('$users', [
        {
          id: globalThis.crypto.randomUUID(),
          type: '$User',
          contentType: 'application/json',
          data: json({ loginName: 'admin' }),
          customMetadata: new Uint8Array(),
        },
      ]);
      this.log.seed('$settings', [
        {
          id: globalThis.crypto.randomUUID(),
          type: 'update-default-acl',
          contentType: 'application/json',
          data: json({ $userStreamAcl: {}, $systemStreamAcl: {} }),
          customMetadata: new Uint8Array(),
        },
      ]);
    }
  }

  /** Starts on an ephemeral port of 127.0.0.1. */
  static async start(options: EsdbProtocolFakeOptions = {}): Promise<EsdbProtocolFake> {
    const fake = new EsdbProtocolFake(0, options);
    await fake.listen();
    return fake;
  }

  get connectionString(): string {
    return `esdb://127.0.0.1:${this.port}?tls=false`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** How many calls of each RPC arrived, including those answered with an injected fault. */
  get calls(): Readonly<Record<FakeRpc, number>> {
    return { ...this.counts };
  }

  /** The next `times` calls of `rpc` fail with `code` (default UNAVAILABLE) before touching the log. */
  failNext(rpc: FakeRpc, options: { code?: status; details?: string; times?: number } = {}): void {
    const fault: Fault = {
      kind: 'fail',
      code: options.code ?? status.UNAVAILABLE,
      details: options.details ?? 'protocol fake: simulated failure',
    };
    for (let i = 0; i < (options.times ?? 1); i++) this.faults[rpc].push(fault);
  }

  /** The next call of `rpc` is never answered, so the caller's deadline (or its own cancellation) ends it. */
  stallNext(rpc: FakeRpc): void {
    this.faults[rpc].push({ kind: 'stall' });
  }

  /** Hard-deletes a stream as `$tombstone` would; the fake has no Tombstone RPC. */
  tombstone(streamName: string): void {
    this.log.tombstone(streamName);
  }

  /** Drops every connection and stops listening: the adapter sees the server go away. The log is kept. */
  stop(): Promise<void> {
    this.server?.forceShutdown();
    this.server = undefined;
    return Promise.resolve();
  }

  /** Listens again on the same port with the same log, as a restarted server would. */
  async restart(): Promise<void> {
    if (this.server !== undefined) return;
    await this.listen();
  }

  private async listen(): Promise<void> {
    const server = new Server({
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    });
    const implementation: UntypedServiceImplementation = {
      append: (call: ServerReadableStream<AppendReq, AppendResp>, callback: sendUnaryData<AppendResp>) =>
        this.handleAppend(call, callback),
      read: (call: ServerWritableStream<ReadReq, ReadResp>) => {
        this.handleRead(call).catch((error: unknown) => failCall(call, error));
      },
    };
    server.addService(StreamsService, implementation);
    this.port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`127.0.0.1:${this.port}`, ServerCredentials.createInsecure(), (error, port) =>
        error === null ? resolve(port) : reject(error),
      );
    });
    this.server = server;
  }

  private takeFault(rpc: FakeRpc): Fault | undefined {
    this.counts[rpc] += 1;
    return this.faults[rpc].shift();
  }

  private handleAppend(
    call: ServerReadableStream<AppendReq, AppendResp>,
    callback: sendUnaryData<AppendResp>,
  ): void {
    const fault = this.takeFault('append');
    let header: AppendHeader | undefined;
    const proposed: ProposedEvent[] = [];
    let size = 0;
    let refused: ProtocolError | undefined;

    call.on('data', (request: AppendReq) => {
      if (refused !== undefined) return;
      try {
        if (header === undefined) {
          header = parseAppendHeader(request);
          return;
        }
        const event = parseProposedMessage(request);
        size += event.data.length + event.customMetadata.length + event.type.length * 2;
        if (size > this.maxAppendSize) throw maxAppendSizeExceededError(this.maxAppendSize);
        proposed.push(event);
      } catch (error) {
        refused = asProtocolError(error);
      }
    });
    call.on('end', () => {
      if (fault?.kind === 'stall') return;
      if (fault?.kind === 'fail') return callback(new ProtocolError(fault.code, fault.details));
      if (refused !== undefined) return callback(refused);
      if (header === undefined) return callback(new ProtocolError(status.UNKNOWN, 'Append without options'));
      const outcome = this.log.append(header.streamName, header.expected, proposed);
      if (outcome.kind === 'stream_deleted') return callback(streamDeletedError(header.streamName));
      callback(null, appendResponse(outcome, header));
    });
  }

  private async handleRead(call: ServerWritableStream<ReadReq, ReadResp>): Promise<void> {
    const fault = this.takeFault('read');
    if (fault?.kind === 'stall') return;
    if (fault?.kind === 'fail') throw new ProtocolError(fault.code, fault.details);
    const request = parseReadRequest(call.request);
    if (request.count === undefined) {
      if (request.target.kind === 'stream') {
        throw new ProtocolError(
          status.UNIMPLEMENTED,
          'protocol fake: stream subscriptions are not implemented',
        );
      }
      await this.subscribeToAll(call, request);
    } else if (request.target.kind === 'stream') {
      await this.readStream(call, request, request.target.streamName, request.count);
    } else {
      await this.readAll(call, request, request.count);
    }
    if (!call.cancelled) call.end();
  }

  private async readStream(
    call: ServerWritableStream<ReadReq, ReadResp>,
    request: ReadRequest,
    streamName: string,
    count: bigint,
  ): Promise<void> {
    const stream = this.log.stream(streamName);
    if (stream.tombstoned) throw streamDeletedError(streamName);
    if (stream.events.length === 0) {
      await send(call, streamNotFoundResponse(streamName));
      return;
    }
    const { events } = stream;
    const last = events.length - 1;
    const from = request.from;
    let index: number;
    if (request.backwards) {
      index =
        from.kind === 'start' ? 0 : from.kind === 'end' ? last : Number(bigMin(from.value, BigInt(last)));
    } else {
      index = from.kind === 'start' ? 0 : from.kind === 'end' ? events.length : Number(from.value);
    }
    const step = request.backwards ? -1 : 1;
    for (let sent = 0n; sent < count && index >= 0 && index < events.length; sent++, index += step) {
      if (!(await send(call, eventResponse(events[index]!, request.structuredIds)))) return;
    }
  }

  /** Forwards from a position is inclusive; backwards from a position is exclusive (it is a post-position). */
  private async readAll(
    call: ServerWritableStream<ReadReq, ReadResp>,
    request: ReadRequest,
    count: bigint,
  ): Promise<void> {
    const from = request.from;
    let index: number;
    if (request.backwards) {
      index =
        from.kind === 'start'
          ? -1
          : from.kind === 'end'
            ? this.log.length - 1
            : this.log.indexFrom(from.value, false) - 1;
    } else {
      index =
        from.kind === 'start'
          ? 0
          : from.kind === 'end'
            ? this.log.length
            : this.log.indexFrom(from.value, false);
    }
    const step = request.backwards ? -1 : 1;
    let sent = 0n;
    for (; sent < count && index >= 0 && index < this.log.length; index += step) {
      const event = this.log.at(index)!;
      if (!matches(request, event)) continue;
      if (!(await send(call, eventResponse(event, request.structuredIds)))) return;
      sent++;
    }
  }

  /**
   * Catch-up then live in one loop over the append-only log, so no event can fall between the two phases. From a
   * position the subscription starts strictly after it, as the server does.
   */
  private async subscribeToAll(
    call: ServerWritableStream<ReadReq, ReadResp>,
    request: ReadRequest,
  ): Promise<void> {
    const from = request.from;
    let index =
      from.kind === 'start'
        ? 0
        : from.kind === 'end'
          ? this.log.length
          : this.log.indexFrom(from.value, true);
    let wake: (() => void) | undefined;
    const unsubscribe = this.log.onAppend(() => wake?.());
    const onCancelled = (): void => wake?.();
    call.on('cancelled', onCancelled);
    try {
      if (!(await send(call, confirmationResponse()))) return;
      let caughtUp = false;
      let considered = 0;
      while (!call.cancelled) {
        const event = this.log.at(index);
        if (event === undefined) {
          if (!caughtUp) {
            caughtUp = true;
            if (!(await send(call, caughtUpResponse()))) return;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
            if (this.log.length > index || call.cancelled) resolve();
          });
          wake = undefined;
          continue;
        }
        index += 1;
        if (matches(request, event) && !(await send(call, eventResponse(event, request.structuredIds))))
          return;
        if (request.filter !== undefined) {
          considered += 1;
          if (considered >= request.filter.checkpointInterval) {
            considered = 0;
            if (!(await send(call, checkpointResponse(event.position)))) return;
          }
        }
      }
    } finally {
      unsubscribe();
      call.off('cancelled', onCancelled);
    }
  }
}

function matches(request: ReadRequest, event: FakeRecordedEvent): boolean {
  const filter = request.filter;
  if (filter === undefined) return true;
  return filter.test(filter.on === 'event_type' ? event.type : event.streamName);
}

function bigMin(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** Writes with back-pressure; false once the caller has gone. */
async function send(call: ServerWritableStream<ReadReq, ReadResp>, response: ReadResp): Promise<boolean> {
  if (call.cancelled) return false;
  if (call.write(response)) return true;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      call.off('cancelled', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
  });
  return !call.cancelled;
}

function asProtocolError(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  return new ProtocolError(status.UNKNOWN, error instanceof Error ? error.message : String(error));
}

function failCall(call: ServerWritableStream<ReadReq, ReadResp>, error: unknown): void {
  if (call.cancelled) return;
  call.emit('error', asProtocolError(error));
}
