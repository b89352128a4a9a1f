/**
 * A small committee history shared by the decision-history specs (named `.spec.ts` so the build leaves it out; it
 * holds no tests itself). Meeting 1 (2021-03-12) registers an audit body and APP-0001 and defers APP-0002;
 * meeting 2 (2021-06-22) registers APP-0002 and revokes SVC-0001; meeting 3 (2022-01-20) registers APP-0003.
 */
import type { AnyEvent } from '../trail/event-log.spec';
import { applicationSubmitted, AUDIT_BODY_ID, rulingRecorded } from '../trail/event-log.spec';

const scheduled = (number: number, heldOn: string): AnyEvent => ({
  type: 'MeetingScheduled',
  data: { meetingId: `M${number}`, number, heldOn },
});

const atMeeting = (number: number, decidedOn: string) => ({
  meetingId: `M${number}`,
  meetingNumber: number,
  decidedOn,
});

export const HISTORY: AnyEvent[] = [
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
  scheduled(2, '2021-06-22'),
  applicationSubmitted(),
  applicationSubmitted({ applicationId: 'APP-0002', serviceId: 'SVC-0002', serviceName: 'テストSaaS' }),
  rulingRecorded({
    rulingId: 'R-0001',
    subject: { kind: 'auditBody', auditBodyId: AUDIT_BODY_ID },
    decision: 'AUDIT_BODY_REGISTER',
    registrationNumber: 'A21-0001',
    rationale: '要件を満たす',
  }),
  rulingRecorded({ rulingId: 'R-0002' }),
  rulingRecorded({
    rulingId: 'R-0003',
    subject: { kind: 'application', applicationId: 'APP-0002' },
    decision: 'DEFER',
    registrationNumber: null,
    rationale: '追加確認が必要',
  }),
  rulingRecorded({
    rulingId: 'R-0004',
    ...atMeeting(2, '2021-06-22'),
    subject: { kind: 'application', applicationId: 'APP-0002' },
    registrationNumber: 'C21-0002-1',
  }),
  rulingRecorded({
    rulingId: 'R-0005',
    ...atMeeting(2, '2021-06-22'),
    subject: { kind: 'service', serviceId: 'SVC-0001' },
    decision: 'REVOKE',
    registrationNumber: null,
    rationale: '虚偽の言明',
    confirmation: 'REQUIRED',
  }),
  // Meeting 3's own MeetingScheduled is missing: its ruling still names its number and date.
  applicationSubmitted({ applicationId: 'APP-0003', serviceId: 'SVC-0003', serviceName: 'テストPaaS' }),
  rulingRecorded({
    rulingId: 'R-0006',
    ...atMeeting(3, '2022-01-20'),
    subject: { kind: 'application', applicationId: 'APP-0003' },
    registrationNumber: 'C22-0003-1',
  }),
];
