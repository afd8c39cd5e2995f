import type { MikroORM } from '@mikro-orm/postgresql';
import type { RedisClient } from '../redis/redis.client';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, 'ok' | 'failing'>;
}

export interface ReadinessCheck {
  check(): Promise<ReadinessReport>;
}

const CHECK_TIMEOUT_MS = 1500;

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS).unref())]);
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
): ReadinessCheck {
  const probes: Record<string, () => Promise<unknown>> = {
    postgres: () => orm.em.getConnection().execute('select 1'),
    ...(redis ? { redis: () => redis.ping() } : {}),
  };
  return {
    async check() {
      const entries = await Promise.all(
        Object.entries({ ...probes, ...optional }).map(async ([name, probe]) => {
          try {
            await withTimeout(probe());
            return [name, 'ok'] as const;
          } catch {
            return [name, 'failing'] as const;
          }
        }),
      );
      const checks: ReadinessReport['checks'] = Object.fromEntries(entries);
      if (isShuttingDown()) checks.shutdown = 'failing';
      const required = Object.entries(checks).filter(([name]) => !(name in optional));
      return { ready: required.every(([, state]) => state === 'ok'), checks };
    },
  };
}
