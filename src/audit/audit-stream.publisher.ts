import type { ChainableCommander } from 'ioredis';
import type { AuditRecorded } from './audit.events';
import type { RedisFailureReporter } from '../platform/redis/redis-failure.reporter';
import type { RedisClient } from '../platform/redis/redis.client';

export const AUDIT_STREAM = 'audit';
/** The stream is a feed for other consumers, not the archive: keep it bounded. */
const STREAM_MAX_LENGTH = 100_000;

/** An audit row as the event outbox keeps it for the stream (src/events/event-outbox.writer.ts). */
export interface AuditStreamEntry {
  id: string;
  data: Record<string, unknown>;
}

/**
 * The Redis Stream `audit`: one entry per audit row, fed by the event outbox's relay (the rows are
 * written in the transaction of the change, so consumers never see an entry for a change that
 * rolled back, and none is lost when Redis or the process dies after the commit). Delivery is
 * at-least-once: an entry may appear twice after a crash; its `id` (the audit row's) is the dedupe
 * key. Without Redis nothing is published (there is nowhere to put it); committed entries are still
 * counted for metrics.
 */
export class AuditStreamPublisher {
  /** Committed events by action since start (logins, failed logins, registrations... for metrics). */
  readonly committed = new Map<string, number>();

  constructor(
    private readonly redis: RedisClient | null,
    private readonly failures: RedisFailureReporter,
  ) {}

  /** After the commit: counts the write's entries (the relay publishes them). */
  count({ entries }: AuditRecorded): void {
    for (const entry of entries) this.committed.set(entry.action, (this.committed.get(entry.action) ?? 0) + 1);
  }

  /** One pipeline per batch, in order; throws when Redis failed, so the relay tries the batch again. */
  async publish(entries: readonly AuditStreamEntry[]): Promise<void> {
    if (entries.length === 0 || !this.redis) return;
    const pipeline = this.redis.pipeline();
    for (const entry of entries) {
      pipeline.xadd(AUDIT_STREAM, 'MAXLEN', '~', STREAM_MAX_LENGTH, '*', ...this.fields(entry));
    }
    try {
      await execOrThrow(pipeline);
    } catch (error) {
      this.failures.report('audit-stream', error);
      throw error;
    }
  }

  /** The fields consumers have always read, in the same order. */
  private fields({ id, data }: AuditStreamEntry): string[] {
    const text = (value: unknown) => (value === null || value === undefined ? '' : String(value));
    return [
      'id', id,
      'action', text(data.action),
      'entityType', text(data.entityType),
      'entityId', text(data.entityId),
      'userId', text(data.userId),
      'ipAddress', text(data.ipAddress),
      'oldValues', JSON.stringify(data.oldValues ?? null),
      'newValues', JSON.stringify(data.newValues ?? null),
      'createdAt', text(data.createdAt),
    ];
  }
}

/** A pipeline resolves even when its commands fail (Redis away, a wrong type): surface the first error. */
async function execOrThrow(pipeline: ChainableCommander): Promise<void> {
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0];
}
