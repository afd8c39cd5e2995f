import type { MikroORM } from '@mikro-orm/postgresql';
import type Redis from 'ioredis';

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

export function createReadinessCheck(orm: MikroORM, redis: Redis | null, isShuttingDown: () => boolean): ReadinessCheck {
  const probes: Record<string, () => Promise<unknown>> = {
    postgres: () => orm.em.getConnection().execute('select 1'),
    ...(redis ? { redis: () => redis.ping() } : {}),
  };
  return {
    async check() {
      const entries = await Promise.all(
        Object.entries(probes).map(async ([name, probe]) => {
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
      return { ready: Object.values(checks).every((state) => state === 'ok'), checks };
    },
  };
}
