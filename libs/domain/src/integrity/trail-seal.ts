import { DomainError } from '../shared/domain-error';
import type { Command, Decider, DomainEvent } from '../shared/messages';
import { assertNever } from '../shared/messages';

/** One stream holds every seal, in order; the category has no '-' inside (`$ce-integrity`). */
export const SEALS_STREAM = 'integrity-seals';

export interface SealReferenceData {
  readonly position: string;
  readonly eventCount: number;
  readonly root: string;
}

/** A signed seal as recorded (see libs/integrity seal.ts for what is signed). */
export interface TrailSealData {
  readonly version: 1;
  readonly position: string;
  readonly eventCount: number;
  readonly root: string;
  readonly previous: SealReferenceData | null;
  readonly sealedAt: string;
  readonly keyId: string;
  readonly algorithm: 'Ed25519';
  readonly signature: string;
}

export type RecordSeal = Command<'RecordSeal', TrailSealData>;
export type TrailSealCommand = RecordSeal;
export type TrailSealed = DomainEvent<'TrailSealed', TrailSealData>;
export type TrailSealEvent = TrailSealed;

export interface TrailSealState {
  readonly last: SealReferenceData | null;
}

/** Log positions are decimal strings of unsigned 64-bit integers: compare by length, then digits. */
function comparePositionStrings(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Seals only move forward and each names the one before it. A seal at the position of the last one records
 * nothing (sealing twice is harmless); a seal computed against an older last seal (another sealer won the race)
 * is refused so that the chain of seals has no fork.
 */
export const trailSealDecider: Decider<TrailSealCommand, TrailSealEvent, TrailSealState> = {
  initialState: () => ({ last: null }),

  decide(command, state) {
    switch (command.type) {
      case 'RecordSeal': {
        const seal = command.data;
        const last = state.last;
        if (last !== null && seal.position === last.position) return [];
        if (last !== null && comparePositionStrings(seal.position, last.position) < 0) {
          throw new DomainError(
            'SEAL.BEHIND',
            `A seal at position ${last.position} exists; position ${seal.position} is behind it`,
            'conflict',
          );
        }
        const follows =
          last === null
            ? seal.previous === null
            : seal.previous !== null &&
              seal.previous.position === last.position &&
              seal.previous.eventCount === last.eventCount &&
              seal.previous.root === last.root;
        if (!follows) {
          throw new DomainError('SEAL.STALE', 'The seal does not follow the last recorded seal', 'conflict');
        }
        if (last !== null && seal.eventCount < last.eventCount) {
          throw new DomainError('SEAL.COUNT_DECREASED', 'A later seal cannot cover fewer events', 'conflict');
        }
        return [{ type: 'TrailSealed', data: seal }];
      }
      default:
        return assertNever(command.type);
    }
  },

  evolve(_state, event) {
    switch (event.type) {
      case 'TrailSealed':
        return {
          last: { position: event.data.position, eventCount: event.data.eventCount, root: event.data.root },
        };
      default:
        return assertNever(event.type);
    }
  },
};
