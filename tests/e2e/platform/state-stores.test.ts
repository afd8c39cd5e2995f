import { NearSessionCache } from '../../../src/auth/sessions/near-session.cache';
import { LeasedRateLimiter } from '../../../src/platform/rate-limit/leased.limiter';
import { describeStoreConformance } from '../../support/state-store-conformance';
import { openRedisStores } from '../../support/state-stores';
import { describeWithRedis, REDIS_URL } from '../../support/redis-mode';

// The in-process run of the same suite is a unit spec: tests/app/state-stores.test.ts.
describeWithRedis('one Redis server', () => {
  describeStoreConformance(REDIS_URL, () => openRedisStores({ url: REDIS_URL }));
});

describe('the container picks the stores once, from the configuration', () => {
  describeWithRedis('with Redis', () => {
    it('uses Redis for every store', async () => {
      const { stores, close } = await openRedisStores({ url: REDIS_URL });
      expect(stores.rateLimiter).toBeInstanceOf(LeasedRateLimiter);
      expect(stores.sessionCache).toBeInstanceOf(NearSessionCache);
      await close();
    });
  });
});
