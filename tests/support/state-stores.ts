import { FIXED_EPOCH } from '../../src/auth/revocation/cache-epoch';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import Redis from 'ioredis';
import { createStateStores, type StateStores } from '../../src/app/state-stores';
import { loadConfig } from '../../src/platform/config/config';
import { createLogger } from '../../src/platform/observability/logger';
import { RedisFailureReporter } from '../../src/platform/redis/redis-failure.reporter';
import { createRedis, type RedisTarget, waitForRedis } from '../../src/platform/redis/redis.client';

/** What a conformance run needs from one implementation: stores built the way the container builds them. */
export interface StoreUnderTest {
  stores: StateStores;
  /** Seen by the Redis stores; must stay empty, or a fail-open path would pass the tests for the wrong reason. */
  failures: RedisFailureReporter;
  close(): Promise<void>;
}

/** Session entries may live at most this long in every store under test (CACHE_SESSION_TTL_SECONDS). */
export const CONFORMANCE_SESSION_TTL_SECONDS = 2;

export function silentFailureReporter(): RedisFailureReporter {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  return new RedisFailureReporter(createLogger('warn', sink));
}

const storeConfig = (keyPrefix: string) => loadConfig({ CACHE_SESSION_TTL_SECONDS: String(CONFORMANCE_SESSION_TTL_SECONDS), REDIS_KEY_PREFIX: keyPrefix });

/** The in-process stores, as the container builds them without Redis. */
export async function openMemoryStores(): Promise<StoreUnderTest> {
  const failures = silentFailureReporter();
  return { stores: createStateStores(storeConfig('unused:'), null, failures, FIXED_EPOCH, () => undefined), failures, close: async () => undefined };
}

/** The Redis stores on `target`, under a fresh key prefix whose keys `close` deletes (a cluster dies with its keys). */
export async function openRedisStores(target: RedisTarget): Promise<StoreUnderTest> {
  const keyPrefix = `uma-conformance:${randomUUID()}:`;
  const redis = createRedis(target, keyPrefix);
  const subscriber = createRedis(target, keyPrefix);
  if (!(await waitForRedis(redis, 10_000)) || !(await waitForRedis(subscriber, 10_000))) throw new Error('Redis did not become ready');
  const failures = silentFailureReporter();
  return {
    stores: createStateStores(storeConfig(keyPrefix), { redis, subscriber }, failures, FIXED_EPOCH, () => undefined),
    failures,
    async close() {
      redis.disconnect();
      subscriber.disconnect();
      if ('url' in target) await deleteKeys(target.url, keyPrefix);
    },
  };
}

async function deleteKeys(url: string, prefix: string): Promise<void> {
  const raw = new Redis(url);
  try {
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length > 0) await raw.del(...keys);
  } finally {
    raw.disconnect();
  }
}
