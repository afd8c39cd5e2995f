import { randomBytes } from 'node:crypto';
import { ServiceUnavailableError } from '../errors/domain.errors';
import type { RedisFailureReporter } from '../redis/redis-failure.reporter';
import type { RedisClient } from '../redis/redis.client';
import type { RateBucket } from './rate-limit.policy';
import type { Slots, SlotSource } from './rate.limiter';

/**
 * A sliding-window log: each accepted request is a timestamped member of a sorted set; members older
 * than the window fall off. The script runs atomically in Redis and reads Redis's clock, so every
 * instance agrees. One key per bucket, so it runs unchanged on a Redis Cluster.
 */
const SLIDING_WINDOW_SCRIPT = `
local key = KEYS[1]
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local member = ARGV[3]
local want = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local granted = 0
if count < limit then
  granted = math.min(want, limit - count)
  local entries = {}
  for i = 1, granted do
    entries[#entries + 1] = now
    entries[#entries + 1] = member .. ':' .. now .. ':' .. i
  end
  redis.call('ZADD', key, unpack(entries))
  count = count + granted
end
redis.call('PEXPIRE', key, window)
local reset = window
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
if oldest[2] then reset = tonumber(oldest[2]) + window - now end
return {granted, count, reset}
`;

type SlidingWindowRedis = RedisClient & {
  slidingWindow(key: string, windowMs: number, limit: number, member: string, want: number): Promise<[number, number, number]>;
};

/**
 * Takes up to `want` places in the bucket's window at once (one script run); a lease of places
 * used over the next moments by LeasedRateLimiter, or a single request's place.
 */
export class RedisSlidingWindowLimiter implements SlotSource {
  private readonly redis: SlidingWindowRedis;

  constructor(
    redis: RedisClient,
    private readonly failures: RedisFailureReporter,
    private readonly failClosed: boolean,
  ) {
    if (!('slidingWindow' in redis)) redis.defineCommand('slidingWindow', { numberOfKeys: 1, lua: SLIDING_WINDOW_SCRIPT });
    this.redis = redis as SlidingWindowRedis;
  }

  async take(bucket: RateBucket, want: number): Promise<Slots> {
    const { limit, windowSeconds } = bucket.rule;
    try {
      const [granted, count, resetMs] = await this.redis.slidingWindow(`ratelimit:${bucket.key}`, windowSeconds * 1000, limit, randomBytes(6).toString('hex'), want);
      return { granted, count, resetMs, degraded: false };
    } catch (error) {
      this.failures.report('rate-limit', error);
      if (this.failClosed) throw new ServiceUnavailableError('Rate limiting is unavailable.');
      return { granted: want, count: 0, resetMs: windowSeconds * 1000, degraded: true };
    }
  }
}
