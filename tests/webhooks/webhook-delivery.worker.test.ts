import { retryDelayMs, WebhookDeliveryWorker } from '../../src/webhooks/webhook-delivery.worker';
import { WebhookTargetRefused } from '../../src/webhooks/webhook-target.guard';
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

describe('WebhookDeliveryWorker: what an attempt leads to (fake store and sender)', () => {
  const DAY = 24 * 60 * 60 * 1000;

  function setUp(answer: { ok: boolean; statusCode: number | null; error: string | null } | 'refused', options: { retries?: number; failingFor?: number } = {}) {
    const calls: string[] = [];
    const delivery = {
      id: 'd1',
      attempts: (options.retries ?? 0) + 1,
      retries: options.retries ?? 0,
      endpoint: { id: 'w1', url: 'https://hooks.example.com/x', secretSealed: 's', previousSecretSealed: null, previousSecretExpiresAt: null },
      event: { id: 'e1', type: 'user.created', subject: 'u1', sequence: 1, actor: null, occurredAt: new Date(), data: {} },
    };
    let claimed = false;
    const store = {
      claim: async () => (claimed ? [] : ((claimed = true), [delivery])),
      releaseExpiredLeases: async () => 0,
      purgeOrphans: async () => 0,
      succeeded: async () => void calls.push('succeeded'),
      failed: async (_d: unknown, record: { error: string | null }, retryIn: number | null) => {
        calls.push(`failed ${record.error} retry=${retryIn}`);
        return new Date(Date.now() - (options.failingFor ?? 0));
      },
    };
    const guard = {
      target: async (url: string) => {
        if (answer === 'refused') throw new WebhookTargetRefused('the host resolves to a loopback address (127.0.0.1)');
        return { url: new URL(url), address: { address: '93.184.215.14', family: 4 } };
      },
    };
    const sender = { send: async () => (calls.push('sent'), { ...(answer as object), latencyMs: 5 }) };
    const worker = new WebhookDeliveryWorker(store as never, guard as never, { signature: () => 'v1,x' } as never, sender as never, {
      retryScheduleMs: [1000, 2000],
      timeoutMs: 1000,
      disable: async (id, reason) => void calls.push(`disable ${id} ${reason}`),
      logger: { info: () => undefined, warn: () => undefined },
      random: () => 0.5,
    });
    return { worker, calls };
  }

  const run = async (worker: WebhookDeliveryWorker) => {
    await worker.pass();
    await worker.stop();
  };

  it('records a 2xx as succeeded', async () => {
    const { worker, calls } = setUp({ ok: true, statusCode: 204, error: null });
    await run(worker);
    expect(calls).toEqual(['sent', 'succeeded']);
  });

  it('retries a 500 on the schedule, and fails it for good after the last retry', async () => {
    const first = setUp({ ok: false, statusCode: 500, error: 'HTTP 500' });
    await run(first.worker);
    expect(first.calls).toEqual(['sent', 'failed HTTP 500 retry=1000']);
    const last = setUp({ ok: false, statusCode: 500, error: 'HTTP 500' }, { retries: 2 });
    await run(last.worker);
    expect(last.calls).toEqual(['sent', 'failed HTTP 500 retry=null']);
  });

  it('disables the endpoint at once on 410 Gone, without a retry', async () => {
    const { worker, calls } = setUp({ ok: false, statusCode: 410, error: 'HTTP 410' });
    await run(worker);
    expect(calls).toEqual(['sent', 'failed HTTP 410 retry=null', 'disable w1 gone']);
  });

  it('disables an endpoint that has failed every attempt for 5 days, not one failing for 4', async () => {
    const days5 = setUp({ ok: false, statusCode: 503, error: 'HTTP 503' }, { failingFor: 5 * DAY + 1000 });
    await run(days5.worker);
    expect(days5.calls).toEqual(['sent', 'failed HTTP 503 retry=1000', 'disable w1 failing']);
    const days4 = setUp({ ok: false, statusCode: 503, error: 'HTTP 503' }, { failingFor: 4 * DAY });
    await run(days4.worker);
    expect(days4.calls).toEqual(['sent', 'failed HTTP 503 retry=1000']);
  });

  it('sends nothing to a target the guard refuses at delivery time, and records why', async () => {
    const { worker, calls } = setUp('refused');
    await run(worker);
    expect(calls).toEqual(['failed refused: the host resolves to a loopback address (127.0.0.1) retry=1000']);
  });
});
