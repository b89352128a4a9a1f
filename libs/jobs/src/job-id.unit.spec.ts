import { IsInt, Min } from 'class-validator';
import { deriveJobId } from './job-id';
import { fromJobData, InvalidJobPayloadError, JobPayload, toJobData } from './job-payload';
import { bullConnection } from './connection';

describe('deriveJobId', () => {
  it('is the same for the same cause and differs for another', () => {
    expect(deriveJobId('expiry', '2026-11-22')).toBe(deriveJobId('expiry', '2026-11-22'));
    expect(deriveJobId('expiry', '2026-11-22')).not.toBe(deriveJobId('expiry', '2026-11-23'));
    expect(deriveJobId('expiry', 'a', 'bc')).not.toBe(deriveJobId('expiry', 'ab', 'c'));
  });

  it('never holds a colon and is never integer-like (BullMQ refuses both)', () => {
    const id = deriveJobId('webhook-delivery', 'endpoint:1', 'event:2');
    expect(id).toMatch(/^webhook-delivery-[0-9a-f]{32}$/);
  });

  it('refuses a kind that is not kebab-case and a cause with no parts', () => {
    expect(() => deriveJobId('Expiry', 'x')).toThrow();
    expect(() => deriveJobId('expiry')).toThrow();
  });
});

class SweepPayload extends JobPayload {
  @IsInt()
  @Min(1)
  days!: number;
}

describe('job payloads', () => {
  it('round-trip through validation on both ends', () => {
    const payload = Object.assign(new SweepPayload(), { correlationId: 'c-1', days: 3 });
    const data = toJobData(SweepPayload, payload);
    expect(fromJobData(SweepPayload, data)).toMatchObject({ correlationId: 'c-1', days: 3 });
  });

  it('refuses a missing correlation id, a wrong type and unknown fields', () => {
    expect(() => fromJobData(SweepPayload, { days: 3 })).toThrow(InvalidJobPayloadError);
    expect(() => fromJobData(SweepPayload, { correlationId: 'c', days: 'x' })).toThrow(/days/);
    expect(() => fromJobData(SweepPayload, { correlationId: 'c', days: 1, extra: 1 })).toThrow(/extra/);
    expect(() => fromJobData(SweepPayload, null)).toThrow(InvalidJobPayloadError);
  });
});

describe('bullConnection', () => {
  it('reads the Redis URL and sets maxRetriesPerRequest to null', () => {
    expect(bullConnection('redis://:s%40cret@10.0.0.1:6380/2')).toMatchObject({
      host: '10.0.0.1',
      port: 6380,
      password: 's@cret',
      db: 2,
      maxRetriesPerRequest: null,
    });
  });
});
