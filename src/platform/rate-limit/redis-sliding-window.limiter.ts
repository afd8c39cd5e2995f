import { randomBytes } from 'node:crypto';
import { ServiceUnavailableError } from '../errors/domain.errors';
import type { RedisFailureReporter } from '../redis/redis-failure.reporter';
import type { RedisClient } from '../redis/redis.client';
import type { RateBucket } from './rate-limit.policy';
import { decision, type RateDecision, type RateLimiter } from './rate.limiter';

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
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local allowed = 0
if count < limit then
  redis.call('ZADD', key, now, member .. ':' .. now)
  count = count + 1
  allowed = 1
end
redis.call('PEXPIRE', key, window)
local reset = window
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
if oldest[2] then reset = tonumber(oldest[2]) + window - now end
return {allowed, count, reset}
`;

type SlidingWindowRedis = RedisClient & {
  slidingWindow(key: string, windowMs: number, limit: number, member: string): Promise<[number, number, number]>;
};

export class RedisSlidingWindowLimiter implements RateLimiter {
  private readonly redis: SlidingWindowRedis;
  rejections = 0;

  constructor(
    redis: RedisClient,
    private readonly failures: RedisFailureReporter,
    private readonly failClosed: boolean,
  ) {
    if (!('slidingWindow' in redis)) redis.defineCommand('slidingWindow', { numberOfKeys: 1, lua: SLIDING_WINDOW_SCRIPT });
    this.redis = redis as SlidingWindowRedis;
  }

  async consume(bucket: RateBucket): Promise<RateDecision> {
    const { limit, windowSeconds } = bucket.rule;
    try {
      const [allowed, count, resetMs] = await this.redis.slidingWindow(`ratelimit:${bucket.key}`, windowSeconds * 1000, limit, randomBytes(6).toString('hex'));
      if (allowed !== 1) this.rejections += 1;
      return decision(allowed === 1, limit, count, resetMs);
    } catch (error) {
      this.failures.report('rate-limit', error);
      if (this.failClosed) throw new ServiceUnavailableError('Rate limiting is unavailable.');
      return { allowed: true, limit, remaining: limit, resetSeconds: windowSeconds };
    }
  }
}
