import type { ChainableCommander } from 'ioredis';
import type { AuditLog } from './audit-log.entity';
import type { AuditRecorded } from './audit.events';
import type { RedisFailureReporter } from '../platform/redis/redis-failure.reporter';
import type { RedisClient } from '../platform/redis/redis.client';

export const AUDIT_STREAM = 'audit';
/** The stream is a feed for other consumers, not the archive: keep it bounded. */
const STREAM_MAX_LENGTH = 100_000;

/**
 * Publishes each audit entry to the Redis Stream `audit` once its transaction has committed, so
 * consumers never see an entry for a change that rolled back: it subscribes to AuditRecorded, which
 * the command pipeline delivers after the commit only (src/platform/commands). Publishing is best effort: a Redis
 * failure is reported and the request carries on. Without Redis nothing is published (the stream
 * is for other consumers, and there is nowhere to put it); entries are still counted for metrics.
 */
export class AuditStreamPublisher {
  /** Committed events by action since start (logins, failed logins, registrations... for metrics). */
  readonly committed = new Map<string, number>();

  constructor(
    private readonly redis: RedisClient | null,
    private readonly failures: RedisFailureReporter,
  ) {}

  /** One pipeline per committed write: its entries reach the stream together and in order. */
  async publish({ entries }: AuditRecorded): Promise<void> {
    if (entries.length === 0) return;
    for (const entry of entries) this.committed.set(entry.action, (this.committed.get(entry.action) ?? 0) + 1);
    if (!this.redis) return;
    const pipeline = this.redis.pipeline();
    for (const entry of entries) {
      pipeline.xadd(AUDIT_STREAM, 'MAXLEN', '~', STREAM_MAX_LENGTH, '*', ...this.fields(entry));
    }
    await this.failures.attempt('audit-stream', () => execOrThrow(pipeline), null);
  }

  private fields(entry: AuditLog): string[] {
    return [
      'id', entry.id,
      'action', entry.action,
      'entityType', entry.entityType,
      'entityId', entry.entityId ?? '',
      'userId', entry.userId ?? '',
      'ipAddress', entry.ipAddress,
      'oldValues', JSON.stringify(entry.oldValues),
      'newValues', JSON.stringify(entry.newValues),
      'createdAt', entry.createdAt.toISOString(),
    ];
  }
}

/** A pipeline resolves even when its commands fail (Redis away, a wrong type): surface the first error. */
async function execOrThrow(pipeline: ChainableCommander): Promise<void> {
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0];
}
