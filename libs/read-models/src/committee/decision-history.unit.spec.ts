import { memoryView } from '../memory-read-model';
import { ACTORS, AUDIT_BODY_ID, EventLog, project } from '../trail/event-log.spec';
import { committeeProjection } from './committee.projection';
import type { DecisionTimeline } from './decision-history';
import { decisionTimeline, isReversedRange, listDecisions, selectDecisions } from './decision-history';
import { HISTORY } from './decision-history.fixtures.spec';

const log = new EventLog();
const view = memoryView(project(committeeProjection, log.recordAll(HISTORY)));
const ids = (rulings: readonly { rulingId: string }[]): string[] => rulings.map((r) => r.rulingId);
const timelineIds = (t: DecisionTimeline): string[][] => t.meetings.map((m) => ids(m.rulings));

describe('decision history: selection (shared by the API and cli replay)', () => {
  it('selects by inclusive business dates, by date and then in the order recorded', async () => {
    expect(ids(await selectDecisions(view, {}))).toEqual([
      'R-0001',
      'R-0002',
      'R-0003',
      'R-0004',
      'R-0005',
      'R-0006',
    ]);
    expect(ids(await selectDecisions(view, { from: '2021-01-01', to: '2021-12-31' }))).toEqual([
      'R-0001',
      'R-0002',
      'R-0003',
      'R-0004',
      'R-0005',
    ]);
    expect(ids(await selectDecisions(view, { from: '2021-06-22', to: '2021-06-22' }))).toEqual([
      'R-0004',
      'R-0005',
    ]);
  });

  it('selects the rulings about one service: on its applications and on the service itself', async () => {
    expect(ids(await selectDecisions(view, { serviceId: 'SVC-0001' }))).toEqual(['R-0002', 'R-0005']);
    expect(ids(await selectDecisions(view, { serviceId: 'SVC-0002' }))).toEqual(['R-0003', 'R-0004']);
    expect(ids(await selectDecisions(view, { serviceId: 'SVC-0002', from: '2021-04-01' }))).toEqual([
      'R-0004',
    ]);
    expect(await selectDecisions(view, { serviceId: 'SVC-9999' })).toEqual([]);
  });

  it("answers the API's shape: the count and the ruling documents", async () => {
    const answer = await listDecisions(view, { to: '2021-03-12' });
    expect(answer.count).toBe(3);
    expect(answer.decisions[1]).toMatchObject({
      rulingId: 'R-0002',
      meetingNumber: 1,
      decision: 'REGISTER',
      registrationNumber: 'C21-0001-1',
      subjectName: 'テストクラウド IaaS',
    });
  });

  it('knows a reversed range', () => {
    expect(isReversedRange({ from: '2021-12-31', to: '2021-01-01' })).toBe(true);
    expect(isReversedRange({ from: '2021-01-01', to: '2021-01-01' })).toBe(false);
    expect(isReversedRange({ from: '2021-12-31' })).toBe(false);
  });
});

describe('decision history: the timeline', () => {
  it('groups the rulings by meeting, in order, with a recognisable subject and who recorded it when', async () => {
    const timeline = await decisionTimeline(view, { from: '2021-01-01', to: '2021-12-31' });
    expect(timeline).toMatchObject({
      from: '2021-01-01',
      to: '2021-12-31',
      serviceId: null,
      asOfPosition: null,
      meetingCount: 2,
      rulingCount: 5,
    });
    expect(timeline.meetings.map((m) => [m.meetingId, m.number, m.heldOn])).toEqual([
      ['M1', 1, '2021-03-12'],
      ['M2', 2, '2021-06-22'],
    ]);
    expect(timelineIds(timeline)).toEqual([
      ['R-0001', 'R-0002', 'R-0003'],
      ['R-0004', 'R-0005'],
    ]);
    const recorded = log.events.find((e) => e.type === 'RulingRecorded' && e.data['rulingId'] === 'R-0002')!;
    expect(timeline.meetings[0]?.rulings[1]).toEqual({
      rulingId: 'R-0002',
      decidedOn: '2021-03-12',
      decision: 'REGISTER',
      subject: { kind: 'application', id: 'APP-0001', name: 'テストクラウド IaaS', serviceId: 'SVC-0001' },
      registrationNumber: 'C21-0001-1',
      rationale: '審査の結果、基準を満たしている',
      recordedBy: ACTORS.secretariat.sub,
      recordedAt: recorded.metadata.recordedAt,
      position: recorded.position,
      confirmation: 'NONE',
      confirmedBy: null,
      confirmedAt: null,
    });
    expect(timeline.meetings[0]?.rulings[0]?.subject).toEqual({
      kind: 'auditBody',
      id: AUDIT_BODY_ID,
      name: 'テスト監査法人',
      serviceId: null,
    });
    expect(timeline.meetings[1]?.rulings[1]).toMatchObject({
      decision: 'REVOKE',
      subject: { kind: 'service', id: 'SVC-0001', serviceId: 'SVC-0001' },
      confirmation: 'PENDING',
    });
  });

  it("names a meeting from its rulings when the meeting's own event is missing", async () => {
    const timeline = await decisionTimeline(view, { from: '2022-01-01' });
    expect(timeline.meetings).toEqual([
      expect.objectContaining({ meetingId: 'M3', number: 3, heldOn: '2022-01-20' }),
    ]);
  });

  it("keeps only one service's meetings and rulings", async () => {
    const timeline = await decisionTimeline(view, { serviceId: 'SVC-0002' });
    expect(timeline).toMatchObject({ serviceId: 'SVC-0002', meetingCount: 2, rulingCount: 2 });
    expect(timelineIds(timeline)).toEqual([['R-0003'], ['R-0004']]);
  });

  it('is empty, not an error, for a range without rulings', async () => {
    expect(await decisionTimeline(view, { from: '2020-01-01', to: '2020-12-31' })).toMatchObject({
      meetingCount: 0,
      rulingCount: 0,
      meetings: [],
    });
  });
});
