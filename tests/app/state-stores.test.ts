import { randomUUID } from 'node:crypto';
import { createStateStores } from '../../src/app/state-stores';
import { FIXED_EPOCH } from '../../src/auth/revocation/cache-epoch';
import { loadConfig } from '../../src/platform/config/config';
import { MemorySessionCache } from '../../src/auth/sessions/memory-session.cache';
import { MemoryLoginAttemptStore } from '../../src/auth/throttle/memory-login-attempt.store';
import { MemorySlidingWindowLimiter } from '../../src/platform/rate-limit/memory-sliding-window.limiter';
import { MemoryUserCacheTier } from '../../src/users/cache/memory-user-cache.tier';
import { describeStoreConformance } from '../support/state-store-conformance';
import { openMemoryStores, silentFailureReporter } from '../support/state-stores';

// The in-process half of the state-store conformance suite: no Redis, so it is a unit spec. The Redis
// server and Redis Cluster runs of the same suite are end-to-end (tests/e2e/platform/).
describeStoreConformance('in process (no REDIS_URL)', openMemoryStores);

describe('the container picks the stores once, from the configuration', () => {
  it('keeps everything in process without Redis', async () => {
    const { stores, close } = await openMemoryStores();
    expect(stores.rateLimiter).toBeInstanceOf(MemorySlidingWindowLimiter);
    expect(stores.sessionCache).toBeInstanceOf(MemorySessionCache);
    expect(stores.loginAttempts).toBeInstanceOf(MemoryLoginAttemptStore);
    expect(stores.userCacheTier).toBeInstanceOf(MemoryUserCacheTier);
    await close();
  });
});

describe('in process, a moved revocation epoch is applied by forgetting', () => {
  it('clears the session cache and the user tier when the epoch changes, and not before', async () => {
    let epochChanged: (() => void) | undefined;
    const stores = createStateStores(loadConfig({}), null, silentFailureReporter(), FIXED_EPOCH, (listener) => {
      epochChanged = listener;
    });
    const [sid, jti] = [randomUUID(), randomUUID()];
    const miss = await stores.sessionCache.lookup(jti, sid);
    await stores.sessionCache.remember(sid, { userId: randomUUID(), expiresAt: Date.now() + 60_000, stamp: 's' }, new Date(Date.now() + 60_000), miss.fill);
    await stores.userCacheTier.set('users:list:local:0:q', '[]', 60);
    expect((await stores.sessionCache.lookup(jti, sid)).session).not.toBeNull();
    expect(await stores.userCacheTier.get('users:list:local:0:q')).toBe('[]');

    expect(epochChanged).toBeDefined();
    epochChanged!();
    expect((await stores.sessionCache.lookup(jti, sid)).session).toBeNull();
    expect(await stores.userCacheTier.get('users:list:local:0:q')).toBeNull();
    expect(await stores.userCacheTier.listVersion()).not.toBe('0');
  });
});
