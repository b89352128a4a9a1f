import { memoryView } from '../memory-read-model';
import type { AnyEvent } from '../trail/event-log.spec';
import {
  ACTORS,
  applicationSubmitted,
  AUDIT_BODY_ID,
  EventLog,
  project,
  rulingRecorded,
  serviceRegistered,
  snapshot,
} from '../trail/event-log.spec';
import type { MeetingDoc, RulingDoc } from './committee.projection';
import {
  committeeProjection,
  decisionHistory,
  decisionScore,
  DECISIONS_INDEX,
  getMeeting,
  listMeetings,
  MEETINGS,
  RULINGS,
} from './committee.projection';

const scheduled = (number: number, heldOn: string): AnyEvent => ({
  type: 'MeetingScheduled',
  data: { meetingId: `M${number}`, number, heldOn },
});
const referred = (applicationId: string, number: number, heldOn: string, referredOn: string): AnyEvent => ({
  type: 'ApplicationReferred',
  data: { applicationId, meetingId: `M${number}`, meetingNumber: number, meetingHeldOn: heldOn, referredOn },
});

/** Meeting 1 registers APP-0001 and defers APP-0002; meeting 2 registers APP-0002 and revokes nothing yet. */
const HISTORY: AnyEvent[] = [
  {
    type: 'AuditBodyApplied',
    data: {
      auditBodyId: AUDIT_BODY_ID,
      name: 'テスト監査法人',
      corporateNumber: '2120001000002',
      organisationType: 'AUDIT_CORPORATION',
      appliedOn: '2020-09-01',
    },
  },
  scheduled(1, '2021-03-12'),
  applicationSubmitted(),
  applicationSubmitted({
    applicationId: 'APP-0002',
    serviceId: 'SVC-0002',
    serviceName: '仮称サービス',
    kind: 'NEW',
  }),
  {
    type: 'ApplicationReturned',
    data: { applicationId: 'APP-0002', reason: '名称', returnedOn: '2021-02-02' },
  },
  {
    type: 'ApplicationResubmitted',
    data: { applicationId: 'APP-0002', changes: { serviceName: 'テストSaaS' }, resubmittedOn: '2021-02-03' },
  },
  referred('APP-0001', 1, '2021-03-12', '2021-02-20'),
  referred('APP-0002', 1, '2021-03-12', '2021-02-21'),
  rulingRecorded({
    rulingId: 'R-0002',
    subject: { kind: 'auditBody', auditBodyId: AUDIT_BODY_ID },
    decision: 'AUDIT_BODY_REGISTER',
    registrationNumber: 'A21-0001',
    rationale: '要件を満たす',
  }),
  rulingRecorded(),
  rulingRecorded({
    rulingId: 'R-0003',
    subject: { kind: 'application', applicationId: 'APP-0002' },
    decision: 'DEFER',
    registrationNumber: null,
    rationale: '追加確認が必要',
  }),
  serviceRegistered(),
  scheduled(2, '2021-06-22'),
  referred('APP-0002', 2, '2021-06-22', '2021-05-10'),
  rulingRecorded({
    rulingId: 'R-0004',
    meetingId: 'M2',
    meetingNumber: 2,
    decidedOn: '2021-06-22',
    subject: { kind: 'application', applicationId: 'APP-0002' },
    decision: 'REGISTER',
    registrationNumber: 'C21-0011-1',
  }),
  rulingRecorded({
    rulingId: 'R-0005',
    meetingId: 'M2',
    meetingNumber: 2,
    decidedOn: '2021-06-22',
    subject: { kind: 'service', serviceId: 'SVC-0001' },
    decision: 'REVOKE',
    registrationNumber: null,
    rationale: '虚偽の言明',
  }),
];

function modelOf(events: readonly AnyEvent[]) {
  const log = new EventLog();
  return { log, model: project(committeeProjection, log.recordAll(events)) };
}

describe('committee projection: evolve', () => {
  const { log, model } = modelOf(HISTORY);

  it('keeps a meeting with its agenda (service names as last corrected) and the outcome of each item', () => {
    expect(model.get(MEETINGS, 'M1')).toEqual({
      meetingId: 'M1',
      number: 1,
      heldOn: '2021-03-12',
      agenda: [
        {
          applicationId: 'APP-0001',
          serviceId: 'SVC-0001',
          serviceName: 'テストクラウド IaaS',
          kind: 'NEW',
          referredOn: '2021-02-20',
          rulingId: 'R-0001',
          decision: 'REGISTER',
        },
        {
          applicationId: 'APP-0002',
          serviceId: 'SVC-0002',
          serviceName: 'テストSaaS',
          kind: 'NEW',
          referredOn: '2021-02-21',
          rulingId: 'R-0003',
          decision: 'DEFER',
        },
      ],
      rulings: ['R-0002', 'R-0001', 'R-0003'],
    } satisfies MeetingDoc);
    expect((model.get(MEETINGS, 'M2') as unknown as MeetingDoc).agenda).toEqual([
      expect.objectContaining({ applicationId: 'APP-0002', rulingId: 'R-0004', decision: 'REGISTER' }),
    ]);
  });

  it('keeps one document per ruling with who recorded it and when', () => {
    const recorded = log.events.find((e) => e.type === 'RulingRecorded' && e.data['rulingId'] === 'R-0001')!;
    expect(model.get(RULINGS, 'R-0001')).toEqual({
      rulingId: 'R-0001',
      meetingId: 'M1',
      meetingNumber: 1,
      decidedOn: '2021-03-12',
      subject: { kind: 'application', applicationId: 'APP-0001' },
      subjectName: 'テストクラウド IaaS',
      decision: 'REGISTER',
      rationale: '審査の結果、基準を満たしている',
      registrationNumber: 'C21-0001-1',
      recordedBy: ACTORS.secretariat.sub,
      recordedAt: recorded.metadata.recordedAt,
      position: recorded.position,
      confirmation: 'NONE',
      confirmedBy: null,
      confirmedAt: null,
    } satisfies RulingDoc);
  });

  it('follows a heavy ruling from pending to confirmed', () => {
    const revoke = rulingRecorded({
      rulingId: 'R-0009',
      meetingId: 'M2',
      meetingNumber: 2,
      decidedOn: '2021-06-22',
      subject: { kind: 'service', serviceId: 'SVC-0001' },
      decision: 'REVOKE',
      registrationNumber: null,
      effect: { kind: 'REVOKE_REGISTRATION', serviceId: 'SVC-0001' },
      confirmation: 'REQUIRED',
      proposedBy: ACTORS.secretariat.sub,
    });
    const pending = modelOf([scheduled(2, '2021-06-22'), revoke]).model;
    expect(pending.get(RULINGS, 'R-0009')).toMatchObject({ confirmation: 'PENDING', confirmedBy: null });
    const { confirmation: _required, ...recorded } = revoke.data;
    const confirmed = modelOf([
      scheduled(2, '2021-06-22'),
      revoke,
      {
        type: 'RulingConfirmed',
        data: {
          ...recorded,
          proposedBy: ACTORS.secretariat.sub,
          confirmedBy: ACTORS.secondSecretariat.sub,
          confirmedAt: '2026-01-06T02:00:00.000Z',
        },
      },
    ]).model;
    expect(confirmed.get(RULINGS, 'R-0009')).toMatchObject({
      confirmation: 'CONFIRMED',
      confirmedBy: ACTORS.secondSecretariat.sub,
      confirmedAt: '2026-01-06T02:00:00.000Z',
      recordedBy: ACTORS.secretariat.sub,
    });
    // A confirmation is not a second ruling.
    expect(confirmed.members(DECISIONS_INDEX)).toEqual(['R-0009']);
  });

  it('names the subject of rulings on audit bodies and services', () => {
    expect(model.get(RULINGS, 'R-0002')).toMatchObject({ subjectName: 'テスト監査法人' });
    expect(model.get(RULINGS, 'R-0005')).toMatchObject({ subjectName: 'テストクラウド IaaS' });
  });

  it('orders the decision index by business date, then by the order recorded', () => {
    expect(model.members(DECISIONS_INDEX)).toEqual(['R-0002', 'R-0001', 'R-0003', 'R-0004', 'R-0005']);
    expect(model.indexes.get(DECISIONS_INDEX)?.get('R-0002')).toBe(decisionScore('2021-03-12', 1));
  });

  it('orders a ruling entered late by its business date, before rulings recorded earlier but decided later', () => {
    const late = modelOf([
      ...HISTORY,
      rulingRecorded({
        rulingId: 'R-OLD',
        meetingId: 'M0',
        meetingNumber: 0,
        decidedOn: '2020-12-01',
        subject: { kind: 'auditBody', auditBodyId: 'AB-OLD' },
        decision: 'AUDIT_BODY_REGISTER',
        registrationNumber: 'A20-0001',
      }),
    ]).model;
    expect(late.members(DECISIONS_INDEX)[0]).toBe('R-OLD');
    // Its meeting is known from the ruling alone.
    expect(late.get(MEETINGS, 'M0')).toMatchObject({ number: 0, heldOn: '2020-12-01', rulings: ['R-OLD'] });
    expect(late.get(RULINGS, 'R-OLD')).toMatchObject({ subjectName: null });
  });

  it('lists an application once per meeting even if referred to it twice', () => {
    const twice = modelOf([
      scheduled(1, '2021-03-12'),
      applicationSubmitted(),
      referred('APP-0001', 1, '2021-03-12', '2021-02-20'),
      referred('APP-0001', 1, '2021-03-12', '2021-03-01'),
    ]).model;
    expect((twice.get(MEETINGS, 'M1') as unknown as MeetingDoc).agenda).toEqual([
      expect.objectContaining({ applicationId: 'APP-0001', referredOn: '2021-03-01' }),
    ]);
  });

  it('keeps the agenda when the meeting event comes after a referral to it', () => {
    const reordered = modelOf([
      applicationSubmitted(),
      referred('APP-0001', 3, '2021-07-30', '2021-07-01'),
      scheduled(3, '2021-07-30'),
    ]).model;
    expect(reordered.get(MEETINGS, 'M3')).toMatchObject({
      number: 3,
      agenda: [expect.objectContaining({ applicationId: 'APP-0001' })],
    });
  });

  it('builds the same model when the log is replayed', () => {
    expect(snapshot(modelOf(HISTORY).model)).toEqual(snapshot(modelOf(HISTORY).model));
  });
});

describe('committee projection: queries', () => {
  const view = memoryView(modelOf(HISTORY).model);
  const ids = (rulings: readonly RulingDoc[]): string[] => rulings.map((r) => r.rulingId);

  it('answers the whole decision history in order', async () => {
    expect(ids(await decisionHistory(view))).toEqual(['R-0002', 'R-0001', 'R-0003', 'R-0004', 'R-0005']);
  });

  it('limits the history to an inclusive range of business dates', async () => {
    expect(ids(await decisionHistory(view, { from: '2021-03-12', to: '2021-03-12' }))).toEqual([
      'R-0002',
      'R-0001',
      'R-0003',
    ]);
    expect(ids(await decisionHistory(view, { from: '2021-03-13' }))).toEqual(['R-0004', 'R-0005']);
    expect(ids(await decisionHistory(view, { to: '2021-06-21' }))).toEqual(['R-0002', 'R-0001', 'R-0003']);
    expect(ids(await decisionHistory(view, { from: '2022-01-01' }))).toEqual([]);
  });

  it('pages through a long history', async () => {
    const many = Array.from({ length: 1_203 }, (_, i) =>
      rulingRecorded({ rulingId: `R-${i}`, subject: { kind: 'application', applicationId: `APP-${i}` } }),
    );
    const long = memoryView(modelOf(many).model);
    const all = await decisionHistory(long);
    expect(all).toHaveLength(1_203);
    expect(all[1_202]?.rulingId).toBe('R-1202');
    expect(await decisionHistory(long, { to: '2021-03-11' })).toEqual([]);
  });

  it('refuses a malformed date', async () => {
    await expect(decisionHistory(view, { from: '2021-3-1' })).rejects.toThrow(RangeError);
  });

  it('answers a meeting with its agenda and its rulings', async () => {
    const meeting = await getMeeting(view, 'M2');
    expect(meeting).toMatchObject({ meetingId: 'M2', number: 2, heldOn: '2021-06-22' });
    expect(meeting?.agenda.map((i) => i.applicationId)).toEqual(['APP-0002']);
    expect(ids(meeting?.rulings ?? [])).toEqual(['R-0004', 'R-0005']);
    expect(await getMeeting(view, 'M99')).toBeUndefined();
  });

  it('lists meetings by number', async () => {
    expect((await listMeetings(view)).map((m) => m.number)).toEqual([1, 2]);
  });
});
