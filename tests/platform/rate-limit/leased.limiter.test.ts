import { LeasedRateLimiter, type LeaseSettings } from '../../../src/platform/rate-limit/leased.limiter';
import { MemorySlidingWindowLimiter } from '../../../src/platform/rate-limit/memory-sliding-window.limiter';
import type { RateBucket } from '../../../src/platform/rate-limit/rate-limit.policy';
import type { Slots, SlotSource } from '../../../src/platform/rate-limit/rate.limiter';

// Leases over the exact in-process window (standing in for Redis), on a clock the test moves.
const LEASE: LeaseSettings = { leaseMs: 250, maxLease: 64, shareOfRemaining: 1 / 16 };

function shared(clock: () => number) {
  const window = new MemorySlidingWindowLimiter(clock);
  const calls: number[] = [];
  const source: SlotSource = {
    take: async (bucket, want) => {
      calls.push(want);
      return window.take(bucket, want);
    },
  };
  return { source, calls, window };
}

const bucket = (limit: number, windowSeconds = 60): RateBucket => ({ key: `read:user:${limit}`, rule: { limit, windowSeconds } });

describe('leased rate limiter', () => {
  let now: number;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('asks the shared window for every request of a small limit, so its count and headers stay exact', async () => {
    const { source, calls } = shared(clock);
    const subject = new LeasedRateLimiter(source, LEASE, clock);
    const decisions = [];
    for (let i = 0; i < 7; i += 1) decisions.push(await subject.consume(bucket(6)));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([5, 4, 3, 2, 1, 0, 0]);
    expect(calls).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(subject.rejections).toBe(1);
  });

  it('serves a busy bucket of a large limit from growing leases: a few round trips for thousands of requests', async () => {
    const { source, calls } = shared(clock);
    const subject = new LeasedRateLimiter(source, LEASE, clock);
    for (let i = 0; i < 5000; i += 1) expect((await subject.consume(bucket(1_000_000))).allowed).toBe(true);
    expect(calls.slice(0, 7)).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect(Math.max(...calls)).toBe(64);
    expect(calls.length).toBeLessThan(5000 / 64 + 8);
  });

  it('requests arriving together wait for one lease at a time instead of each asking', async () => {
    const { source, calls } = shared(clock);
    const subject = new LeasedRateLimiter(source, LEASE, clock);
    for (let i = 0; i < 7; i += 1) await subject.consume(bucket(1_000_000));
    calls.length = 0;
    const decisions = await Promise.all(Array.from({ length: 40 }, () => subject.consume(bucket(1_000_000))));
    expect(decisions.every((d) => d.allowed)).toBe(true);
    // 1 + 2 + 4 were used before; 40 at once: 8, then 16, then 32 (of which 16 are left).
    expect(calls).toEqual([8, 16, 32]);
  });

  it('never lets instances together admit more than the limit, and refuses at most a lease per instance early', async () => {
    const { source, window } = shared(clock);
    const instances = [0, 1, 2].map(() => new LeasedRateLimiter(source, LEASE, clock));
    const limit = 3000;
    let admitted = 0;
    // Interleaved bursts, as three busy instances would send them.
    for (let round = 0; round < 200; round += 1) {
      const burst = await Promise.all(instances.flatMap((instance) => Array.from({ length: 10 }, () => instance.consume(bucket(limit)))));
      admitted += burst.filter((d) => d.allowed).length;
    }
    expect(admitted).toBeLessThanOrEqual(limit);
    expect(admitted).toBeGreaterThanOrEqual(limit - instances.length * LEASE.maxLease);
    expect((await window.take(bucket(limit), 1)).granted).toBe(0);
  });

  it('gives unused places up when the lease expires, halving the next one', async () => {
    const { source, calls } = shared(clock);
    const subject = new LeasedRateLimiter(source, LEASE, clock);
    for (let i = 0; i < 15; i += 1) await subject.consume(bucket(1_000_000)); // leases 1, 2, 4, 8 (7 of 8 used)
    now += LEASE.leaseMs;
    calls.length = 0;
    await subject.consume(bucket(1_000_000));
    expect(calls).toEqual([4]);
  });

  it('keeps the sliding window exact for small limits: a place frees one window after it was taken', async () => {
    const { source } = shared(clock);
    const subject = new LeasedRateLimiter(source, LEASE, clock);
    const rule = bucket(2, 10);
    expect((await subject.consume(rule)).allowed).toBe(true);
    expect((await subject.consume(rule)).allowed).toBe(true);
    now += 9_999;
    expect(await subject.consume(rule)).toEqual({ allowed: false, limit: 2, remaining: 0, resetSeconds: 1 });
    now += 1;
    expect((await subject.consume(rule)).allowed).toBe(true);
  });

  it('fails open without keeping a lease when the window cannot be asked, and asks again next time', async () => {
    const calls: number[] = [];
    const degraded: SlotSource = { take: async (_bucket, want): Promise<Slots> => (calls.push(want), { granted: want, count: 0, resetMs: 60_000, degraded: true }) };
    const subject = new LeasedRateLimiter(degraded, LEASE, clock);
    expect(await subject.consume(bucket(1_000_000))).toEqual({ allowed: true, limit: 1_000_000, remaining: 1_000_000, resetSeconds: 60 });
    await subject.consume(bucket(1_000_000));
    expect(calls).toEqual([1, 1]);
  });

  it('passes a failing-closed refusal on to the caller, and the next request asks again', async () => {
    let fail = true;
    const { source } = shared(clock);
    const flaky: SlotSource = { take: async (b, want) => (fail ? Promise.reject(new Error('down')) : source.take(b, want)) };
    const subject = new LeasedRateLimiter(flaky, LEASE, clock);
    await expect(subject.consume(bucket(10))).rejects.toThrow('down');
    fail = false;
    expect((await subject.consume(bucket(10))).allowed).toBe(true);
  });
});
