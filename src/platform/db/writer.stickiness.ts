import type { AuditRecorded } from '../../audit/audit.events';
import type { RedisFailureReporter } from '../redis/redis-failure.reporter';
import type { RedisClient } from '../redis/redis.client';

/**
 * Read-your-writes across requests and instances: once a user's change has committed, that user's
 * replica-eligible reads go to the primary for `seconds` (Rails' DatabaseSelector does the same with
 * a session timestamp). The mark lives in Redis, so the next request may land on any instance.
 *
 * Writers are recognised by the audit rows of the committed write (AuditRecorded, delivered by the
 * command pipeline after the commit): every change writes one naming its actor (or, for a login, the
 * user who logged in), so no write path can forget to mark.
 * A failed login is not the account owner's write, and would let anyone push a victim to the primary.
 * Without Redis (one instance) the marks are kept in this process.
 */
export class WriterStickiness {
  /** userId -> epoch ms until which the user reads from the primary; only without Redis. */
  private readonly local = new Map<string, number>();

  constructor(
    private readonly redis: RedisClient | null,
    private readonly failures: RedisFailureReporter,
    private readonly seconds: number,
  ) {}

  /** Awaited by the pipeline before the write returns, so the mark is set before the writer gets its response. */
  async markWriters({ entries }: AuditRecorded): Promise<void> {
    const writers = new Set(entries.filter((entry) => entry.userId !== null && entry.action !== 'auth.login_failed').map((entry) => entry.userId as string));
    if (writers.size === 0) return;
    const redis = this.redis;
    if (!redis) {
      const now = Date.now();
      if (this.local.size > 10_000) for (const [id, until] of this.local) if (until <= now) this.local.delete(id);
      for (const userId of writers) this.local.set(userId, now + this.seconds * 1000);
      return;
    }
    // One SET per writer, not a pipeline: under Redis Cluster the keys may live on different nodes.
    await this.failures.attempt('read-your-writes', () => Promise.all([...writers].map((userId) => redis.set(this.key(userId), '1', 'EX', this.seconds))), null);
  }

  /** True while the user's own write may not have reached a replica; also when Redis cannot say. */
  async mustReadPrimary(userId: string): Promise<boolean> {
    const redis = this.redis;
    if (!redis) {
      const until = this.local.get(userId);
      if (until !== undefined && until <= Date.now()) this.local.delete(userId);
      return until !== undefined && until > Date.now();
    }
    return this.failures.attempt('read-your-writes', async () => (await redis.exists(this.key(userId))) === 1, true);
  }

  private key(userId: string): string {
    return `primary-after-write:${userId}`;
  }
}
