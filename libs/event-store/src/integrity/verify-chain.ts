/**
 * Verification of the per-stream hash chains (see event-hash.ts and chain-links.ts).
 *
 * Feed it events AS STORED (`asStored: true` reads: never upcast, since the hash covers the stored event) in
 * `$all` order, or one stream in revision order. The result is stable:
 *
 *   ChainVerification = { ok, eventsChecked, streamsChecked, breakCount, breaks: ChainBreak[] }
 *   ChainBreak        = { kind, streamName, revision, position?, eventId?, detail }
 *
 * `breaks` lists at most `maxBreaks` (default 200) breaks in the order found; `breakCount` counts all of them.
 * Each names the stream and the revision where the chain broke, and how:
 *
 * - `changed`: the event at `revision` is not what was appended. Its content does not match its `hash`, or its
 *   hash was recomputed after a change (the next event still links to the original, so the break is reported at
 *   the changed event), or it cannot even be read, or it differs from the expected head the caller supplied.
 * - `missing`: revisions are absent; `revision` is the first missing one (`detail` gives the range).
 * - `reordered`: the event at `revision` is out of place: it comes after later revisions of its stream in log
 *   order, appears twice, or two revisions hold each other's events (its `prevHash` links to the next event).
 * - `truncated`: the stream ends before the expected head the caller supplied (for example from a seal);
 *   `revision` is the first revision that should exist and does not. Without expected heads a cut-off tail
 *   cannot be told from a stream that simply ended there.
 * - `unchained`: the event at `revision` has no `hash` (recorded before the chain existed, or stripped).
 *
 * Memory: per stream, its last link (a few dozen bytes) and, only while revisions arrive out of order, at most
 * `reorderWindow` held-back events; never the whole log.
 */
import { CorruptEventError } from '../errors';
import type { EventStore, Position } from '../event-store.port';
import { START } from '../event-store.port';
import { GENESIS_HASH, HASH_KEY, PREV_HASH_KEY, computeEventHash } from './event-hash';

export type ChainBreakKind = 'changed' | 'missing' | 'reordered' | 'truncated' | 'unchained';

export interface ChainBreak {
  readonly kind: ChainBreakKind;
  readonly streamName: string;
  readonly revision: number;
  /** Log position of the event concerned; absent for `missing` and `truncated`. */
  readonly position?: Position;
  readonly eventId?: string;
  /** One sentence for people; not for parsing. */
  readonly detail: string;
}

export interface ChainVerification {
  readonly ok: boolean;
  readonly eventsChecked: number;
  readonly streamsChecked: number;
  /** Every break found, including those left out of `breaks`. */
  readonly breakCount: number;
  readonly breaks: readonly ChainBreak[];
}

/** The head a stream had at a known point (e.g. a seal): what makes a cut-off tail detectable. */
export interface ExpectedStreamHead {
  readonly streamName: string;
  /** The stream's last revision then. */
  readonly revision: number;
  /** That event's hash, when known: also catches a tail cut off and rewritten with a fresh chain. */
  readonly hash?: string;
}

export interface VerifyChainsOptions {
  readonly expectedHeads?: Iterable<ExpectedStreamHead>;
  /** Most breaks listed one by one (all are counted). Default 200. */
  readonly maxBreaks?: number;
  /** Most events held back per stream while waiting for a revision that came out of order. Default 1000. */
  readonly reorderWindow?: number;
}

/** An event as stored; RecordedEvent fits, and so does a plain object read from an export. */
export interface ChainedEvent {
  readonly id?: string;
  readonly streamName: string;
  readonly revision: number;
  readonly position?: Position;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** An event that could not be read (see CorruptEventError); it counts as `changed`. */
export interface UnreadableEvent {
  readonly streamName: string;
  readonly revision: number;
  readonly position?: Position;
  readonly eventId?: string;
}

interface Checked {
  readonly revision: number;
  readonly position: Position | undefined;
  readonly eventId: string | undefined;
}

/** A content mismatch whose `prevHash` might link to the next revision (two events swapped). */
interface Suspect extends Checked {
  readonly prevHash: unknown;
  readonly storedHash: string;
}

interface StreamState {
  /** The next revision expected in order. */
  next: number;
  /** What the event at `next` must have as `prevHash`; undefined after a gap (unknown). */
  expectedPrev: string | undefined;
  last: Checked | undefined;
  lastReported: number;
  suspect: Suspect | undefined;
  /** Revisions that arrived ahead of `next`, keyed by revision. */
  held: Map<number, ChainedEvent | UnreadableEvent> | undefined;
}

function isUnreadable(event: ChainedEvent | UnreadableEvent): event is UnreadableEvent {
  return !('metadata' in event);
}

/**
 * Incremental verifier: `add` each event (or `addUnreadable`), then `finish()` once. `verifyChains` and
 * `verifyStoreChains` wrap it; use it directly to verify while streaming from elsewhere (an export file).
 */
export class ChainVerifier {
  private readonly streams = new Map<string, StreamState>();
  private readonly expected = new Map<string, ExpectedStreamHead>();
  private readonly breaks: ChainBreak[] = [];
  private breakCount = 0;
  private events = 0;
  private finished = false;
  private readonly maxBreaks: number;
  private readonly reorderWindow: number;

  constructor(options: VerifyChainsOptions = {}) {
    for (const head of options.expectedHeads ?? []) this.expected.set(head.streamName, head);
    this.maxBreaks = options.maxBreaks ?? 200;
    this.reorderWindow = Math.max(1, options.reorderWindow ?? 1000);
  }

  add(event: ChainedEvent): void {
    this.accept(event);
  }

  addUnreadable(event: UnreadableEvent): void {
    this.accept(event);
  }

  finish(): ChainVerification {
    if (!this.finished) {
      this.finished = true;
      for (const [streamName, state] of this.streams) {
        while (state.held !== undefined && state.held.size > 0) this.skipGap(streamName, state);
        this.settleSuspect(streamName, state);
      }
      for (const head of this.expected.values()) this.checkTruncation(head);
    }
    return {
      ok: this.breakCount === 0,
      eventsChecked: this.events,
      streamsChecked: this.streams.size,
      breakCount: this.breakCount,
      breaks: [...this.breaks],
    };
  }

  private accept(event: ChainedEvent | UnreadableEvent): void {
    if (this.finished) throw new Error('ChainVerifier.finish() was already called');
    this.events += 1;
    const state = this.stateOf(event.streamName);
    if (event.revision < state.next || state.held?.has(event.revision) === true) {
      this.report({
        kind: 'reordered',
        streamName: event.streamName,
        revision: event.revision,
        ...where(event),
        detail: `revision ${event.revision} appears again after revision ${state.next - 1}`,
      });
      return;
    }
    if (event.revision > state.next) {
      state.held ??= new Map();
      state.held.set(event.revision, event);
      if (state.held.size > this.reorderWindow) this.skipGap(event.streamName, state);
      return;
    }
    if (state.held !== undefined && state.held.size > 0) {
      const latest = Math.max(...state.held.keys());
      this.report({
        kind: 'reordered',
        streamName: event.streamName,
        revision: event.revision,
        ...where(event),
        detail: `revision ${event.revision} comes after revision ${latest} of its stream in log order`,
      });
    }
    this.check(event.streamName, state, event);
    this.drain(event.streamName, state);
  }

  private stateOf(streamName: string): StreamState {
    let state = this.streams.get(streamName);
    if (state === undefined) {
      state = {
        next: 0,
        expectedPrev: GENESIS_HASH,
        last: undefined,
        lastReported: -1,
        suspect: undefined,
        held: undefined,
      };
      this.streams.set(streamName, state);
    }
    return state;
  }

  /** Checks held-back events that are now next in order. */
  private drain(streamName: string, state: StreamState): void {
    for (let event = state.held?.get(state.next); event !== undefined; event = state.held?.get(state.next)) {
      state.held?.delete(state.next);
      this.check(streamName, state, event);
    }
  }

  /** The revisions before the lowest held-back one never came: report them missing and go on from there. */
  private skipGap(streamName: string, state: StreamState): void {
    if (state.held === undefined || state.held.size === 0) return;
    const lowest = Math.min(...state.held.keys());
    this.settleSuspect(streamName, state);
    this.report({
      kind: 'missing',
      streamName,
      revision: state.next,
      detail:
        lowest - 1 === state.next
          ? `revision ${state.next} is missing`
          : `revisions ${state.next} to ${lowest - 1} are missing`,
    });
    state.next = lowest;
    state.expectedPrev = undefined;
    state.last = undefined;
    this.drain(streamName, state);
  }

  /** Checks the event at `state.next` and moves the stream on past it. */
  private check(streamName: string, state: StreamState, event: ChainedEvent | UnreadableEvent): void {
    const { revision } = event;
    const checked: Checked = { revision, position: event.position, eventId: eventIdOf(event) };
    const suspect = state.suspect;
    state.suspect = undefined;
    state.next = revision + 1;
    if (isUnreadable(event)) {
      if (suspect !== undefined) this.reportSuspect(streamName, suspect);
      this.report({
        kind: 'changed',
        streamName,
        revision,
        ...where(event),
        detail: 'the event cannot be read',
      });
      state.expectedPrev = undefined;
      state.last = checked;
      state.lastReported = revision;
      return;
    }
    const storedHash = event.metadata[HASH_KEY];
    const prevHash = event.metadata[PREV_HASH_KEY];
    if (typeof storedHash !== 'string') {
      if (suspect !== undefined) this.reportSuspect(streamName, suspect);
      this.report({
        kind: 'unchained',
        streamName,
        revision,
        ...where(event),
        detail: 'the event has no hash',
      });
      // What is appended after an unchained event links to the genesis value (see prevHashAfter).
      state.expectedPrev = GENESIS_HASH;
      state.last = checked;
      state.lastReported = revision;
      return;
    }
    if (suspect !== undefined && suspect.prevHash === storedHash) {
      // The event before links to this one: the two hold each other's events. This one is the other half.
      this.report({
        kind: 'reordered',
        streamName,
        revision: suspect.revision,
        ...where(suspect),
        detail: `revisions ${suspect.revision} and ${revision} hold each other's events`,
      });
      state.expectedPrev = suspect.storedHash;
      state.last = checked;
      state.lastReported = revision;
      return;
    }
    if (suspect !== undefined) this.reportSuspect(streamName, suspect);
    const contentMatches = safeHash(event) === storedHash;
    const linkMatches = state.expectedPrev === undefined || prevHash === state.expectedPrev;
    const head = this.expected.get(streamName);
    if (!contentMatches) {
      if (linkMatches) {
        this.report({
          kind: 'changed',
          streamName,
          revision,
          ...where(event),
          detail: 'its content does not match its hash',
        });
        state.lastReported = revision;
      } else {
        state.suspect = { ...checked, prevHash, storedHash };
      }
    } else if (!linkMatches) {
      // Intact itself, but the event before is not the one it was chained to: that one was rewritten.
      const previous = state.last;
      if (previous !== undefined && state.lastReported !== previous.revision) {
        this.report({
          kind: 'changed',
          streamName,
          revision: previous.revision,
          ...where(previous),
          detail: `revision ${revision} links to a different event: revision ${previous.revision} was rewritten`,
        });
      }
    } else if (head?.hash !== undefined && head.revision === revision && head.hash !== storedHash) {
      this.report({
        kind: 'changed',
        streamName,
        revision,
        ...where(event),
        detail: "its hash differs from the expected head's",
      });
      state.lastReported = revision;
    }
    state.expectedPrev = storedHash;
    state.last = checked;
  }

  private settleSuspect(streamName: string, state: StreamState): void {
    if (state.suspect === undefined) return;
    this.reportSuspect(streamName, state.suspect);
    state.lastReported = state.suspect.revision;
    state.suspect = undefined;
  }

  private reportSuspect(streamName: string, suspect: Suspect): void {
    this.report({
      kind: 'changed',
      streamName,
      revision: suspect.revision,
      ...where(suspect),
      detail: 'its content does not match its hash',
    });
  }

  private checkTruncation(head: ExpectedStreamHead): void {
    const state = this.streams.get(head.streamName);
    const next = state?.next ?? 0;
    if (next > head.revision) return;
    this.report({
      kind: 'truncated',
      streamName: head.streamName,
      revision: next,
      detail:
        next === 0
          ? `the stream is gone; it was expected to reach revision ${head.revision}`
          : `the stream ends at revision ${next - 1}; it was expected to reach revision ${head.revision}`,
    });
  }

  private report(found: ChainBreak): void {
    this.breakCount += 1;
    if (this.breaks.length < this.maxBreaks) this.breaks.push(found);
  }
}

function eventIdOf(event: ChainedEvent | UnreadableEvent): string | undefined {
  return isUnreadable(event) ? event.eventId : event.id;
}

function where(event: ChainedEvent | UnreadableEvent | Checked): { position?: Position; eventId?: string } {
  const eventId = 'metadata' in event ? event.id : event.eventId;
  return {
    ...(event.position === undefined ? {} : { position: event.position }),
    ...(eventId === undefined ? {} : { eventId }),
  };
}

/** An event whose content JSON cannot hold (it was tampered with) simply does not match. */
function safeHash(event: ChainedEvent): string | undefined {
  try {
    return computeEventHash(event);
  } catch {
    return undefined;
  }
}

/** Verifies events fed in `$all` order (or one stream's, in revision order). */
export async function verifyChains(
  events: AsyncIterable<ChainedEvent | UnreadableEvent> | Iterable<ChainedEvent | UnreadableEvent>,
  options: VerifyChainsOptions = {},
): Promise<ChainVerification> {
  const verifier = new ChainVerifier(options);
  for await (const event of events) {
    if (isUnreadable(event)) verifier.addUnreadable(event);
    else verifier.add(event);
  }
  return verifier.finish();
}

export interface ReadAsStoredOptions {
  /** Events per read. Default 1000. */
  readonly pageSize?: number;
}

/**
 * Every event of the store in `$all` order, as stored (no upcasting), one page in memory at a time. An event
 * the embedded store cannot parse (CorruptEventError) is yielded as an UnreadableEvent and reading goes on.
 */
export async function* readAllAsStored(
  store: EventStore,
  options: ReadAsStoredOptions = {},
): AsyncGenerator<ChainedEvent | UnreadableEvent> {
  const pageSize = options.pageSize ?? 1000;
  let from: Position | typeof START = START;
  let skipFirst = false;
  for (;;) {
    let page;
    try {
      page = await store.readAll({
        fromPosition: from,
        maxCount: pageSize + (skipFirst ? 1 : 0),
        asStored: true,
      });
    } catch (error) {
      if (!(error instanceof CorruptEventError)) throw error;
      // Read up to the unreadable event one at a time, report it, and go on just past it.
      const first = from === START ? '0' : skipFirst ? (BigInt(from) + 1n).toString(10) : from;
      yield* readUpTo(store, first, error.position);
      yield {
        streamName: error.streamName,
        revision: error.revision,
        position: error.position,
        eventId: error.eventId,
      };
      from = (BigInt(error.position) + 1n).toString(10);
      skipFirst = false;
      continue;
    }
    const requested = pageSize + (skipFirst ? 1 : 0);
    // `from` is inclusive: the page starts with the event already yielded (unless it vanished meanwhile).
    const fresh = skipFirst && page[0]?.position === from ? page.slice(1) : page;
    yield* fresh;
    const last = page[page.length - 1];
    if (last === undefined || page.length < requested) return;
    from = last.position;
    skipFirst = true;
  }
}

/** One event at a time up to the unreadable one (only the embedded store reports those: integer positions). */
async function* readUpTo(store: EventStore, from: Position, before: Position): AsyncGenerator<ChainedEvent> {
  let position = from;
  for (;;) {
    let page;
    try {
      page = await store.readAll({ fromPosition: position, maxCount: 1, asStored: true });
    } catch (error) {
      if (error instanceof CorruptEventError && error.position === before) return;
      throw error;
    }
    const event = page[0];
    if (event === undefined || BigInt(event.position) >= BigInt(before)) return;
    yield event;
    position = (BigInt(event.position) + 1n).toString(10);
  }
}

/** Reads the whole store as stored and verifies every stream's chain. */
export function verifyStoreChains(
  store: EventStore,
  options: VerifyChainsOptions & ReadAsStoredOptions = {},
): Promise<ChainVerification> {
  return verifyChains(readAllAsStored(store, options), options);
}
