import { MemorySessionCache } from '../auth/sessions/memory-session.cache';
import { MemoryUserCacheTier } from '../users/cache/memory-user-cache.tier';
import { RedisSessionCache } from '../auth/sessions/redis-session.cache';
import { NearSessionCache } from '../auth/sessions/near-session.cache';
import { InvalidationChannel } from '../platform/redis/invalidation.channel';
import { RedisUserCacheTier } from '../users/cache/redis-user-cache.tier';
import type { SessionCache } from '../auth/sessions/session.cache';
import type { UserCacheTier } from '../users/cache/user-cache.tier';
import type { Config } from '../platform/config/config';
import { MemorySlidingWindowLimiter } from '../platform/rate-limit/memory-sliding-window.limiter';
import type { RateLimiter } from '../platform/rate-limit/rate.limiter';
import { RedisSlidingWindowLimiter } from '../platform/rate-limit/redis-sliding-window.limiter';
import { LeasedRateLimiter } from '../platform/rate-limit/leased.limiter';
import type { RedisFailureReporter } from '../platform/redis/redis-failure.reporter';
import type { RedisConnections } from '../platform/redis/redis.client';
import type { LoginAttemptStore } from '../auth/throttle/login-attempt.store';
import type { CacheEpoch } from '../auth/revocation/cache-epoch';
import { MemoryLoginAttemptStore } from '../auth/throttle/memory-login-attempt.store';
import { RedisLoginAttemptStore } from '../auth/throttle/redis-login-attempt.store';

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
export function createStateStores(config: Config, connections: RedisConnections | null, failures: RedisFailureReporter, epoch: CacheEpoch, onEpochChange: (listener: () => void) => void): StateStores {
  if (!connections) {
    const sessionCache = new MemorySessionCache(config.cache.sessionTtlSeconds);
    const userCacheTier = new MemoryUserCacheTier();
    // In one process the epoch is applied by forgetting: sessions or users changed in PostgreSQL by
    // an admin command (npm run admin:reset-password) are read afresh.
    onEpochChange(() => {
      sessionCache.clear();
      userCacheTier.clear();
    });
    return { rateLimiter: new MemorySlidingWindowLimiter(), sessionCache, loginAttempts: new MemoryLoginAttemptStore(), userCacheTier };
  }
  const { redis, subscriber } = connections;
  const sessionCache = new NearSessionCache(
    new RedisSessionCache(redis, failures, config.cache.sessionTtlSeconds, epoch),
    new InvalidationChannel(redis, subscriber, failures, `${config.redisKeyPrefix}session-invalidations`),
    { maxEntries: config.cache.localMaxEntries, ttlSeconds: config.cache.localTtlSeconds },
    failures,
    epoch,
  );
  onEpochChange(() => sessionCache.clear());
  return {
    rateLimiter: new LeasedRateLimiter(new RedisSlidingWindowLimiter(redis, failures, config.rateLimit.failClosed)),
    sessionCache,
    loginAttempts: new RedisLoginAttemptStore(redis),
    userCacheTier: new RedisUserCacheTier(redis, subscriber, failures, config.redisKeyPrefix, epoch),
  };
}
