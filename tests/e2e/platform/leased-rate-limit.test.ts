import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { LeasedRateLimiter, DEFAULT_LEASE } from '../../../src/platform/rate-limit/leased.limiter';
import { RedisSlidingWindowLimiter } from '../../../src/platform/rate-limit/redis-sliding-window.limiter';
import type { SlotSource } from '../../../src/platform/rate-limit/rate.limiter';
import { createRedis, type RedisClient, waitForRedis } from '../../../src/platform/redis/redis.client';
import { describeWithRedis, REDIS_URL } from '../../support/redis-mode';
import { silentFailureReporter } from '../../support/state-stores';

// Two instances' limiters on one real Redis, each with its own connection, leasing from one window.
describeWithRedis('leased rate limits on one Redis shared by two instances', () => {
  const prefix = `uma-lease:${randomUUID()}:`;
  const connections: RedisClient[] = [];
  let scriptRuns = 0;

  const instance = async () => {
    const redis = createRedis({ url: REDIS_URL }, prefix);
    connections.push(redis);
    if (!(await waitForRedis(redis, 10_000))) throw new Error('Redis did not become ready');
    const window = new RedisSlidingWindowLimiter(redis, silentFailureReporter(), false);
    const counted: SlotSource = { take: (bucket, want) => ((scriptRuns += 1), window.take(bucket, want)) };
    // Leases that outlive a loaded machine's pauses: the bounds under test do not depend on it.
    return new LeasedRateLimiter(counted, { ...DEFAULT_LEASE, leaseMs: 5_000 });
  };

  afterAll(async () => {
    const raw = new Redis(REDIS_URL);
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length > 0) await raw.del(...keys);
    raw.disconnect();
    for (const redis of connections) redis.disconnect();
  });

  it('admits at most the limit in all, at most a lease per instance short of it, in far fewer script runs than requests', async () => {
    const limiters = [await instance(), await instance()];
    const bucket = { key: `read:user:${randomUUID()}`, rule: { limit: 2000, windowSeconds: 60 } };
    let admitted = 0;
    let requests = 0;
    let runsWhileFarFromLimit = 0;
    for (let round = 0; round < 60; round += 1) {
      if (round === 20) runsWhileFarFromLimit = scriptRuns; // 1000 requests, half the limit
      const burst = await Promise.all(limiters.flatMap((limiter) => Array.from({ length: 25 }, () => limiter.consume(bucket))));
      requests += burst.length;
      admitted += burst.filter((decision) => decision.allowed).length;
    }
    expect(requests).toBe(3000);
    expect(admitted).toBeLessThanOrEqual(2000);
    expect(admitted).toBeGreaterThanOrEqual(2000 - limiters.length * DEFAULT_LEASE.maxLease);
    const raw = new Redis(REDIS_URL);
    try {
      expect(await raw.zcard(`${prefix}ratelimit:${bucket.key}`)).toBe(2000);
    } finally {
      raw.disconnect();
    }
    expect(runsWhileFarFromLimit).toBeLessThan(1000 / 16);
  });

  it('counts every request of a small limit in Redis, so instances share it exactly', async () => {
    const limiters = [await instance(), await instance()];
    const bucket = { key: `read:user:${randomUUID()}`, rule: { limit: 6, windowSeconds: 60 } };
    const allowed: boolean[] = [];
    for (let i = 0; i < 8; i += 1) allowed.push((await limiters[i % 2].consume(bucket)).allowed);
    expect(allowed).toEqual([true, true, true, true, true, true, false, false]);
  });
});
