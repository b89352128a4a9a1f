import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@ismap/event-store';
import { EventLog } from '../trail/event-log.spec';
import type { DecisionTimeline } from './decision-history';
import { replayDecisionTimeline } from './decision-history';
import { HISTORY } from './decision-history.fixtures.spec';

const timelineIds = (t: DecisionTimeline): string[][] =>
  t.meetings.map((m) => m.rulings.map((r) => r.rulingId));

describe('decision history replayed from the embedded store', () => {
  let dir: string;
  let store: SqliteEventStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ismap-decision-history-'));
    store = await SqliteEventStore.open({ file: join(dir, 'events.sqlite'), watchFiles: false });
    for (const e of new EventLog().recordAll(HISTORY)) {
      await store.appendToStream(
        e.streamName,
        [{ id: e.id, type: e.type, data: e.data, metadata: e.metadata }],
        { expectedRevision: 'any' },
      );
    }
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const positionOf = async (rulingId: string): Promise<string> => {
    const events = await store.readAll({ maxCount: 1000 });
    return events.find((e) => e.type === 'RulingRecorded' && e.data['rulingId'] === rulingId)!.position;
  };

  it('replays the whole log into the timeline', async () => {
    const timeline = await replayDecisionTimeline(store, { from: '2021-01-01', to: '2021-12-31' });
    expect(timeline.asOfPosition).toBeNull();
    expect(timelineIds(timeline)).toEqual([
      ['R-0001', 'R-0002', 'R-0003'],
      ['R-0004', 'R-0005'],
    ]);
    expect(timeline.meetings[1]?.rulings[0]?.position).toBe(await positionOf('R-0004'));
  });

  it('shows what was known at a log position: nothing recorded after it', async () => {
    const cut = await positionOf('R-0003');
    const timeline = await replayDecisionTimeline(store, {
      from: '2021-01-01',
      to: '2021-12-31',
      atPosition: cut,
    });
    expect(timeline.asOfPosition).toBe(cut);
    expect(timelineIds(timeline)).toEqual([['R-0001', 'R-0002', 'R-0003']]);
  });

  it('shows nothing before the first ruling was recorded, and filters by service in the past too', async () => {
    const first = await positionOf('R-0001');
    const before = (BigInt(first) - 1n).toString();
    expect(await replayDecisionTimeline(store, { atPosition: before })).toMatchObject({ rulingCount: 0 });
    const cut = await positionOf('R-0004');
    const svc2 = await replayDecisionTimeline(store, { serviceId: 'SVC-0002', atPosition: cut });
    expect(timelineIds(svc2)).toEqual([['R-0003'], ['R-0004']]);
  });
});
