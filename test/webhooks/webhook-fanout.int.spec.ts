import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { WebhookFanout, webhookFanoutKeys } from '@ismap/application';
import type { WebhookOrganisationKind } from '@ismap/domain';
import type { EventData, EventStore } from '@ismap/event-store';
import { SqliteEventStore } from '@ismap/event-store';
import { WebhookDeliveryQueue, webhookDeliveryJobId } from '@ismap/jobs';
import { waitForCondition } from '../support/http';

const REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * The fan-out against the embedded store, real Redis and a real BullMQ queue (no worker: the jobs stay queued so
 * they can be counted). Events are appended by hand, as the deciders would record them.
 */
describe('webhook fan-out (embedded store, real Redis and BullMQ)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ismap-fanout-'));
  const prefix = `test-webhook-fanout-${process.pid}-${Date.now()}:`;
  let store: EventStore;
  let redis: Redis;
  let queue: WebhookDeliveryQueue;
  let n = 0;

  async function append(
    streamName: string,
    type: string,
    data: EventData,
  ): Promise<{ id: string; position: string }> {
    const id = randomUUID();
    const result = await store.appendToStream(
      streamName,
      [
        {
          id,
          type,
          data,
          metadata: {
            actor: { sub: 'someone@example.jp', roles: ['ipa-reviewer'] },
            correlationId: `corr-${++n}`,
            causationId: 'c',
            commandId: randomUUID(),
            occurredOn: '2021-03-01',
            recordedAt: new Date().toISOString(),
            schemaVersion: 1,
            rulesetVersion: '2020-06',
          },
        },
      ],
      { expectedRevision: 'any' },
    );
    return { id, position: result.position };
  }

  async function endpoint(kind: WebhookOrganisationKind, org: string, eventTypes: string[] | null = null) {
    const webhookId = randomUUID();
    await append(`webhook-${webhookId}`, 'WebhookEndpointRegistered', {
      webhookId,
      organisationId: org,
      organisationKind: kind,
      url: 'https://hooks.example.jp/ismap',
      eventTypes,
      secretFingerprint: 'sha256:0000000000000000',
      registeredOn: '2021-03-01',
    });
    return webhookId;
  }

  async function runFanoutUntil(position: string): Promise<void> {
    const fanout = new WebhookFanout(store, redis, queue, prefix, 50);
    fanout.start();
    try {
      await waitForCondition(async () => Promise.resolve(fanout.checkpoint() === position), {
        timeoutMs: 10_000,
        what: `the fan-out to reach ${position}`,
      });
    } finally {
      await fanout.stop();
    }
  }

  const jobIds = async (): Promise<string[]> =>
    (await queue.queue.getJobs(['waiting', 'delayed', 'prioritized'])).map((job) => job.id ?? '').sort();

  beforeAll(async () => {
    store = await SqliteEventStore.open({ file: join(dataDir, 'events.sqlite') });
    redis = new Redis(REDIS_URL);
    queue = WebhookDeliveryQueue.open(REDIS_URL, prefix);
  });

  afterAll(async () => {
    await queue.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('queues one job per relevant (endpoint, event), none for others, and none again when the log is replayed', async () => {
    const applicationId = randomUUID();
    const stream = `application-${applicationId}`;
    const before = await append('provider-P1', 'ProviderRegistered', {
      providerId: 'P1',
      name: 'Before any endpoint',
      corporateNumber: '7000012050002',
      registeredOn: '2021-03-01',
    });

    const provider = await endpoint('provider', 'P1');
    const auditBody = await endpoint('auditBody', 'AB1');
    const otherProvider = await endpoint('provider', 'P2');
    const onlySubmissions = await endpoint('auditBody', 'AB1', ['ApplicationSubmitted']);

    const submitted = await append(stream, 'ApplicationSubmitted', {
      applicationId,
      serviceId: randomUUID(),
      providerId: 'P1',
      kind: 'NEW',
      track: 'ISMAP',
      submittedOn: '2021-03-01',
      serviceName: 'Example Cloud',
      serviceModel: 'IaaS',
      scope: { description: 'all', regions: ['Tokyo'] },
      auditBodyId: 'AB1',
      auditPeriod: { start: '2020-01-01', end: '2020-12-31' },
      auditReportDate: '2021-02-01',
      excludedObjectives: [],
    });
    const review = await append(stream, 'ReviewFindingRaised', {
      applicationId,
      serviceId: 's',
      findingId: `${applicationId}.F1`,
      controlId: null,
      description: 'for the provider only',
      raisedOn: '2021-03-01',
    });
    const audit = await append(stream, 'AuditFindingRecorded', {
      applicationId,
      serviceId: 's',
      findingId: `${applicationId}.F2`,
      auditBodyId: 'AB1',
      controlId: '5.1.1',
      assessment: 'DESIGN',
      kind: 'DEFICIENCY',
      description: 'd',
      evidenceRefs: [],
      recordedOn: '2021-03-01',
    });
    const answer = await append(stream, 'FindingResponded', {
      applicationId,
      findingId: `${applicationId}.F2`,
      correctiveAction: 'fixed',
      respondedOn: '2021-03-01',
    });
    const reviewAnswer = await append(stream, 'FindingResponded', {
      applicationId,
      findingId: `${applicationId}.F1`,
      correctiveAction: 'fixed too',
      respondedOn: '2021-03-01',
    });

    await runFanoutUntil(reviewAnswer.position);

    const expected = [
      [provider, submitted],
      [auditBody, submitted],
      [onlySubmissions, submitted],
      [provider, review],
      [provider, audit],
      [auditBody, audit],
      [provider, answer],
      [auditBody, answer],
      [provider, reviewAnswer],
    ].map(([webhookId, event]) => webhookDeliveryJobId(webhookId as string, (event as { id: string }).id));
    expect(await jobIds()).toEqual(expected.sort());
    // Nothing for the event recorded before any endpoint, nothing for the other provider.
    const all = await queue.queue.getJobs(['waiting']);
    expect(all.some((job) => (job.data as { eventId: string }).eventId === before.id)).toBe(false);
    expect(all.some((job) => (job.data as { webhookId: string }).webhookId === otherProvider)).toBe(false);

    const job = all.find((j) => j.id === webhookDeliveryJobId(auditBody, audit.id));
    expect(job?.data).toMatchObject({
      webhookId: auditBody,
      organisationKind: 'auditBody',
      organisationId: 'AB1',
      eventId: audit.id,
      eventType: 'AuditFindingRecorded',
      correlationId: expect.stringMatching(/^corr-/),
      causationId: audit.id,
    });
    const body = JSON.parse((job?.data as { body: string }).body) as Record<string, unknown>;
    expect(body).toMatchObject({
      eventId: audit.id,
      type: 'AuditFindingRecorded',
      subject: { kind: 'application', id: applicationId },
      data: { findingId: `${applicationId}.F2` },
    });
    expect(JSON.stringify(body)).not.toContain('someone@example.jp');

    // The same events fanned out again (a lost checkpoint, a crash before it was written): still one job each.
    await redis.del(webhookFanoutKeys(prefix).checkpoint);
    await runFanoutUntil(reviewAnswer.position);
    expect(await jobIds()).toEqual(expected.sort());
  });
});
