/**
 * The in-memory log behind the EventStoreDB protocol fake (a TEST tool, not a database). It mirrors the write
 * semantics the adapter depends on: optimistic concurrency per stream, idempotent re-append of the same event ids
 * at the same expected revision, tombstones, and one global order in which commit position == prepare position.
 */

export interface FakeRecordedEvent {
  /** Lower-case canonical UUID. */
  readonly id: string;
  readonly streamName: string;
  readonly revision: bigint;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
  /** Commit position; the prepare position is the same number, as on a single-node server. */
  readonly position: bigint;
  /** .NET ticks (100 ns) since the Unix epoch, as the server puts into the `created` metadata entry. */
  readonly created: bigint;
}

export interface ProposedEvent {
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
}

export type FakeExpectedRevision =
  | { readonly kind: 'any' }
  | { readonly kind: 'no_stream' }
  | { readonly kind: 'stream_exists' }
  | { readonly kind: 'exact'; readonly revision: bigint };

export type FakeAppendOutcome =
  | {
      readonly kind: 'success';
      /** `undefined` when nothing was written to a stream that does not exist (an empty append). */
      readonly currentRevision: bigint | undefined;
      readonly position: { readonly commit: bigint; readonly prepare: bigint } | undefined;
    }
  | { readonly kind: 'wrong_expected_version'; readonly current: bigint | undefined }
  | { readonly kind: 'stream_deleted' };

interface StreamState {
  readonly events: FakeRecordedEvent[];
  tombstoned: boolean;
}

const TICKS_PER_MS = 10_000n;

/** Record framing the real log adds around data; only there so that positions are not consecutive integers. */
const RECORD_OVERHEAD = 96n;

export class FakeLog {
  private readonly all: FakeRecordedEvent[] = [];
  private readonly streams = new Map<string, StreamState>();
  private readonly listeners = new Set<() => void>();
  private nextPosition: bigint;

  constructor(firstPosition: bigint) {
    this.nextPosition = firstPosition;
  }

  get length(): number {
    return this.all.length;
  }

  at(index: number): FakeRecordedEvent | undefined {
    return this.all[index];
  }

  /** Index of the first event whose position is >= `position` (or > it when `exclusive`). */
  indexFrom(position: bigint, exclusive: boolean): number {
    let low = 0;
    let high = this.all.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const p = this.all[mid]!.position;
      if (exclusive ? p <= position : p < position) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  stream(streamName: string): {
    readonly events: readonly FakeRecordedEvent[];
    readonly tombstoned: boolean;
  } {
    return this.streams.get(streamName) ?? { events: [], tombstoned: false };
  }

  /** Called after every write; subscriptions use it to leave their wait without polling. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  append(
    streamName: string,
    expected: FakeExpectedRevision,
    proposed: readonly ProposedEvent[],
  ): FakeAppendOutcome {
    const state = this.streams.get(streamName);
    if (state?.tombstoned === true) return { kind: 'stream_deleted' };
    const existing = state?.events ?? [];
    const current = existing.length === 0 ? undefined : BigInt(existing.length - 1);

    const decision = this.decide(existing, current, expected, proposed);
    if (decision.kind !== 'write') return decision.outcome;
    if (proposed.length === 0) {
      return { kind: 'success', currentRevision: current, position: undefined };
    }
    const written = this.write(streamName, proposed);
    const first = written[0]!;
    const last = written[written.length - 1]!;
    // The server answers with the transaction's commit record (the last event) and its first prepare.
    return {
      kind: 'success',
      currentRevision: last.revision,
      position: { commit: last.position, prepare: first.position },
    };
  }

  /** Hard delete: the stream can never be written or read again, as after `$tombstone` on a real server. */
  tombstone(streamName: string): void {
    const state = this.streams.get(streamName);
    if (state?.tombstoned === true) return;
    this.write(
      '$$' + streamName,
      [
        {
          id: globalThis.crypto.randomUUID(),
          type: '$metadata',
          contentType: 'application/json',
          data: Buffer.from('{"$tb":9223372036854775807}'),
          customMetadata: new Uint8Array(),
        },
      ],
      false,
    );
    this.write(
      streamName,
      [
        {
          id: globalThis.crypto.randomUUID(),
          type: '$streamDeleted',
          contentType: 'application/octet-stream',
          data: new Uint8Array(),
          customMetadata: new Uint8Array(),
        },
      ],
      false,
    );
    this.streams.get(streamName)!.tombstoned = true;
    this.notify();
  }

  /** Writes events that did not come through Append (the system streams a fresh server already holds). */
  seed(streamName: string, events: readonly ProposedEvent[]): void {
    this.write(streamName, events);
  }

  private decide(
    existing: readonly FakeRecordedEvent[],
    current: bigint | undefined,
    expected: FakeExpectedRevision,
    proposed: readonly ProposedEvent[],
  ): { kind: 'write' } | { kind: 'done'; outcome: FakeAppendOutcome } {
    const wrong = { kind: 'done', outcome: { kind: 'wrong_expected_version', current } } as const;
    switch (expected.kind) {
      case 'any':
        return this.checkByFirstId(existing, proposed) ?? { kind: 'write' };
      case 'stream_exists':
        if (current === undefined) return wrong;
        return this.checkByFirstId(existing, proposed) ?? { kind: 'write' };
      case 'no_stream':
        return this.checkAt(existing, current, -1n, proposed) ?? wrong;
      case 'exact':
        return this.checkAt(existing, current, expected.revision, proposed) ?? wrong;
    }
  }

  /**
   * The server's check for an exact expected revision: a write when the stream is there, an idempotent success
   * when the proposed ids are exactly the events after it, otherwise (including a partial match, which the
   * server calls corrupted idempotency) a wrong expected version.
   */
  private checkAt(
    existing: readonly FakeRecordedEvent[],
    current: bigint | undefined,
    expectedRevision: bigint,
    proposed: readonly ProposedEvent[],
  ): { kind: 'write' } | { kind: 'done'; outcome: FakeAppendOutcome } | undefined {
    const currentOrMinusOne = current ?? -1n;
    if (expectedRevision === currentOrMinusOne) return { kind: 'write' };
    if (expectedRevision > currentOrMinusOne || proposed.length === 0) return undefined;
    const start = Number(expectedRevision + 1n);
    return this.idempotent(existing, start, proposed);
  }

  /**
   * With `any`/`stream_exists` the server recognises a retry by the first event's id (it keeps recent ids in a
   * cache; the fake remembers all of them).
   */
  private checkByFirstId(
    existing: readonly FakeRecordedEvent[],
    proposed: readonly ProposedEvent[],
  ): { kind: 'done'; outcome: FakeAppendOutcome } | undefined {
    const first = proposed[0];
    if (first === undefined) return undefined;
    const start = existing.findIndex((event) => event.id === first.id);
    if (start < 0) return undefined;
    return (
      this.idempotent(existing, start, proposed) ?? {
        kind: 'done',
        outcome: { kind: 'wrong_expected_version', current: BigInt(existing.length - 1) },
      }
    );
  }

  private idempotent(
    existing: readonly FakeRecordedEvent[],
    start: number,
    proposed: readonly ProposedEvent[],
  ): { kind: 'done'; outcome: FakeAppendOutcome } | undefined {
    const stored = existing.slice(start, start + proposed.length);
    if (stored.length !== proposed.length) return undefined;
    if (!stored.every((event, i) => event.id === proposed[i]!.id)) return undefined;
    const first = stored[0]!;
    const last = stored[stored.length - 1]!;
    return {
      kind: 'done',
      outcome: {
        kind: 'success',
        currentRevision: last.revision,
        position: { commit: last.position, prepare: first.position },
      },
    };
  }

  private write(streamName: string, proposed: readonly ProposedEvent[], notify = true): FakeRecordedEvent[] {
    let state = this.streams.get(streamName);
    if (state === undefined) {
      state = { events: [], tombstoned: false };
      this.streams.set(streamName, state);
    }
    const created = BigInt(Date.now()) * TICKS_PER_MS;
    const written = proposed.map((event) => {
      const recorded: FakeRecordedEvent = {
        ...event,
        id: event.id.toLowerCase(),
        streamName,
        revision: BigInt(state.events.length),
        position: this.nextPosition,
        created,
      };
      state.events.push(recorded);
      this.all.push(recorded);
      this.nextPosition +=
        RECORD_OVERHEAD +
        BigInt(event.data.length + event.customMetadata.length + event.type.length * 2 + streamName.length);
      return recorded;
    });
    if (notify) this.notify();
    return written;
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
