import { WEBHOOK_MAX_ATTEMPTS, WEBHOOK_MAX_RETRY_DELAY_MS, webhookRetryDelayMs } from './webhook-backoff';

describe('webhook retry backoff', () => {
  it('tries 8 times in all', () => {
    expect(WEBHOOK_MAX_ATTEMPTS).toBe(8);
  });

  it('doubles from the base, with the jitter inside the upper half of each step', () => {
    const base = 10_000;
    for (let attempt = 1; attempt < WEBHOOK_MAX_ATTEMPTS; attempt++) {
      const ceiling = base * 2 ** (attempt - 1);
      for (const jobId of ['a', 'b', 'c', 'd', 'e']) {
        const delay = webhookRetryDelayMs(attempt, base, jobId);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('is the same for the same job and attempt (so the recorded next retry is the real one)', () => {
    expect(webhookRetryDelayMs(3, 10_000, 'job-1')).toBe(webhookRetryDelayMs(3, 10_000, 'job-1'));
  });

  it('spreads different jobs failing at the same moment', () => {
    const delays = new Set(Array.from({ length: 50 }, (_, i) => webhookRetryDelayMs(5, 10_000, `job-${i}`)));
    expect(delays.size).toBeGreaterThan(40);
  });

  it('never waits longer than the cap, however large the base', () => {
    expect(webhookRetryDelayMs(7, 3_600_000, 'x')).toBeLessThanOrEqual(WEBHOOK_MAX_RETRY_DELAY_MS);
    expect(webhookRetryDelayMs(7, 3_600_000, 'x')).toBeGreaterThanOrEqual(WEBHOOK_MAX_RETRY_DELAY_MS / 2);
  });
});
