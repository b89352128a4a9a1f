import type { Redis } from 'ioredis';
import type { EventStore, Position } from '@ismap/event-store';
import { comparePositions } from '@ismap/event-store';
import { readCheckpoint } from '../redis/generations';
import type { Alarm } from './alarm';
import type { Batch } from './batch-source';
import { BatchSource } from './batch-source';
import type { Lease } from './lease';
import { positionAfter } from './positions';
import type { BatchOutcome, ComputedWrite, WriteTarget } from './write-batch';
import { computeWrite, sendWrite, writeBatch } from './write-batch';

/** Why a feed ended. Everything but `done` and `stopped` sends the caller back to re-read where it stands. */
export type FeedEnd =
  'done' | 'stopped' | 'lease-lost' | 'handover' | 'generation-changed' | 'checkpoint-conflict' | 'halted';

/** One generation fed from the subscription. */
export interface FeedMember {
  readonly target: WriteTarget;
  readonly lease: Lease;
  readonly onBatch?: (outcome: BatchOutcome, batch: Batch) => void;
  /** Asked whenever the subscription has nothing ready; true ends this member's feed with `done`. */
  readonly caughtUp?: (checkpoint: Position | undefined) => Promise<boolean>;
}

export interface FeedOptions {
  readonly store: EventStore;
  readonly redis: Redis;
  readonly members: readonly FeedMember[];
  readonly alarm: Alarm;
  readonly maxBatch: number;
  readonly idleTickMs: number;
  readonly stopping: () => boolean;
}

interface State {
  readonly member: FeedMember;
  readonly types: ReadonlySet<string> | undefined;
  /** As stored (confirmed by the last write that came back). */
  checkpoint: Position | undefined;
  end: FeedEnd | undefined;
  /** The write on its way to Redis, if any: at most one per member. */
  inflight: InFlight | undefined;
}

interface InFlight {
  readonly computed: ComputedWrite;
  readonly batch: Batch;
  readonly reply: Promise<BatchOutcome>;
}

const after = positionAfter;

/**
 * Subscribes from the members' stored checkpoints (the lowest of them) and writes batch after batch into each
 * member's generation until, member by member, it is told to stop, its lease is lost or handed over, a write is
 * refused, a `stop` projection halts, or its `caughtUp` says done. A live runner feeds one member; a rebuild of
 * several projections feeds them all from one subscription, so the log is read and parsed once, and their writes
 * of a batch go to Redis concurrently.
 *
 * Each member keeps at most one write in flight: the next batch is read and applied while Redis runs the previous
 * batch's script (the two cores work at once), and sent once that script has answered OK. Nothing is lost to this:
 * the next batch expects the checkpoint the previous one stores, so if that one is refused, so is this one, and a
 * halting batch is always written alone. Memory stays bounded: one batch in hand, one in flight.
 */
export async function feed(options: FeedOptions): Promise<FeedEnd[]> {
  const { redis, alarm } = options;
  const states: State[] = [];
  for (const member of options.members) {
    const types = member.target.projection.eventTypes;
    states.push({
      member,
      types: types === undefined ? undefined : new Set(types),
      checkpoint: await readCheckpoint(redis, member.target.generation),
      end: undefined,
      inflight: undefined,
    });
  }
  // Start at the lowest checkpoint (none: the start of the log); members further on skip what they have.
  let from = states[0]?.checkpoint;
  for (const state of states) {
    if (state.checkpoint === undefined) from = undefined;
    else if (from !== undefined && comparePositions(state.checkpoint, from) < 0) from = state.checkpoint;
  }
  const wanted = states.some((s) => s.types === undefined)
    ? undefined
    : new Set(states.flatMap((s) => [...(s.types ?? [])]));
  const source = new BatchSource(options.store, from, wanted, options.maxBatch);

  const interrupt = (state: State): void => {
    const { lease } = state.member;
    if (state.end !== undefined) return;
    if (options.stopping()) state.end = 'stopped';
    else if (lease.lost) state.end = 'lease-lost';
    else if (lease.handoverRequested) state.end = 'handover';
  };
  const checkCaughtUp = async (state: State): Promise<void> => {
    const { caughtUp } = state.member;
    if (state.end === undefined && caughtUp !== undefined && (await caughtUp(state.checkpoint))) {
      state.end = 'done';
    }
  };
  const handle = (state: State, outcome: BatchOutcome, batch: Batch): void => {
    state.member.lease.noteHandover(outcome.handoverRequested);
    switch (outcome.status) {
      case 'LEASE':
        state.member.lease.markLost();
        state.end = 'lease-lost';
        return;
      case 'GENERATION':
        state.end = 'generation-changed';
        return;
      case 'CHECKPOINT':
        state.end = 'checkpoint-conflict';
        return;
      case 'OK':
        state.checkpoint = outcome.checkpoint;
        state.member.onBatch?.(outcome, batch);
        if (outcome.halted !== undefined) state.end = 'halted';
        return;
    }
  };
  /** Waits for the member's write in flight, if any, and takes its outcome in. */
  const settle = async (state: State): Promise<void> => {
    const inflight = state.inflight;
    if (inflight === undefined) return;
    state.inflight = undefined;
    const outcome = await inflight.reply;
    // An earlier end (told to stop) stands; a refused write still ends the member.
    const end = state.end;
    handle(state, outcome, inflight.batch);
    if (end !== undefined) state.end = end;
  };
  const settleAll = (): Promise<void[]> => Promise.all(states.map(settle));
  const write = async (state: State, batch: Batch): Promise<void> => {
    const { target } = state.member;
    // What is stored once the write in flight succeeds; if it fails, the next write is refused too.
    const base =
      state.inflight === undefined
        ? state.checkpoint
        : (state.inflight.computed.checkpoint ?? state.inflight.computed.from);
    const events = batch.events.filter(
      (e) => (state.types === undefined || state.types.has(e.type)) && after(e.position, base),
    );
    const through = batch.through;
    if (events.length === 0 && (through === undefined || !after(through, base))) return;
    const computed = await computeWrite(redis, target, events, base, through, state.inflight?.computed.tx);
    await settle(state);
    if (state.end !== undefined) return;
    if ('unencodable' in computed || computed.halted !== undefined) {
      // The slow paths (finding an unencodable document, a halt) are written alone, from what is stored.
      handle(state, await writeBatch(redis, target, events, state.checkpoint, through), batch);
      return;
    }
    const reply = sendWrite(redis, target, computed);
    // Awaited by settle; until then a rejection must not count as unhandled.
    reply.catch(() => undefined);
    state.inflight = { computed, batch, reply };
  };

  try {
    for (;;) {
      states.forEach(interrupt);
      await Promise.all(states.filter((s) => s.end !== undefined).map(settle));
      const active = states.filter((s) => s.end === undefined);
      if (active.length === 0) return states.map((s) => s.end ?? 'stopped');
      const batch = await source.next();
      if (batch === 'ended') throw new Error('the $all subscription ended');
      if (batch === 'nothing') {
        await settleAll();
        for (const state of active) await checkCaughtUp(state);
        if (active.some((s) => s.end === undefined)) {
          await source.waitForMore(alarm.wait(options.idleTickMs));
        }
        continue;
      }
      await Promise.all(active.map((state) => write(state, batch)));
      if (batch.caughtUp) {
        // Caught up with the log: nothing to overlap with, and live events are written at once.
        await settleAll();
        for (const state of active) await checkCaughtUp(state);
      }
    }
  } finally {
    await settleAll().catch(() => undefined);
    await source.close();
  }
}
