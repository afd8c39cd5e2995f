import { MemorySessionCache } from '../../../src/auth/sessions/memory-session.cache';
import { RedisSessionCache } from '../../../src/auth/sessions/redis-session.cache';
import { MemorySlidingWindowLimiter } from '../../../src/platform/rate-limit/memory-sliding-window.limiter';
import { RedisSlidingWindowLimiter } from '../../../src/platform/rate-limit/redis-sliding-window.limiter';
import { describeStoreConformance } from '../../support/state-store-conformance';
import { openMemoryStores, openRedisStores } from '../../support/state-stores';
import { describeWithRedis, REDIS_URL } from '../../support/redis-mode';

describeStoreConformance('in process (no REDIS_URL)', openMemoryStores);

describeWithRedis('one Redis server', () => {
  describeStoreConformance(REDIS_URL, () => openRedisStores({ url: REDIS_URL }));
});

describe('the container picks the stores once, from the configuration', () => {
  it('keeps everything in process without Redis', async () => {
    const { stores, close } = await openMemoryStores();
    expect(stores.rateLimiter).toBeInstanceOf(MemorySlidingWindowLimiter);
    expect(stores.sessionCache).toBeInstanceOf(MemorySessionCache);
    await close();
  });

  describeWithRedis('with Redis', () => {
    it('uses Redis for every store', async () => {
      const { stores, close } = await openRedisStores({ url: REDIS_URL });
      expect(stores.rateLimiter).toBeInstanceOf(RedisSlidingWindowLimiter);
      expect(stores.sessionCache).toBeInstanceOf(RedisSessionCache);
      await close();
    });
  });
});
