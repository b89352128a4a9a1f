import type { ApplicationEvent } from '@ismap/domain';
import { memoryView } from '../memory-read-model';
import {
  applicationSubmitted,
  AUDIT_BODY_ID,
  EventLog,
  OTHER_AUDIT_BODY_ID,
  OTHER_PROVIDER_ID,
  project,
  PROVIDER_ID,
  snapshot,
} from '../trail/event-log.spec';
import type { ApplicationDoc } from './applications.projection';
import {
  ageInDays,
  APPLICATIONS,
  applicationsProjection,
  getApplication,
  listApplications,
} from './applications.projection';

const APP = 'APP-0001';

function modelOf(events: readonly ApplicationEvent[]) {
  const log = new EventLog();
  return project(applicationsProjection, log.recordAll(events));
}

const docOf = (events: readonly ApplicationEvent[], id = APP): ApplicationDoc =>
  modelOf(events).get(APPLICATIONS, id) as unknown as ApplicationDoc;

const accepted = (acceptedOn = '2021-02-05'): ApplicationEvent => ({
  type: 'ApplicationAccepted',
  data: { applicationId: APP, acceptedOn },
});
const referred = (meetingNumber: number, heldOn: string, referredOn: string): ApplicationEvent => ({
  type: 'ApplicationReferred',
  data: {
    applicationId: APP,
    meetingId: `M${meetingNumber}`,
    meetingNumber,
    meetingHeldOn: heldOn,
    referredOn,
  },
});
const auditFinding = (n: number, recordedOn = '2021-02-02'): ApplicationEvent => ({
  type: 'AuditFindingRecorded',
  data: {
    applicationId: APP,
    serviceId: 'SVC-0001',
    findingId: `${APP}.F${n}`,
    auditBodyId: AUDIT_BODY_ID,
    controlId: '9.2.3.11.PB',
    assessment: 'OPERATING',
    kind: 'DEFICIENCY',
    description: '退職者のアカウント削除が遅延していた',
    evidenceRefs: ['WP-12'],
    recordedOn,
  },
});

describe('applications projection: evolve', () => {
  it('opens a document per submitted application with the queue fields and no milestones yet', () => {
    expect(docOf([applicationSubmitted()])).toEqual({
      applicationId: APP,
      kind: 'NEW',
      track: 'ISMAP',
      serviceId: 'SVC-0001',
      providerId: PROVIDER_ID,
      auditBodyId: AUDIT_BODY_ID,
      serviceName: 'テストクラウド IaaS',
      status: 'SUBMITTED',
      decision: null,
      registrationNumber: null,
      submittedOn: '2021-02-01',
      resubmittedOn: null,
      acceptedOn: null,
      referredTo: null,
      referredOn: null,
      decidedOn: null,
      withdrawnOn: null,
      returns: 0,
      deferrals: 0,
      openFindings: 0,
      totalFindings: 0,
      lastActivityOn: '2021-02-01',
    });
  });

  it('follows acceptance, findings, referral, a deferral, a second referral and the decision', () => {
    const doc = docOf([
      applicationSubmitted(),
      auditFinding(1, '2021-02-02'),
      accepted('2021-02-05'),
      {
        type: 'ReviewFindingRaised',
        data: {
          applicationId: APP,
          serviceId: 'SVC-0001',
          findingId: `${APP}.F2`,
          controlId: null,
          description: '言明書の記載が不足している',
          raisedOn: '2021-02-08',
        },
      },
      {
        type: 'FindingResponded',
        data: {
          applicationId: APP,
          findingId: `${APP}.F1`,
          correctiveAction: '手順を改訂',
          respondedOn: '2021-02-10',
        },
      },
      {
        type: 'FindingResolved',
        data: {
          applicationId: APP,
          findingId: `${APP}.F1`,
          resolution: 'RESOLVED',
          note: '確認済み',
          resolvedOn: '2021-02-12',
        },
      },
      {
        type: 'FindingResolved',
        data: {
          applicationId: APP,
          findingId: `${APP}.F2`,
          resolution: 'RISK_ACCEPTED',
          note: '軽微',
          resolvedOn: '2021-02-13',
        },
      },
      referred(1, '2021-03-12', '2021-02-20'),
      {
        type: 'ApplicationDeferred',
        data: { applicationId: APP, rulingId: 'R-0001', meetingId: 'M1', deferredOn: '2021-03-12' },
      },
      referred(2, '2021-06-22', '2021-05-10'),
      {
        type: 'ApplicationDecided',
        data: {
          applicationId: APP,
          rulingId: 'R-0007',
          meetingId: 'M2',
          decision: 'REGISTER',
          decidedOn: '2021-06-22',
          registrationNumber: 'C21-0011-1',
        },
      },
    ]);
    expect(doc).toMatchObject({
      status: 'DECIDED',
      decision: 'REGISTER',
      registrationNumber: 'C21-0011-1',
      acceptedOn: '2021-02-05',
      referredTo: { meetingId: 'M2', number: 2, heldOn: '2021-06-22' },
      referredOn: '2021-05-10',
      decidedOn: '2021-06-22',
      deferrals: 1,
      openFindings: 0,
      totalFindings: 2,
      lastActivityOn: '2021-06-22',
    });
  });

  it('puts a deferred application back in the IPA queue without a meeting', () => {
    const doc = docOf([
      applicationSubmitted(),
      accepted(),
      referred(1, '2021-03-12', '2021-02-20'),
      {
        type: 'ApplicationDeferred',
        data: { applicationId: APP, rulingId: 'R-0001', meetingId: 'M1', deferredOn: '2021-03-12' },
      },
    ]);
    expect(doc).toMatchObject({
      status: 'ACCEPTED',
      referredTo: null,
      deferrals: 1,
      lastActivityOn: '2021-03-12',
    });
  });

  it('counts open findings: a response keeps one open, a resolution closes it', () => {
    const responded: ApplicationEvent = {
      type: 'FindingResponded',
      data: {
        applicationId: APP,
        findingId: `${APP}.F1`,
        correctiveAction: '是正',
        respondedOn: '2021-02-03',
      },
    };
    expect(docOf([applicationSubmitted(), auditFinding(1), auditFinding(2), responded])).toMatchObject({
      openFindings: 2,
      totalFindings: 2,
      lastActivityOn: '2021-02-03',
    });
  });

  it('counts returns and takes the corrected name and audit body from a resubmission', () => {
    const doc = docOf([
      applicationSubmitted(),
      {
        type: 'ApplicationReturned',
        data: { applicationId: APP, reason: '添付漏れ', returnedOn: '2021-02-03' },
      },
      {
        type: 'ApplicationResubmitted',
        data: {
          applicationId: APP,
          changes: { serviceName: 'テストクラウド IaaS (東日本)', auditBodyId: OTHER_AUDIT_BODY_ID },
          resubmittedOn: '2021-02-09',
        },
      },
      {
        type: 'ApplicationReturned',
        data: { applicationId: APP, reason: '再度の不備', returnedOn: '2021-02-10' },
      },
    ]);
    expect(doc).toMatchObject({
      status: 'RETURNED',
      returns: 2,
      resubmittedOn: '2021-02-09',
      submittedOn: '2021-02-01',
      serviceName: 'テストクラウド IaaS (東日本)',
      auditBodyId: OTHER_AUDIT_BODY_ID,
      lastActivityOn: '2021-02-10',
    });
  });

  it('keeps fields a resubmission does not change', () => {
    const doc = docOf([
      applicationSubmitted(),
      {
        type: 'ApplicationReturned',
        data: { applicationId: APP, reason: '添付漏れ', returnedOn: '2021-02-03' },
      },
      {
        type: 'ApplicationResubmitted',
        data: { applicationId: APP, changes: {}, resubmittedOn: '2021-02-04' },
      },
    ]);
    expect(doc).toMatchObject({
      status: 'SUBMITTED',
      serviceName: 'テストクラウド IaaS',
      auditBodyId: AUDIT_BODY_ID,
    });
  });

  it('records a withdrawal', () => {
    const doc = docOf([
      applicationSubmitted(),
      accepted(),
      {
        type: 'ApplicationWithdrawn',
        data: {
          applicationId: APP,
          serviceId: 'SVC-0001',
          kind: 'NEW',
          reason: '事業撤退',
          withdrawnOn: '2021-02-15',
        },
      },
    ]);
    expect(doc).toMatchObject({
      status: 'WITHDRAWN',
      withdrawnOn: '2021-02-15',
      lastActivityOn: '2021-02-15',
    });
  });

  it('ignores events of an application it never saw submitted', () => {
    const model = modelOf([accepted()]);
    expect(model.all(APPLICATIONS)).toEqual([]);
  });

  it('keeps lastActivityOn at the latest business date even when a fact arrives dated earlier', () => {
    const doc = docOf([
      applicationSubmitted({ submittedOn: '2021-02-10' }),
      auditFinding(1, '2021-02-10'),
      accepted('2021-02-10'),
    ]);
    expect(doc.lastActivityOn).toBe('2021-02-10');
  });

  it('builds the same model when the log is replayed', () => {
    const log = new EventLog();
    const events = log.recordAll([applicationSubmitted(), auditFinding(1), accepted()]);
    expect(snapshot(project(applicationsProjection, events))).toEqual(
      snapshot(project(applicationsProjection, events)),
    );
  });
});

describe('applications projection: queries', () => {
  const log = new EventLog();
  const events = log.recordAll([
    applicationSubmitted({ applicationId: 'APP-0003', serviceId: 'SVC-0003', submittedOn: '2021-04-01' }),
    applicationSubmitted({ applicationId: 'APP-0001', submittedOn: '2021-02-01' }),
    applicationSubmitted({
      applicationId: 'APP-0002',
      serviceId: 'SVC-0002',
      providerId: OTHER_PROVIDER_ID,
      auditBodyId: OTHER_AUDIT_BODY_ID,
      kind: 'CHANGE',
      submittedOn: '2021-03-01',
    }),
    { type: 'ApplicationAccepted', data: { applicationId: 'APP-0003', acceptedOn: '2021-04-02' } },
  ]);
  const view = memoryView(project(applicationsProjection, events));
  const ids = (docs: readonly ApplicationDoc[]): string[] => docs.map((d) => d.applicationId);

  it('lists every application, oldest submission first', async () => {
    expect(ids(await listApplications(view))).toEqual(['APP-0001', 'APP-0002', 'APP-0003']);
  });

  it('filters by status, provider, audit body and kind, and combines filters', async () => {
    expect(ids(await listApplications(view, { status: 'ACCEPTED' }))).toEqual(['APP-0003']);
    expect(ids(await listApplications(view, { providerId: OTHER_PROVIDER_ID }))).toEqual(['APP-0002']);
    expect(ids(await listApplications(view, { auditBodyId: AUDIT_BODY_ID }))).toEqual([
      'APP-0001',
      'APP-0003',
    ]);
    expect(ids(await listApplications(view, { kind: 'CHANGE' }))).toEqual(['APP-0002']);
    expect(ids(await listApplications(view, { providerId: PROVIDER_ID, status: 'SUBMITTED' }))).toEqual([
      'APP-0001',
    ]);
    expect(ids(await listApplications(view, { track: 'ISMAP_LIU' }))).toEqual([]);
    expect(ids(await listApplications(view, { serviceId: 'SVC-0003' }))).toEqual(['APP-0003']);
  });

  it('gets one application by id, and nothing for an unknown id', async () => {
    expect((await getApplication(view, 'APP-0002'))?.kind).toBe('CHANGE');
    expect(await getApplication(view, 'APP-9999')).toBeUndefined();
  });
});

describe('ageInDays', () => {
  const base = docOf([applicationSubmitted({ submittedOn: '2021-02-01' })]);

  it('counts from the submission to today', () => {
    expect(ageInDays(base, '2021-02-01')).toBe(0);
    expect(ageInDays(base, '2021-03-03')).toBe(30);
  });

  it('counts from the latest resubmission after a return', () => {
    expect(ageInDays({ ...base, resubmittedOn: '2021-02-21' }, '2021-03-03')).toBe(10);
  });

  it('stops at the decision or the withdrawal', () => {
    expect(ageInDays({ ...base, status: 'DECIDED', decidedOn: '2021-03-12' }, '2026-01-05')).toBe(39);
    expect(ageInDays({ ...base, status: 'WITHDRAWN', withdrawnOn: '2021-02-11' }, '2026-01-05')).toBe(10);
  });

  it('is never negative when asked about a day before the submission', () => {
    expect(ageInDays(base, '2021-01-01')).toBe(0);
  });
});
