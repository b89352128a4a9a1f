import type { Redis } from 'ioredis';
import type { EventStore, Position } from '@ismap/event-store';
import { comparePositions } from '@ismap/event-store';
import { readCheckpoint } from '../redis/generations';
import type { Alarm } from './alarm';
import type { Batch } from './batch-source';
import { BatchSource } from './batch-source';
import type { Lease } from './lease';
import { positionAfter } from './positions';
import type { BatchOutcome, WriteTarget } from './write-batch';
import { writeBatch } from './write-batch';

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
  checkpoint: Position | undefined;
  end: FeedEnd | undefined;
}

const after = positionAfter;

/**
 * Subscribes from the members' stored checkpoints (the lowest of them) and writes batch after batch into each
 * member's generation until, member by member, it is told to stop, its lease is lost or handed over, a write is
 * refused, a `stop` projection halts, or its `caughtUp` says done. A live runner feeds one member; a rebuild of
 * several projections feeds them all from one subscription, so the log is read and parsed once, and their writes
 * of a batch go to Redis concurrently. The next batch is read only when every member has written this one.
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
  const write = async (state: State, batch: Batch): Promise<void> => {
    const { target, lease } = state.member;
    const events = batch.events.filter(
      (e) => (state.types === undefined || state.types.has(e.type)) && after(e.position, state.checkpoint),
    );
    const through = batch.through;
    if (events.length === 0 && (through === undefined || !after(through, state.checkpoint))) return;
    const outcome = await writeBatch(redis, target, events, state.checkpoint, through);
    lease.noteHandover(outcome.handoverRequested);
    switch (outcome.status) {
      case 'LEASE':
        lease.markLost();
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

  try {
    for (;;) {
      states.forEach(interrupt);
      const active = states.filter((s) => s.end === undefined);
      if (active.length === 0) return states.map((s) => s.end ?? 'stopped');
      const batch = await source.next();
      if (batch === 'ended') throw new Error('the $all subscription ended');
      if (batch === 'nothing') {
        for (const state of active) await checkCaughtUp(state);
        if (active.some((s) => s.end === undefined)) {
          await source.waitForMore(alarm.wait(options.idleTickMs));
        }
        continue;
      }
      await Promise.all(active.map((state) => write(state, batch)));
      if (batch.caughtUp) for (const state of active) await checkCaughtUp(state);
    }
  } finally {
    await source.close();
  }
}
