import { retryDelayMs } from '../../src/webhooks/webhook-delivery.worker';
import { loadConfig } from '../../src/platform/config/config';

describe('the retry schedule', () => {
  const schedule = loadConfig({}).webhooks.retryScheduleMs;

  it('defaults to 5 s, 30 s, 2 min, 10 min, 1 h, 6 h, 12 h: eight attempts over about a day', () => {
    expect(schedule).toEqual([5_000, 30_000, 120_000, 600_000, 3_600_000, 21_600_000, 43_200_000]);
    expect(schedule.reduce((sum, wait) => sum + wait, 0) / 3_600_000).toBeCloseTo(19.2, 1);
  });

  it('jitters each wait by ±20%, and has none left after the last', () => {
    expect(retryDelayMs(schedule, 0, () => 0)).toBe(4_000);
    expect(retryDelayMs(schedule, 0, () => 0.999999)).toBe(6_000);
    expect(retryDelayMs(schedule, 6, () => 0.5)).toBe(43_200_000);
    expect(retryDelayMs(schedule, 7)).toBeNull();
  });

  it('is read from WEBHOOK_RETRY_SCHEDULE, and a bad one is refused at start', () => {
    expect(loadConfig({ WEBHOOK_RETRY_SCHEDULE: '1s,2.5s,1m,1h,1d,3' }).webhooks.retryScheduleMs).toEqual([1000, 2500, 60_000, 3_600_000, 86_400_000, 3000]);
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: '5s,soon' })).toThrow(/WEBHOOK_RETRY_SCHEDULE must be comma-separated durations/);
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: '8d' })).toThrow(/WEBHOOK_RETRY_SCHEDULE each wait/);
  });

  it('allows http targets outside production only, unless WEBHOOK_ALLOW_HTTP says otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).webhooks.allowHttp).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), DATABASE_URL: 'postgres://db/app' }).webhooks.allowHttp).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), DATABASE_URL: 'postgres://db/app', WEBHOOK_ALLOW_HTTP: 'true' }).webhooks.allowHttp).toBe(true);
    expect(loadConfig({ WEBHOOK_ALLOWED_HOSTS: ' Receiver.Internal , [::1] ' }).webhooks.allowedHosts).toEqual(['receiver.internal', '::1']);
  });
});
