import type { RecordedEvent } from '@ismap/event-store';
import { LogSnapshot, readLogUpTo } from './log-snapshot';
import { latestTrailSeal } from './report.commands';

const event = (position: number, type: string, data: Record<string, string> = {}): RecordedEvent => ({
  id: `e-${position}`,
  type,
  data,
  metadata: {
    actor: { sub: 's', roles: [] },
    correlationId: 'c',
    causationId: 'c',
    commandId: `c-${position}`,
    occurredOn: '2021-04-01',
    recordedAt: '2026-11-22T00:00:00.000Z',
    schemaVersion: 1,
    rulesetVersion: '2020-06',
  },
  streamName: `s-${position}`,
  revision: 0,
  position: String(position),
});

describe('the log slice a report is computed from', () => {
  const log = [event(3, 'B'), event(1, 'A'), event(2, 'AuditBodyApplied'), event(10, 'A')];
  const snapshot = new LogSnapshot(log);

  it('answers readAll like the store: in log order, from an inclusive position, filtered by type prefix', async () => {
    const positions = async (o: Parameters<LogSnapshot['readAll']>[0]) =>
      (await snapshot.readAll(o)).map((e) => e.position);
    expect(await positions({})).toEqual(['1', '2', '3', '10']);
    expect(await positions({ fromPosition: '3' })).toEqual(['3', '10']);
    expect(await positions({ fromPosition: '2', maxCount: 2 })).toEqual(['2', '3']);
    expect(await positions({ filter: { eventTypePrefixes: ['A'] } })).toEqual(['1', '2', '10']);
    await expect(snapshot.readAll({ direction: 'backwards' })).rejects.toThrow();
  });

  it('readLogUpTo stops at the fixed position, inclusive', async () => {
    expect((await readLogUpTo(snapshot, '3')).map((e) => e.position)).toEqual(['1', '2', '3']);
  });
});

describe('the seal hook', () => {
  const seal = { position: '7', root: 'ab'.repeat(32), signature: 'sig', keyId: 'k1' };

  it('quotes the latest well-formed TrailSealed of the slice', () => {
    expect(
      latestTrailSeal([event(8, 'TrailSealed', { ...seal, position: '5' }), event(9, 'TrailSealed', seal)]),
    ).toEqual(seal);
    expect(latestTrailSeal([event(1, 'A')])).toBeUndefined();
    expect(latestTrailSeal([event(9, 'TrailSealed', { root: 'r' })])).toBeUndefined();
  });
});
