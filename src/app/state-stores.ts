import { MemorySessionCache } from '../cache/memory-session.cache';
import { MemoryUserCacheTier } from '../cache/memory-user-cache.tier';
import { RedisSessionCache } from '../cache/redis-session.cache';
import { RedisUserCacheTier } from '../cache/redis-user-cache.tier';
import type { SessionCache } from '../cache/session.cache';
import type { UserCacheTier } from '../cache/user-cache.tier';
import type { Config } from '../config/config';
import { MemorySlidingWindowLimiter } from '../rate-limit/memory-sliding-window.limiter';
import type { RateLimiter } from '../rate-limit/rate.limiter';
import { RedisSlidingWindowLimiter } from '../rate-limit/redis-sliding-window.limiter';
import type { RedisFailureReporter } from '../redis/redis-failure.reporter';
import type { RedisConnections } from '../redis/redis.client';
import type { LoginAttemptStore } from '../security/login-attempt.store';
import { MemoryLoginAttemptStore } from '../security/memory-login-attempt.store';
import { RedisLoginAttemptStore } from '../security/redis-login-attempt.store';

/** The state that several instances must share: in Redis when there is one, else in this process. */
export interface StateStores {
  rateLimiter: RateLimiter;
  sessionCache: SessionCache;
  loginAttempts: LoginAttemptStore;
  userCacheTier: UserCacheTier;
}

/**
 * Chosen once, at start: the in-process stores are correct for a single instance only (each
 * instance would count, blacklist and cache on its own), which is why several instances need Redis.
 */
export function createStateStores(config: Config, connections: RedisConnections | null, failures: RedisFailureReporter): StateStores {
  if (!connections) {
    return {
      rateLimiter: new MemorySlidingWindowLimiter(),
      sessionCache: new MemorySessionCache(config.cache.sessionTtlSeconds),
      loginAttempts: new MemoryLoginAttemptStore(),
      userCacheTier: new MemoryUserCacheTier(),
    };
  }
  const { redis, subscriber } = connections;
  return {
    rateLimiter: new RedisSlidingWindowLimiter(redis, failures, config.rateLimit.failClosed),
    sessionCache: new RedisSessionCache(redis, failures, config.cache.sessionTtlSeconds),
    loginAttempts: new RedisLoginAttemptStore(redis),
    userCacheTier: new RedisUserCacheTier(redis, subscriber, failures, config.redisKeyPrefix),
  };
}
