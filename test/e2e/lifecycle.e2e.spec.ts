import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { issueDevToken } from '@ismap/auth';
import { loadConfig, type AppConfig } from '@ismap/config';
import { addDays, corporateNumberCheckDigit, tokyoDateOf } from '@ismap/domain';
import { EVENT_STORE, StreamNotFoundError, type EventStore, type RecordedEvent } from '@ismap/event-store';
import { createApiApplication } from '../../apps/api/src/bootstrap';
import { http, type HttpResult } from '../support/http';

/**
 * A registration's whole life and its side paths through the HTTP command routes, judged by the events in the log.
 * Business dates are in 2023–2025, entered late as history is: the domain refuses facts dated after today, and only
 * the "meeting not yet held" case looks ahead on purpose.
 */

function corporateNumber(): string {
  const base12 = String(Math.floor(Math.random() * 1e12)).padStart(12, '0');
  return `${corporateNumberCheckDigit(base12)}${base12}`;
}

type Body = Record<string, unknown>;

describe('the ISMAP lifecycle over HTTP (embedded store, real Redis)', () => {
  let dataDir: string;
  let config: AppConfig;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let store: EventStore;

  let secretariat: string;
  let ipa: string;
  let cspA: string;
  let cspB: string;
  let auditA: string;
  let auditB: string;
  let providerA: string;
  let providerB: string;
  /** Registered at meeting 1 (2023-02-01). */
  let auditBodyA: string;
  let auditBodyB: string;
  /** Applied, never registered. */
  let auditBodyUnlisted: string;

  const MEETINGS = {
    auditBodies: { number: 1, heldOn: '2023-02-01' },
    summer2024: { number: 2, heldOn: '2024-07-15' },
    concurrent: { number: 3, heldOn: '2024-08-01' },
    autumn2024: { number: 4, heldOn: '2024-10-15' },
    autumn2025: { number: 5, heldOn: '2025-09-10' },
    winter2025: { number: 6, heldOn: '2025-11-20' },
  } as const;
  const meetingId = (meeting: keyof typeof MEETINGS): string => `M${MEETINGS[meeting].number}`;

  const token = (role: string, org?: string, sub = `${role}@test`) =>
    issueDevToken(
      { role, sub, ...(org === undefined ? {} : { org }) },
      { dataDir, issuer: config.auth.issuer, audience: config.auth.audience },
    );

  const post = (path: string, bearer: string, body: Body, headers: Record<string, string> = {}) =>
    http(baseUrl, 'POST', path, { token: bearer, body, headers });

  /** Fails with the problem body, which says far more than the status alone. */
  function expectStatus(response: HttpResult, status: number): HttpResult {
    if (response.status !== status) {
      throw new Error(`expected HTTP ${status}, got ${response.status}: ${response.text}`);
    }
    return response;
  }

  /** A command's success: the status, its ids, and the revision and position echoed in ETag / X-Log-Position. */
  function expectRecorded(response: HttpResult, status: 200 | 201, ids: Body = {}): HttpResult {
    expectStatus(response, status);
    expect(response.json).toMatchObject({
      ...ids,
      revision: expect.any(Number),
      position: expect.any(String),
    });
    expect(response.headers.get('x-log-position')).toBe(response.json['position']);
    expect(response.headers.get('etag')).toBe(`"${String(response.json['revision'])}"`);
    return response;
  }

  function expectProblem(response: HttpResult, status: number, code: string): void {
    expectStatus(response, status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.json).toMatchObject({ status, code });
  }

  async function events(streamName: string): Promise<RecordedEvent[]> {
    try {
      return await store.readStream(streamName);
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }

  const types = async (streamName: string): Promise<string[]> =>
    (await events(streamName)).map((event) => event.type);

  const last = async (streamName: string): Promise<RecordedEvent> => {
    const recorded = await events(streamName);
    const event = recorded[recorded.length - 1];
    if (event === undefined) throw new Error(`${streamName} is empty`);
    return event;
  };

  /** Every business event; idempotency bookkeeping lives in the same store but is not a fact of the programme. */
  const businessEventCount = async (): Promise<number> =>
    (await store.readAll()).filter((event) => !event.streamName.startsWith('idempotency-')).length;

  const id = (response: HttpResult, name: string): string => {
    const value = response.json[name];
    if (typeof value !== 'string') throw new Error(`no ${name} in ${response.text}`);
    return value;
  };

  function applicationBody(overrides: Body = {}): Body {
    return {
      kind: 'NEW',
      track: 'ISMAP',
      serviceName: 'Example Contact Center',
      serviceModel: 'SaaS',
      scope: { description: 'Contact-centre SaaS and its operations', regions: ['Tokyo', 'Osaka'] },
      auditBodyId: auditBodyA,
      auditPeriod: { start: '2023-04-01', end: '2024-03-31' },
      auditReportDate: '2024-05-15',
      submittedOn: '2024-06-01',
      excludedObjectives: [
        { controlId: '11.1.1', reason: 'No premises in scope: hosted on a registered IaaS' },
      ],
      ...overrides,
    };
  }

  async function submit(
    overrides: Body = {},
    bearer = cspA,
  ): Promise<{ applicationId: string; serviceId: string }> {
    const response = expectRecorded(await post('/applications', bearer, applicationBody(overrides)), 201);
    return { applicationId: id(response, 'applicationId'), serviceId: id(response, 'serviceId') };
  }

  const accept = async (applicationId: string, acceptedOn = '2024-06-10') =>
    expectRecorded(await post(`/applications/${applicationId}/accept`, ipa, { acceptedOn }), 200);

  const refer = async (applicationId: string, meeting: string, occurredOn = '2024-07-01') =>
    expectRecorded(
      await post(`/applications/${applicationId}/refer`, ipa, { meetingId: meeting, occurredOn }),
      200,
    );

  const rule = (meeting: string, subject: Body, decision: string, rationale = `${decision} as deliberated`) =>
    post(`/committee/meetings/${meeting}/rulings`, secretariat, { subject, decision, rationale });

  /** A NEW application accepted and on the agenda of `meeting`. */
  async function onAgenda(meeting: string, overrides: Body = {}, bearer = cspA) {
    const ids = await submit(overrides, bearer);
    await accept(ids.applicationId);
    await refer(ids.applicationId, meeting);
    return ids;
  }

  async function registeredService(meeting: string) {
    const ids = await onAgenda(meeting);
    expectRecorded(await rule(meeting, { applicationId: ids.applicationId }, 'REGISTER'), 201);
    return ids;
  }

  async function applyAsAuditBody(occurredOn: string): Promise<string> {
    const response = await post('/audit-bodies', secretariat, {
      name: `監査法人 ${randomUUID().slice(0, 8)}`,
      corporateNumber: corporateNumber(),
      organisationType: 'AUDIT_CORPORATION',
      occurredOn,
    });
    return id(expectRecorded(response, 201), 'auditBodyId');
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ismap-lifecycle-'));
    config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}:`,
    });
    app = await createApiApplication(config, [], pino({ level: 'silent' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    store = app.get<EventStore>(EVENT_STORE);

    secretariat = await token('secretariat', undefined, 'tanaka@nisc');
    ipa = await token('ipa-reviewer', undefined, 'suzuki@ipa');

    const providerNumbers = [corporateNumber(), corporateNumber()];
    [providerA, providerB] = (await Promise.all(
      providerNumbers.map(async (number, index) =>
        id(
          expectRecorded(
            await post('/providers', secretariat, { name: `Provider ${index}`, corporateNumber: number }),
            201,
          ),
          'providerId',
        ),
      ),
    )) as [string, string];
    cspA = await token('csp', providerA, 'sato@provider-a');
    cspB = await token('csp', providerB, 'ito@provider-b');

    auditBodyA = await applyAsAuditBody('2023-01-10');
    auditBodyB = await applyAsAuditBody('2023-01-10');
    auditBodyUnlisted = await applyAsAuditBody('2023-01-10');
    auditA = await token('audit-body', auditBodyA, 'auditor@a');
    auditB = await token('audit-body', auditBodyB, 'auditor@b');

    for (const meeting of Object.values(MEETINGS)) {
      expectRecorded(await post('/committee/meetings', secretariat, meeting), 201, {
        meetingId: `M${meeting.number}`,
      });
    }
    for (const auditBodyId of [auditBodyA, auditBodyB]) {
      expectRecorded(await rule(meetingId('auditBodies'), { auditBodyId }, 'AUDIT_BODY_REGISTER'), 201);
    }
  });

  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists an audit body only by an AUDIT_BODY_REGISTER ruling, dated by the meeting', async () => {
    const [applied, registered, ...rest] = await events(`auditbody-${auditBodyA}`);
    expect(rest).toEqual([]);
    expect(applied).toMatchObject({
      type: 'AuditBodyApplied',
      data: { auditBodyId: auditBodyA, organisationType: 'AUDIT_CORPORATION', appliedOn: '2023-01-10' },
      metadata: { occurredOn: '2023-01-10', actor: { sub: 'tanaka@nisc', roles: ['secretariat'] } },
    });
    expect(registered).toMatchObject({
      type: 'AuditBodyRegistered',
      data: { auditBodyId: auditBodyA, registrationNumber: 'A23-0001', registeredOn: '2023-02-01' },
      // LIU had opened (2022-11-01) by the meeting's date, and the meeting's date is what counts.
      metadata: { occurredOn: '2023-02-01', rulesetVersion: '2022-11' },
    });
    expect(await types(`auditbody-${auditBodyUnlisted}`)).toEqual(['AuditBodyApplied']);
    expect(await types(`meeting-${meetingId('auditBodies')}`)).toEqual([
      'MeetingScheduled',
      'RulingRecorded',
      'RulingRecorded',
    ]);
  });

  it('walks a full life: NEW → accept → audit finding → response → resolve → refer → REGISTER → RENEWAL → RENEW → CHANGE → APPROVE_CHANGE → withdrawal', async () => {
    // NEW
    const submitted = expectRecorded(
      await post('/applications', cspA, applicationBody(), { 'x-correlation-id': 'corr-life-1' }),
      201,
      { revision: 0 },
    );
    const applicationId = id(submitted, 'applicationId');
    const serviceId = id(submitted, 'serviceId');
    const applicationStream = `application-${applicationId}`;
    const serviceStream = `service-${serviceId}`;
    expect(await last(applicationStream)).toMatchObject({
      type: 'ApplicationSubmitted',
      data: {
        applicationId,
        serviceId,
        providerId: providerA,
        kind: 'NEW',
        track: 'ISMAP',
        auditBodyId: auditBodyA,
        auditPeriod: { start: '2023-04-01', end: '2024-03-31' },
        submittedOn: '2024-06-01',
      },
      metadata: {
        actor: { sub: 'sato@provider-a', roles: ['csp'], org: providerA },
        correlationId: 'corr-life-1',
        occurredOn: '2024-06-01',
        rulesetVersion: '2023-10',
      },
      position: submitted.json['position'],
    });

    // Acceptance check, guarded by the revision the reviewer saw.
    expectRecorded(
      await post(
        `/applications/${applicationId}/accept`,
        ipa,
        { acceptedOn: '2024-06-10' },
        { 'if-match': '"0"' },
      ),
      200,
      { applicationId, revision: 1 },
    );
    expect(await last(applicationStream)).toMatchObject({
      type: 'ApplicationAccepted',
      data: { acceptedOn: '2024-06-10' },
      metadata: { actor: { sub: 'suzuki@ipa', roles: ['ipa-reviewer'] } },
    });

    // The audit body named in the application records a finding; the provider answers; IPA resolves it.
    const finding = expectRecorded(
      await post(`/applications/${applicationId}/audit-findings`, auditA, {
        controlId: '9.2.3.11.PB',
        assessment: 'OPERATING',
        kind: 'DEFICIENCY',
        description: 'Quarterly access reviews were not evidenced for Q3',
        evidenceRefs: ['WP-2024-031'],
        occurredOn: '2024-06-12',
      }),
      201,
      { findingId: `${applicationId}.F1`, applicationId, revision: 2 },
    );
    const findingId = id(finding, 'findingId');
    expect(await last(applicationStream)).toMatchObject({
      type: 'AuditFindingRecorded',
      data: {
        findingId,
        auditBodyId: auditBodyA,
        serviceId,
        controlId: '9.2.3.11.PB',
        assessment: 'OPERATING',
        kind: 'DEFICIENCY',
        evidenceRefs: ['WP-2024-031'],
        recordedOn: '2024-06-12',
      },
      metadata: { actor: { roles: ['audit-body'], org: auditBodyA } },
    });
    expectRecorded(
      await post(`/findings/${findingId}/responses`, cspA, {
        correctiveAction: 'Access reviews are scheduled quarterly and evidenced',
        occurredOn: '2024-06-20',
      }),
      200,
      { findingId, revision: 3 },
    );
    expectRecorded(
      await post(`/findings/${findingId}/resolve`, ipa, {
        resolution: 'RESOLVED',
        note: 'Q4 evidence checked',
        occurredOn: '2024-06-25',
      }),
      200,
      { findingId, revision: 4 },
    );
    expect((await events(applicationStream)).slice(3).map((e) => [e.type, e.data])).toEqual([
      [
        'FindingResponded',
        {
          applicationId,
          findingId,
          correctiveAction: 'Access reviews are scheduled quarterly and evidenced',
          respondedOn: '2024-06-20',
        },
      ],
      [
        'FindingResolved',
        {
          applicationId,
          findingId,
          resolution: 'RESOLVED',
          note: 'Q4 evidence checked',
          resolvedOn: '2024-06-25',
        },
      ],
    ]);

    // Referral and REGISTER.
    await refer(applicationId, meetingId('summer2024'));
    expect(await last(applicationStream)).toMatchObject({
      type: 'ApplicationReferred',
      data: { meetingId: 'M2', meetingNumber: 2, meetingHeldOn: '2024-07-15', referredOn: '2024-07-01' },
    });
    const registered = expectRecorded(
      await rule(meetingId('summer2024'), { applicationId }, 'REGISTER'),
      201,
      { meetingId: 'M2' },
    );
    const registrationNumber = id(registered, 'registrationNumber');
    expect(registrationNumber).toMatch(/^C24-\d{4}-1$/);
    expect(await last(`meeting-M2`)).toMatchObject({
      type: 'RulingRecorded',
      data: {
        rulingId: registered.json['rulingId'],
        subject: { kind: 'application', applicationId },
        decision: 'REGISTER',
        decidedOn: '2024-07-15',
        registrationNumber,
        effect: { kind: 'REGISTER_SERVICE' },
      },
      metadata: { occurredOn: '2024-07-15', actor: { sub: 'tanaka@nisc' } },
    });
    expect(await events(serviceStream)).toMatchObject([
      {
        type: 'ServiceRegistered',
        data: {
          serviceId,
          applicationId,
          providerId: providerA,
          track: 'ISMAP',
          registrationNumber,
          registeredOn: '2024-07-15',
          // (2024-03-31 + 1 day) + 16 months − 1 day
          validUntil: '2025-07-31',
          auditPeriod: { start: '2023-04-01', end: '2024-03-31' },
          rulingId: registered.json['rulingId'],
          meetingId: 'M2',
        },
        metadata: { occurredOn: '2024-07-15' },
      },
    ]);
    expect(await last(applicationStream)).toMatchObject({
      type: 'ApplicationDecided',
      data: { decision: 'REGISTER', registrationNumber, decidedOn: '2024-07-15' },
    });

    // RENEWAL applied before validUntil: the service is RENEWAL_PENDING from the application.
    // The renewal's statement adds a region: the registration rests on it once renewed.
    const renewalScope = {
      description: 'Contact-centre SaaS and its operations',
      regions: ['Tokyo', 'Osaka', 'Sapporo'],
    };
    const renewal = await submit({
      kind: 'RENEWAL',
      serviceId,
      scope: renewalScope,
      auditPeriod: { start: '2024-04-01', end: '2025-03-31' },
      auditReportDate: '2025-05-10',
      submittedOn: '2025-06-01',
    });
    expect(renewal.serviceId).toBe(serviceId);
    expect(await last(serviceStream)).toMatchObject({
      type: 'RenewalApplied',
      data: { serviceId, applicationId: renewal.applicationId, appliedOn: '2025-06-01' },
    });
    await accept(renewal.applicationId, '2025-06-05');
    await refer(renewal.applicationId, meetingId('autumn2025'), '2025-06-20');

    // The committee meets after validUntil (2025-07-31): the pending renewal kept the registration alive.
    expect(await types(serviceStream)).toEqual(['ServiceRegistered', 'RenewalApplied']);
    const renewed = expectRecorded(
      await rule(meetingId('autumn2025'), { applicationId: renewal.applicationId }, 'RENEW'),
      201,
      { registrationNumber: registrationNumber.replace(/-1$/, '-2') },
    );
    expect(await last(serviceStream)).toMatchObject({
      type: 'RegistrationRenewed',
      data: {
        serviceId,
        applicationId: renewal.applicationId,
        registrationNumber: renewed.json['registrationNumber'],
        auditPeriod: { start: '2024-04-01', end: '2025-03-31' },
        renewedOn: '2025-09-10',
        validUntil: '2026-07-31',
        statement: { serviceName: 'Example Contact Center', serviceModel: 'SaaS', scope: renewalScope },
      },
    });

    // CHANGE approved by the committee.
    const changedScope = {
      description: 'Contact-centre SaaS, now with chat',
      regions: ['Tokyo', 'Osaka', 'Fukuoka'],
    };
    const change = await submit({
      kind: 'CHANGE',
      serviceId,
      serviceName: 'Example Contact Center Plus',
      scope: changedScope,
      auditPeriod: { start: '2024-04-01', end: '2025-03-31' },
      auditReportDate: '2025-05-10',
      submittedOn: '2025-10-01',
    });
    await accept(change.applicationId, '2025-10-05');
    await refer(change.applicationId, meetingId('winter2025'), '2025-10-20');
    const approved = expectRecorded(
      await rule(meetingId('winter2025'), { applicationId: change.applicationId }, 'APPROVE_CHANGE'),
      201,
    );
    expect(approved.json).not.toHaveProperty('registrationNumber');
    expect(await last(serviceStream)).toMatchObject({
      type: 'ServiceChangeApproved',
      data: {
        serviceId,
        applicationId: change.applicationId,
        serviceName: 'Example Contact Center Plus',
        scope: changedScope,
        approvedOn: '2025-11-20',
      },
    });

    // Withdrawal by the provider, from a later date.
    expectRecorded(
      await post(`/services/${serviceId}/withdrawal`, cspA, {
        effectiveOn: '2026-01-31',
        reason: 'The service is discontinued',
        occurredOn: '2025-12-01',
      }),
      200,
      { serviceId },
    );
    expect(await last(serviceStream)).toMatchObject({
      type: 'ServiceWithdrawn',
      data: { serviceId, effectiveOn: '2026-01-31', withdrawnOn: '2025-12-01' },
      metadata: { actor: { org: providerA } },
    });

    expect(await types(serviceStream)).toEqual([
      'ServiceRegistered',
      'RenewalApplied',
      'RegistrationRenewed',
      'ServiceChangeApproved',
      'ServiceWithdrawn',
    ]);
    expect(await types(applicationStream)).toEqual([
      'ApplicationSubmitted',
      'ApplicationAccepted',
      'AuditFindingRecorded',
      'FindingResponded',
      'FindingResolved',
      'ApplicationReferred',
      'ApplicationDecided',
    ]);
    for (const other of [renewal, change]) {
      expect(await types(`application-${other.applicationId}`)).toEqual([
        'ApplicationSubmitted',
        'ApplicationAccepted',
        'ApplicationReferred',
        'ApplicationDecided',
      ]);
    }
  });

  it('return and resubmit: only the corrected fields change, and the application can be accepted again', async () => {
    const { applicationId } = await submit();
    expectRecorded(
      await post(`/applications/${applicationId}/return`, ipa, {
        reason: 'The scope omits the Osaka data centre',
        occurredOn: '2024-06-03',
      }),
      200,
      { applicationId, revision: 1 },
    );
    const correctedScope = { description: 'Contact-centre SaaS incl. Osaka DC', regions: ['Tokyo', 'Osaka'] };
    // Another provider cannot resubmit it: to them it does not exist.
    expectProblem(
      await post(`/applications/${applicationId}/resubmit`, cspB, {
        scope: correctedScope,
        occurredOn: '2024-06-10',
      }),
      404,
      'APPLICATION.NOT_FOUND',
    );
    expectRecorded(
      await post(`/applications/${applicationId}/resubmit`, cspA, {
        scope: correctedScope,
        occurredOn: '2024-06-10',
      }),
      200,
      { applicationId, revision: 2 },
    );
    await accept(applicationId, '2024-06-12');
    expect((await events(`application-${applicationId}`)).map((e) => [e.type, e.data])).toEqual([
      ['ApplicationSubmitted', expect.objectContaining({ applicationId })],
      [
        'ApplicationReturned',
        { applicationId, reason: 'The scope omits the Osaka data centre', returnedOn: '2024-06-03' },
      ],
      [
        'ApplicationResubmitted',
        { applicationId, changes: { scope: correctedScope }, resubmittedOn: '2024-06-10' },
      ],
      ['ApplicationAccepted', { applicationId, acceptedOn: '2024-06-12' }],
    ]);
  });

  it('REJECT closes the application and registers nothing', async () => {
    const { applicationId, serviceId } = await onAgenda(meetingId('summer2024'));
    const rejected = expectRecorded(
      await rule(meetingId('summer2024'), { applicationId }, 'REJECT', 'Deficiencies in access control'),
      201,
    );
    expect(rejected.json).not.toHaveProperty('registrationNumber');
    expect(await last(`application-${applicationId}`)).toMatchObject({
      type: 'ApplicationDecided',
      data: { decision: 'REJECT', registrationNumber: null, decidedOn: '2024-07-15' },
    });
    expect(await events(`service-${serviceId}`)).toEqual([]);
  });

  it('DEFER puts the application back for the next meeting, where it is REGISTERED', async () => {
    const { applicationId, serviceId } = await onAgenda(meetingId('summer2024'));
    expectRecorded(await rule(meetingId('summer2024'), { applicationId }, 'DEFER'), 201);
    expect(await last(`application-${applicationId}`)).toMatchObject({
      type: 'ApplicationDeferred',
      data: { applicationId, meetingId: 'M2', deferredOn: '2024-07-15' },
    });
    expect(await events(`service-${serviceId}`)).toEqual([]);

    await refer(applicationId, meetingId('autumn2024'), '2024-08-20');
    const registered = expectRecorded(
      await rule(meetingId('autumn2024'), { applicationId }, 'REGISTER'),
      201,
    );
    expect(await types(`application-${applicationId}`)).toEqual([
      'ApplicationSubmitted',
      'ApplicationAccepted',
      'ApplicationReferred',
      'ApplicationDeferred',
      'ApplicationReferred',
      'ApplicationDecided',
    ]);
    expect(await events(`service-${serviceId}`)).toMatchObject([
      {
        type: 'ServiceRegistered',
        data: {
          registrationNumber: registered.json['registrationNumber'],
          registeredOn: '2024-10-15',
          meetingId: 'M4',
        },
      },
    ]);
  });

  it('REVOKE by committee ruling takes a registered service off the list; it can then no longer be withdrawn', async () => {
    const { serviceId } = await registeredService(meetingId('autumn2024'));
    const revoked = expectRecorded(
      await rule(meetingId('autumn2025'), { serviceId }, 'REVOKE', 'False statements in the audit scope'),
      201,
    );
    // Four eyes: a revocation takes effect only when a second secretariat user confirms it.
    expect(revoked.json['status']).toBe('PENDING_CONFIRMATION');
    expect((await last(`service-${serviceId}`))?.type).not.toBe('RegistrationRevoked');
    expectRecorded(
      await post(
        `/committee/meetings/${meetingId('autumn2025')}/rulings/${String(revoked.json['rulingId'])}/confirm`,
        await token('secretariat', undefined, 'yamada@nisc'),
        {},
      ),
      200,
    );
    expect(await last(`service-${serviceId}`)).toMatchObject({
      type: 'RegistrationRevoked',
      data: {
        serviceId,
        revokedOn: '2025-09-10',
        rationale: 'False statements in the audit scope',
        rulingId: revoked.json['rulingId'],
        meetingId: 'M5',
      },
    });
    const before = await businessEventCount();
    expectProblem(
      await post(`/services/${serviceId}/withdrawal`, cspA, {
        effectiveOn: '2025-10-01',
        reason: 'Too late',
        occurredOn: '2025-09-20',
      }),
      409,
      'SERVICE.NOT_REGISTERED',
    );
    expect(await businessEventCount()).toBe(before);
  });

  it('an application withdrawn before its ruling can no longer be ruled on', async () => {
    const { applicationId, serviceId } = await onAgenda(meetingId('autumn2024'));
    expectRecorded(
      await post(`/applications/${applicationId}/withdraw`, cspA, {
        reason: 'The service is being redesigned',
        occurredOn: '2024-08-05',
      }),
      200,
      { applicationId },
    );
    expect(await last(`application-${applicationId}`)).toMatchObject({
      type: 'ApplicationWithdrawn',
      data: { applicationId, serviceId, kind: 'NEW', withdrawnOn: '2024-08-05' },
      metadata: { actor: { org: providerA } },
    });
    const before = await businessEventCount();
    expectProblem(
      await rule(meetingId('autumn2024'), { applicationId }, 'REGISTER'),
      409,
      'RULING.NOT_REFERRED_TO_MEETING',
    );
    expect(await businessEventCount()).toBe(before);
  });

  it('incidents: a FLASH report, then a FINAL one referencing it; a FINAL naming no known FLASH is refused', async () => {
    const { serviceId } = await registeredService(meetingId('autumn2024'));
    const serviceStream = `service-${serviceId}`;
    const flash = expectRecorded(
      await post(`/services/${serviceId}/incidents`, cspA, {
        stage: 'FLASH',
        occurredAt: '2024-11-03T10:30:00+09:00',
        summary: 'Unauthorised access to an administration console',
        occurredOn: '2024-11-03',
      }),
      201,
      { serviceId },
    );
    const flashIncidentId = id(flash, 'incidentId');
    expect(await last(serviceStream)).toMatchObject({
      type: 'IncidentReported',
      data: {
        serviceId,
        incidentId: flashIncidentId,
        stage: 'FLASH',
        flashIncidentId: null,
        occurredAt: '2024-11-03T01:30:00.000Z',
        reportedOn: '2024-11-03',
      },
    });

    const final = expectRecorded(
      await post(`/services/${serviceId}/incidents`, cspA, {
        stage: 'FINAL',
        flashIncidentId,
        occurredAt: '2024-11-03T01:30:00Z',
        summary: 'Root cause: a leaked operator credential; rotated and MFA enforced',
        occurredOn: '2024-11-20',
      }),
      201,
    );
    expect(await last(serviceStream)).toMatchObject({
      type: 'IncidentReported',
      data: {
        incidentId: final.json['incidentId'],
        stage: 'FINAL',
        flashIncidentId,
        reportedOn: '2024-11-20',
      },
    });

    const before = await businessEventCount();
    expectProblem(
      await post(`/services/${serviceId}/incidents`, cspA, {
        stage: 'FINAL',
        flashIncidentId: randomUUID(),
        occurredAt: '2024-11-03T01:30:00Z',
        summary: 'A final report of nothing known',
        occurredOn: '2024-11-21',
      }),
      422,
      'INCIDENT.FLASH_NOT_FOUND',
    );
    expectProblem(
      await post(`/services/${serviceId}/incidents`, cspB, {
        stage: 'FLASH',
        occurredAt: '2024-11-03T01:30:00Z',
        summary: 'Not my service',
        occurredOn: '2024-11-21',
      }),
      404,
      'SERVICE.NOT_FOUND',
    );
    expect(await businessEventCount()).toBe(before);
  });

  describe('a business rule violated answers 422 with its code and appends nothing', () => {
    const cases: ReadonlyArray<[string, () => Body, string]> = [
      [
        'an audit period of 1 year + 1 day',
        () => ({ auditPeriod: { start: '2023-04-01', end: '2024-04-01' } }),
        'AUDIT_PERIOD.TOO_LONG',
      ],
      [
        'an audit body that applied but was never registered',
        () => ({ auditBodyId: auditBodyUnlisted }),
        'AUDIT_BODY.NOT_REGISTERED_ON_REPORT_DATE',
      ],
      [
        'an audit report dated before its audit body was registered',
        () => ({
          auditPeriod: { start: '2022-01-01', end: '2022-12-31' },
          auditReportDate: '2023-01-20',
          submittedOn: '2023-01-25',
        }),
        'AUDIT_BODY.NOT_REGISTERED_ON_REPORT_DATE',
      ],
      [
        'an ISMAP-LIU application before the track opened (2022-11-01)',
        () => ({
          track: 'ISMAP_LIU',
          auditPeriod: { start: '2021-04-01', end: '2022-03-31' },
          auditReportDate: '2022-05-10',
          submittedOn: '2022-06-15',
        }),
        'APPLICATION.TRACK_NOT_OPEN',
      ],
      [
        'an excluded objective without a reason',
        () => ({ excludedObjectives: [{ controlId: '11.1.1', reason: ' ' }] }),
        'STATEMENT.EXCLUSION_REASON_REQUIRED',
      ],
    ];

    it.each(cases)('%s', async (_name, overrides, code) => {
      const before = await businessEventCount();
      expectProblem(await post('/applications', cspA, applicationBody(overrides())), 422, code);
      expect(await businessEventCount()).toBe(before);
    });

    it('a ruling at a meeting not yet held, even one that would assign a number', async () => {
      // Dates relative to today, so the meeting stays in the future whenever the suite runs.
      const today = tokyoDateOf(new Date());
      const periodEnd = addDays(today, -30);
      expectRecorded(
        await post('/committee/meetings', secretariat, { number: 90, heldOn: addDays(today, 60) }),
        201,
      );
      const { applicationId } = await submit({
        auditPeriod: { start: addDays(periodEnd, -200), end: periodEnd },
        auditReportDate: addDays(periodEnd, 5),
        submittedOn: addDays(periodEnd, 10),
      });
      await accept(applicationId, addDays(periodEnd, 12));
      await refer(applicationId, 'M90', addDays(periodEnd, 15));
      const before = await businessEventCount();
      expectProblem(await rule('M90', { applicationId }, 'REGISTER'), 422, 'MEETING.NOT_YET_HELD');
      // Nothing at all: a serial reserved for a refused ruling would leave a gap on the list.
      expect(await events('registry-ISMAP')).not.toContainEqual(
        expect.objectContaining({ data: expect.objectContaining({ subjectId: applicationId }) }),
      );
      expect(await businessEventCount()).toBe(before);
    });

    it('no referral while a finding is open', async () => {
      const { applicationId } = await submit();
      await accept(applicationId);
      const finding = expectRecorded(
        await post(`/applications/${applicationId}/review-findings`, ipa, {
          description: 'The statement names no Osaka region controls',
          controlId: '5.1.1',
          occurredOn: '2024-06-15',
        }),
        201,
        { findingId: `${applicationId}.F1` },
      );
      expect(await last(`application-${applicationId}`)).toMatchObject({
        type: 'ReviewFindingRaised',
        data: { findingId: finding.json['findingId'], controlId: '5.1.1', raisedOn: '2024-06-15' },
      });
      const before = await events(`application-${applicationId}`);
      const refused = await post(`/applications/${applicationId}/refer`, ipa, {
        meetingId: meetingId('autumn2024'),
        occurredOn: '2024-07-01',
      });
      expectProblem(refused, 422, 'APPLICATION.OPEN_FINDINGS');
      expect(refused.json['findings']).toEqual([finding.json['findingId']]);
      expect(await events(`application-${applicationId}`)).toEqual(before);
    });
  });

  describe('acting in the wrong state answers 409 and appends nothing', () => {
    it('accepting twice', async () => {
      const { applicationId } = await submit();
      await accept(applicationId);
      const before = await events(`application-${applicationId}`);
      const again = await post(`/applications/${applicationId}/accept`, ipa, { acceptedOn: '2024-06-11' });
      expectProblem(again, 409, 'APPLICATION.NOT_SUBMITTED');
      expect(await events(`application-${applicationId}`)).toEqual(before);
    });

    it('a stale If-Match is a 412', async () => {
      const { applicationId } = await submit();
      const stale = await post(
        `/applications/${applicationId}/accept`,
        ipa,
        { acceptedOn: '2024-06-10' },
        { 'if-match': '"7"' },
      );
      expectProblem(stale, 412, 'CONCURRENCY.PRECONDITION_FAILED');
      expect(await types(`application-${applicationId}`)).toEqual(['ApplicationSubmitted']);
    });
  });

  describe('objects the caller may not know answer 404', () => {
    it("another provider's application, finding and service do not exist for a csp", async () => {
      const { serviceId } = await registeredService(meetingId('autumn2024'));
      const other = await submit();
      await accept(other.applicationId);
      const finding = id(
        expectRecorded(
          await post(`/applications/${other.applicationId}/audit-findings`, auditA, {
            controlId: '6.1.1',
            assessment: 'DESIGN',
            kind: 'OBSERVATION',
            description: 'Roles are documented but not reviewed',
            occurredOn: '2024-06-15',
          }),
          201,
        ),
        'findingId',
      );
      const before = await businessEventCount();
      const attempts: Array<[Promise<HttpResult>, string]> = [
        [
          post(`/applications/${other.applicationId}/withdraw`, cspB, {
            reason: 'Not mine',
            occurredOn: '2024-07-01',
          }),
          'APPLICATION.NOT_FOUND',
        ],
        [
          post(`/findings/${finding}/responses`, cspB, {
            correctiveAction: 'Not mine',
            occurredOn: '2024-07-01',
          }),
          'APPLICATION.NOT_FOUND',
        ],
        [
          post(`/services/${serviceId}/withdrawal`, cspB, {
            effectiveOn: '2024-12-31',
            reason: 'Not mine',
            occurredOn: '2024-11-01',
          }),
          'SERVICE.NOT_FOUND',
        ],
        [
          post(
            '/applications',
            cspB,
            applicationBody({
              kind: 'RENEWAL',
              serviceId,
              auditPeriod: { start: '2024-04-01', end: '2025-03-31' },
              auditReportDate: '2025-05-10',
              submittedOn: '2025-06-01',
            }),
          ),
          'SERVICE.NOT_FOUND',
        ],
      ];
      for (const [attempt, code] of attempts) expectProblem(await attempt, 404, code);
      expect(await businessEventCount()).toBe(before);
    });

    it('an audit body not named in the application cannot record findings on it', async () => {
      const { applicationId } = await submit();
      const before = await events(`application-${applicationId}`);
      expectProblem(
        await post(`/applications/${applicationId}/audit-findings`, auditB, {
          controlId: '6.1.1',
          assessment: 'DESIGN',
          kind: 'OBSERVATION',
          description: 'Not my audit',
        }),
        404,
        'APPLICATION.NOT_FOUND',
      );
      expect(await events(`application-${applicationId}`)).toEqual(before);
    });

    it.each([
      ['/applications/not-a-uuid/accept', { acceptedOn: '2024-06-10' }, 'APPLICATION.NOT_FOUND'],
      [`/applications/${randomUUID()}/accept`, { acceptedOn: '2024-06-10' }, 'APPLICATION.NOT_FOUND'],
      ['/findings/F1/resolve', { resolution: 'RESOLVED', note: 'x' }, 'FINDING.NOT_FOUND'],
      [
        '/committee/meetings/12/rulings',
        { subject: { serviceId: randomUUID() }, decision: 'REVOKE', rationale: 'x' },
        'MEETING.NOT_FOUND',
      ],
      [
        '/committee/meetings/M999/rulings',
        { subject: { serviceId: randomUUID() }, decision: 'REVOKE', rationale: 'x' },
        'MEETING.NOT_FOUND',
      ],
    ] as const)('POST %s', async (path, body, code) => {
      const bearer = path.startsWith('/committee') ? secretariat : ipa;
      expectProblem(await post(path, bearer, body), 404, code);
    });

    it('an ill-formed service id in the path', async () => {
      expectProblem(
        await post('/services/ABC/withdrawal', cspA, { effectiveOn: '2025-01-01', reason: 'x' }),
        404,
        'SERVICE.NOT_FOUND',
      );
    });
  });

  describe('bad bodies and wrong roles are refused before any rule runs', () => {
    // Authorization runs before validation (docs/adr/0012): a bad body on a service the caller cannot see is a 404,
    // so the incident cases post to a service cspA owns.
    let ownService = '';
    beforeAll(async () => {
      ownService = (await registeredService(meetingId('autumn2024'))).serviceId;
    });

    it.each([
      [
        'a ruling subject naming two objects',
        () => [
          '/committee/meetings/M2/rulings',
          secretariat,
          {
            subject: { applicationId: randomUUID(), serviceId: randomUUID() },
            decision: 'REGISTER',
            rationale: 'x',
          },
        ],
      ],
      [
        'a ruling subject naming none',
        () => [
          '/committee/meetings/M2/rulings',
          secretariat,
          { subject: {}, decision: 'REGISTER', rationale: 'x' },
        ],
      ],
      [
        'an unknown decision',
        () => [
          '/committee/meetings/M2/rulings',
          secretariat,
          { subject: { applicationId: randomUUID() }, decision: 'APPROVE', rationale: 'x' },
        ],
      ],
      [
        'a date that is not on the calendar',
        () => ['/applications', cspA, applicationBody({ submittedOn: '2023-02-29' })],
      ],
      [
        'a NEW application naming a service',
        () => ['/applications', cspA, applicationBody({ serviceId: randomUUID() })],
      ],
      ['a RENEWAL naming no service', () => ['/applications', cspA, applicationBody({ kind: 'RENEWAL' })]],
      [
        'a field the route does not know',
        () => ['/applications', cspA, applicationBody({ providerId: 'P7000012050002' })],
      ],
      [
        'no scope at all',
        () => ['/applications', cspA, (({ scope: _scope, ...rest }) => rest)(applicationBody())],
      ],
      [
        'no audit period at all',
        () => ['/applications', cspA, (({ auditPeriod: _period, ...rest }) => rest)(applicationBody())],
      ],
      [
        'a scope that is not an object',
        () => ['/applications', cspA, applicationBody({ scope: 'everything' })],
      ],
      [
        'too many regions',
        () => [
          '/applications',
          cspA,
          applicationBody({
            scope: { description: 'x', regions: Array.from({ length: 51 }, (_, i) => `R${i}`) },
          }),
        ],
      ],
      [
        'an instant without its offset',
        () => [
          `/services/${ownService}/incidents`,
          cspA,
          { stage: 'FLASH', occurredAt: '2024-11-03T10:30:00', summary: 'x' },
        ],
      ],
      [
        'a FINAL report naming no flash report',
        () => [
          `/services/${ownService}/incidents`,
          cspA,
          { stage: 'FINAL', occurredAt: '2024-11-03T10:30:00Z', summary: 'x' },
        ],
      ],
      [
        'a meeting numbered 0',
        () => ['/committee/meetings', secretariat, { number: 0, heldOn: '2024-01-01' }],
      ],
    ] as ReadonlyArray<[string, () => [string, string, Body]]>)('%s → 400', async (_name, request) => {
      const [path, bearer, body] = request();
      const before = await businessEventCount();
      const response = await post(path, bearer, body);
      expectProblem(response, 400, 'REQUEST.INVALID');
      expect(response.json['errors']).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: expect.any(String) })]),
      );
      expect(await businessEventCount()).toBe(before);
    });

    it.each([
      ['a csp accepting', () => [`/applications/${randomUUID()}/accept`, cspA, { acceptedOn: '2024-06-10' }]],
      ['an IPA reviewer submitting', () => ['/applications', ipa, applicationBody()]],
      [
        'an audit body raising a review finding',
        () => [`/applications/${randomUUID()}/review-findings`, auditA, { description: 'x' }],
      ],
      [
        'an IPA reviewer recording a ruling',
        () => [
          '/committee/meetings/M2/rulings',
          ipa,
          { subject: { applicationId: randomUUID() }, decision: 'REGISTER', rationale: 'x' },
        ],
      ],
      [
        'a csp registering an audit body',
        () => [
          '/audit-bodies',
          cspA,
          { name: 'x', corporateNumber: corporateNumber(), organisationType: 'AUDIT_CORPORATION' },
        ],
      ],
    ] as ReadonlyArray<[string, () => [string, string, Body]]>)('%s → 403', async (_name, request) => {
      const [path, bearer, body] = request();
      expectProblem(await post(path, bearer, body), 403, 'AUTH.FORBIDDEN');
    });
  });

  it('documents every command route in OpenAPI', async () => {
    const docs = await http(baseUrl, 'GET', '/docs-json');
    expectStatus(docs, 200);
    expect(Object.keys(docs.json['paths'] as object)).toEqual(
      expect.arrayContaining([
        '/audit-bodies',
        '/applications',
        '/applications/{applicationId}/accept',
        '/applications/{applicationId}/return',
        '/applications/{applicationId}/resubmit',
        '/applications/{applicationId}/review-findings',
        '/applications/{applicationId}/audit-findings',
        '/applications/{applicationId}/refer',
        '/applications/{applicationId}/withdraw',
        '/findings/{findingId}/responses',
        '/findings/{findingId}/resolve',
        '/committee/meetings',
        '/committee/meetings/{meetingId}/rulings',
        '/services/{serviceId}/withdrawal',
        '/services/{serviceId}/incidents',
      ]),
    );
  });

  it('the same Idempotency-Key submits one application, however often it is sent', async () => {
    const key = randomUUID();
    const body = applicationBody();
    const first = expectRecorded(await post('/applications', cspA, body, { 'idempotency-key': key }), 201);
    const again = expectRecorded(await post('/applications', cspA, body, { 'idempotency-key': key }), 201);
    expect(again.json).toEqual(first.json);
    expect(await types(`application-${id(first, 'applicationId')}`)).toEqual(['ApplicationSubmitted']);
  });

  it('ten REGISTER rulings sent at once get ten distinct, gapless serials', async () => {
    const meeting = meetingId('concurrent');
    const agenda: Array<{ applicationId: string; serviceId: string }> = [];
    for (let i = 0; i < 10; i++) agenda.push(await onAgenda(meeting, { serviceName: `Parallel ${i}` }, cspB));

    const rulings = await Promise.all(
      agenda.map(({ applicationId }) => rule(meeting, { applicationId }, 'REGISTER')),
    );
    for (const response of rulings) expectRecorded(response, 201);
    const numbers = rulings.map((response) => id(response, 'registrationNumber'));
    const serials = numbers
      .map((number) => Number(/^C24-(\d{4})-1$/.exec(number)?.[1]))
      .sort((a, b) => a - b);
    expect(new Set(serials).size).toBe(10);
    const first = serials[0] ?? Number.NaN;
    expect(serials).toEqual(Array.from({ length: 10 }, (_, i) => first + i));

    for (const [index, { serviceId }] of agenda.entries()) {
      expect(await events(`service-${serviceId}`)).toMatchObject([
        {
          type: 'ServiceRegistered',
          data: { registrationNumber: numbers[index], registeredOn: '2024-08-01' },
        },
      ]);
    }
  });

  it('two conflicting commands on one application at once: exactly one succeeds, the other is a 409', async () => {
    const { applicationId } = await submit();
    const [accepted, returned] = await Promise.all([
      post(`/applications/${applicationId}/accept`, ipa, { acceptedOn: '2024-06-10' }),
      post(`/applications/${applicationId}/return`, ipa, { reason: 'Incomplete', occurredOn: '2024-06-10' }),
    ]);
    const statuses = [accepted.status, returned.status].sort();
    expect(statuses).toEqual([200, 409]);
    const loser = accepted.status === 409 ? accepted : returned;
    expect(['APPLICATION.NOT_SUBMITTED', 'CONCURRENCY.CONFLICT']).toContain(loser.json['code']);
    const recorded = await types(`application-${applicationId}`);
    expect(recorded).toHaveLength(2);
    expect(recorded[1]).toBe(accepted.status === 200 ? 'ApplicationAccepted' : 'ApplicationReturned');
  });
});
