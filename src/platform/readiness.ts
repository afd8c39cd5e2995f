import type { MikroORM } from '@mikro-orm/postgresql';
import type { RedisClient } from './redis/redis.client';

export interface ReadinessReport {
  ready: boolean;
  /** `degraded`: failing, and the instance serves anyway (Redis, unless it is essential). */
  checks: Record<string, 'ok' | 'failing' | 'degraded'>;
}

export interface ReadinessCheck {
  check(): Promise<ReadinessReport>;
}

const CHECK_TIMEOUT_MS = 1500;

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS).unref())]);
}

export interface ReadinessOptions {
  /**
   * Whether the instance can serve without Redis. By default it can (caches fall through to
   * PostgreSQL, limits fail open, revocation is decided by PostgreSQL), so a Redis outage is
   * `degraded` and the instance stays in the load balancer: every instance shares that Redis, and
   * unreadying them all would take the API down for nothing. With RATE_LIMIT_FAIL_CLOSED=true every
   * limited request is refused without Redis, so it is essential and a failure makes the instance unready.
   */
  redisEssential: boolean;
}

/**
 * `optional` probes are reported but do not make the instance unready: read replicas, whose reads
 * fall back to the primary, and which every instance shares, so pulling instances out of the load
 * balancer over one would take the API down without helping anyone.
 */
export function createReadinessCheck(
  orm: MikroORM,
  redis: RedisClient | null,
  isShuttingDown: () => boolean,
  optional: Record<string, () => Promise<unknown>> = {},
  options: ReadinessOptions = { redisEssential: false },
): ReadinessCheck {
  const probes: Record<string, () => Promise<unknown>> = {
    postgres: () => orm.em.getConnection().execute('select 1'),
    ...(redis ? { redis: () => redis.ping() } : {}),
  };
  const degradable = new Set(redis && !options.redisEssential ? ['redis'] : []);
  return {
    async check() {
      const entries = await Promise.all(
        Object.entries({ ...probes, ...optional }).map(async ([name, probe]) => {
          try {
            await withTimeout(probe());
            return [name, 'ok'] as const;
          } catch {
            return [name, degradable.has(name) ? 'degraded' : 'failing'] as const;
          }
        }),
      );
      const checks: ReadinessReport['checks'] = Object.fromEntries(entries);
      if (isShuttingDown()) checks.shutdown = 'failing';
      const required = Object.entries(checks).filter(([name]) => !(name in optional));
      return { ready: required.every(([, state]) => state !== 'failing'), checks };
    },
  };
}
