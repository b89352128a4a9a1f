import { DomainError } from '../shared/domain-error';
import type { CommandContext } from '../shared/messages';
import type { TrailSealData, TrailSealState } from './trail-seal';
import { trailSealDecider } from './trail-seal';

const context: CommandContext = {
  commandId: 'c-1',
  actor: { sub: 'system:jobs', roles: ['system'] },
  occurredOn: '2026-11-22',
  now: '2026-11-22T15:30:00.000Z',
  today: '2026-11-23',
};

const seal = (position: string, eventCount: number, previous: TrailSealData['previous']): TrailSealData => ({
  version: 1,
  position,
  eventCount,
  root: `${position}`.padStart(64, '0'),
  previous,
  sealedAt: context.now,
  keyId: 'ed25519:key',
  algorithm: 'Ed25519',
  signature: 'sig',
});

const decide = (state: TrailSealState, data: TrailSealData) =>
  trailSealDecider.decide({ type: 'RecordSeal', data }, state, context);

describe('trail seal decider', () => {
  const first = seal('90', 80, null);
  const afterFirst = trailSealDecider.evolve(trailSealDecider.initialState(), {
    type: 'TrailSealed',
    data: first,
  });

  it('records the first seal, then one that names it', () => {
    expect(decide(trailSealDecider.initialState(), first)).toEqual([{ type: 'TrailSealed', data: first }]);
    const second = seal('100', 90, { position: '90', eventCount: 80, root: first.root });
    expect(decide(afterFirst, second)).toEqual([{ type: 'TrailSealed', data: second }]);
  });

  it('records nothing for a seal at the position of the last one', () => {
    expect(decide(afterFirst, seal('90', 80, null))).toEqual([]);
  });

  it('refuses a seal behind the last one, one that does not name it, and one covering fewer events', () => {
    const codeOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error instanceof DomainError ? error.code : String(error);
      }
      return 'no error';
    };
    // Position 100 sorts before 90 as text; the decider compares them as numbers.
    expect(
      codeOf(() => decide(afterFirst, seal('89', 79, { position: '90', eventCount: 80, root: first.root }))),
    ).toBe('SEAL.BEHIND');
    expect(codeOf(() => decide(afterFirst, seal('100', 90, null)))).toBe('SEAL.STALE');
    expect(
      codeOf(() =>
        decide(afterFirst, seal('100', 90, { position: '90', eventCount: 80, root: 'f'.repeat(64) })),
      ),
    ).toBe('SEAL.STALE');
    expect(
      codeOf(() => decide(afterFirst, seal('100', 70, { position: '90', eventCount: 80, root: first.root }))),
    ).toBe('SEAL.COUNT_DECREASED');
  });
});
