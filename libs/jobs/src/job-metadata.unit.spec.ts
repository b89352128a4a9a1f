import type { Job } from 'bullmq';
import { deriveCommandId, JOB_ACTOR, jobCommandMetadata } from './job-metadata';
import { JobPayload } from './job-payload';
import { scheduledDayOf } from './schedules';
import { drainBudgetMs } from './jobs-drain';

class Payload extends JobPayload {}
const payload = (fields: Partial<Payload>): Payload => Object.assign(new Payload(), fields);

describe('jobCommandMetadata', () => {
  const now = new Date('2026-11-21T15:30:00Z'); // 00:30 on the 22nd in Tokyo

  it("carries the payload's correlation and causation into the command, as the system actor", () => {
    const metadata = jobCommandMetadata(
      { id: 'job-1' },
      payload({ correlationId: 'corr', causationId: 'evt-9' }),
      {
        commandId: 'cmd',
        now,
      },
    );
    expect(metadata).toEqual({
      commandId: 'cmd',
      actor: JOB_ACTOR,
      correlationId: 'corr',
      causationId: 'evt-9',
      occurredOn: '2026-11-22',
      now: '2026-11-21T15:30:00.000Z',
    });
  });

  it('names the job as the cause when the payload has no causing event', () => {
    const metadata = jobCommandMetadata({ id: 'job-1' }, payload({ correlationId: 'corr' }), {
      commandId: 'cmd',
      occurredOn: '2026-11-01',
      now,
    });
    expect(metadata.causationId).toBe('job:job-1');
    expect(metadata.occurredOn).toBe('2026-11-01');
  });
});

describe('deriveCommandId', () => {
  it('is a UUID that depends on the kind and every part, and only on them', () => {
    const id = deriveCommandId('expire-registration', 'SVC-1', '2024-02-29');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deriveCommandId('expire-registration', 'SVC-1', '2024-02-29')).toBe(id);
    expect(deriveCommandId('renewal-reminder', 'SVC-1', '2024-02-29')).not.toBe(id);
    expect(deriveCommandId('expire-registration', 'SVC-1', '2024-02-28')).not.toBe(id);
    expect(() => deriveCommandId('expire-registration')).toThrow();
  });
});

describe('scheduledDayOf', () => {
  it('is the Tokyo day of the instant the run was scheduled for, not of when a worker took it', () => {
    const job = {
      opts: { prevMillis: Date.parse('2024-02-28T15:05:00Z') },
      timestamp: Date.parse('2024-03-02T00:00:00Z'),
    };
    expect(scheduledDayOf(job as Pick<Job, 'opts' | 'timestamp'>)).toBe('2024-02-29');
    const onDemand = { opts: {}, timestamp: Date.parse('2024-02-29T16:00:00Z') };
    expect(scheduledDayOf(onDemand as Pick<Job, 'opts' | 'timestamp'>)).toBe('2024-03-01');
  });
});

describe('drainBudgetMs', () => {
  it('leaves the store and Redis time to close inside SHUTDOWN_TIMEOUT_MS', () => {
    expect(drainBudgetMs(25_000)).toBe(23_000);
    expect(drainBudgetMs(1000)).toBe(500);
  });
});
