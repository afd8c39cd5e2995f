import Redis, { Cluster } from 'ioredis';
import type { Logger } from '../observability/logger';

/** One Redis server or a Redis Cluster: every store speaks to either through the same commands. */
export type RedisClient = Redis | Cluster;

export type RedisTarget = { url: string } | { clusterNodes: { host: string; port: number }[] };

/**
 * Commands fail fast while Redis is away (no offline queue, a short command timeout), so a Redis
 * outage degrades requests instead of stalling them. Commands issued in the same tick by concurrent
 * requests go out in one write (auto-pipelining): under load that halves the socket writes, which
 * were the largest cost of a cached read after HTTP itself.
 */
export function createRedis(target: RedisTarget, keyPrefix: string): RedisClient {
  if ('clusterNodes' in target) {
    return new Cluster(target.clusterNodes, {
      keyPrefix,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      clusterRetryStrategy: (attempt) => Math.min(attempt * 200, 2000),
      redisOptions: { maxRetriesPerRequest: 1, commandTimeout: 1000, connectTimeout: 2000 },
    });
  }
  return new Redis(target.url, {
    keyPrefix,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
}

/** Waits briefly for the first connection; the service starts degraded rather than not at all. */
export async function waitForRedis(redis: RedisClient, timeoutMs = 3000): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once('ready', onReady);
  });
}

export interface RedisSettings {
  redisUrl: string | undefined;
  redisClusterNodes: { host: string; port: number }[] | undefined;
  redisKeyPrefix: string;
}

export interface RedisConnections {
  redis: RedisClient;
  /** A second connection: a subscribed Redis connection can do nothing else. */
  subscriber: RedisClient;
}

/** The configured Redis (or Cluster), or null when none is configured and state stays in process. */
export async function openRedis(settings: RedisSettings, logger: Logger): Promise<RedisConnections | null> {
  const target: RedisTarget | null = settings.redisClusterNodes
    ? { clusterNodes: settings.redisClusterNodes }
    : settings.redisUrl
      ? { url: settings.redisUrl }
      : null;
  if (!target) {
    logger.warn(
      'No REDIS_URL or REDIS_CLUSTER_NODES: rate limits, login lock-outs, revoked tokens, sessions and the user cache are kept in this process ' +
        '(correct for a single instance only; run several with Redis), and the audit stream is not published',
    );
    return null;
  }
  const redis = createRedis(target, settings.redisKeyPrefix);
  const subscriber = createRedis(target, settings.redisKeyPrefix);
  // Connection errors are reported where a command fails; the client reconnects by itself.
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => {
    lastError = error;
  });
  subscriber.on('error', () => undefined);
  if (!(await waitForRedis(redis))) logger.warn({ redis: describeRedisTarget(target) }, redisUnreachableMessage(target, lastError));
  return { redis, subscriber };
}

/** The setting that points at Redis, as it may be shown: the password masked. */
export function describeRedisTarget(target: RedisTarget): string {
  if ('clusterNodes' in target) return `REDIS_CLUSTER_NODES=${target.clusterNodes.map(({ host, port }) => `${host}:${port}`).join(',')}`;
  const url = new URL(target.url);
  if (url.password) url.password = '***';
  return `REDIS_URL=${url.toString().replace(/\/$/, '')}`;
}

/**
 * Starting degraded is deliberate (requests still work, see README "Shutdown and outages"), so this
 * is a warning, but it names the setting and what to check, as a failed database does.
 */
export function redisUnreachableMessage(target: RedisTarget, error: Error | undefined): string {
  const what = 'clusterNodes' in target ? 'Redis Cluster' : 'Redis';
  const cause = error ? `: ${error.message}` : '';
  const check =
    'clusterNodes' in target
      ? 'Check that the cluster nodes run and answer on those addresses (cluster mode enabled, all slots covered)'
      : 'Check that Redis runs and accepts connections at that host and port, and the password in the URL';
  return (
    `${what} does not answer at ${describeRedisTarget(target)}${cause}. Starting degraded: rate limits let requests through, caches read PostgreSQL, ` +
    `and the client keeps reconnecting. ${check}; or unset it to keep this state in process (one instance only).`
  );
}
