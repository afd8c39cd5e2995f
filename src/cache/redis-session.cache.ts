import type { CacheEpoch } from '../revocation/cache-epoch';
import type { RedisFailureReporter } from '../redis/redis-failure.reporter';
import type { RedisClient } from '../redis/redis.client';
import { type CachedSession, revocationTtlSeconds, type SessionCache, sessionTtlSeconds, type TokenState } from './session.cache';

/**
 * The session cache in Redis. Both keys of a token carry its session id as a hash tag, so on a
 * Redis Cluster they live in one slot and the per-request lookup stays a single command.
 * While Redis is unreachable lookups fail open (reported) and sessions are read from PostgreSQL,
 * where a revoked session no longer exists. Session entries carry the revocation epoch in their
 * key: an entry written before a revocation that could not reach Redis (or restored by Redis from
 * an older RDB/AOF) is under an older epoch and never read again. The blacklist needs no epoch:
 * it only ever refuses, and a revoked token stays revoked.
 */
export class RedisSessionCache implements SessionCache {
  constructor(
    private readonly redis: RedisClient,
    private readonly failures: RedisFailureReporter,
    private readonly maxTtlSeconds: number,
    private readonly epoch: CacheEpoch,
  ) {}

  async lookup(tokenId: string, sessionId: string): Promise<TokenState> {
    const epoch = this.epoch.tag();
    if (epoch === null) {
      const revoked = await this.failures.attempt('session-cache', () => this.redis.get(revokedKey(tokenId, sessionId)), null);
      return { revoked: revoked !== null, session: null, epoch: null };
    }
    // One MGET rather than a pipeline: a single command joins the auto-pipeline of other requests.
    const values = await this.failures.attempt('session-cache', () => this.redis.mget(revokedKey(tokenId, sessionId), sessionKey(sessionId, epoch)), null);
    if (!values) return { revoked: false, session: null, epoch: null };
    const [revoked, session] = values;
    return { revoked: revoked !== null, session: session !== null ? (JSON.parse(session) as CachedSession) : null, epoch };
  }

  /** Under the epoch of the lookup that missed: if the epoch moved since, the entry is born orphaned. */
  async remember(sessionId: string, session: CachedSession, tokenExpiresAt: Date, epoch: string | null): Promise<void> {
    const ttlSeconds = sessionTtlSeconds(session, tokenExpiresAt, this.maxTtlSeconds);
    if (ttlSeconds <= 0 || epoch === null || epoch !== this.epoch.tag()) return;
    await this.failures.attempt('session-cache', () => this.redis.set(sessionKey(sessionId, epoch), JSON.stringify(session), 'EX', ttlSeconds), null);
  }

  async forget(sessionIds: readonly string[]): Promise<void> {
    const epoch = this.epoch.tag();
    // One DEL per key: on a cluster the sessions live in different slots.
    const deleted = await Promise.all(sessionIds.map((id) => (epoch === null ? false : this.failures.attempt('session-cache', () => this.redis.del(sessionKey(id, epoch)).then(() => true), false))));
    if (deleted.includes(false)) await this.epoch.lost('a session could not be forgotten in Redis');
  }

  async revokeToken(tokenId: string, sessionId: string, expiresAt: Date): Promise<void> {
    const ttlSeconds = revocationTtlSeconds(expiresAt);
    if (ttlSeconds <= 0) return;
    const stored = await this.failures.attempt('token-blacklist', () => this.redis.set(revokedKey(tokenId, sessionId), '1', 'EX', ttlSeconds).then(() => true), false);
    if (!stored) await this.epoch.lost('a revoked token could not be blacklisted in Redis');
  }
}

function revokedKey(tokenId: string, sessionId: string): string {
  return `blacklist:{${sessionId}}:${tokenId}`;
}

/** The session id is the hash tag: the entry shares a Redis Cluster slot with the token's blacklist key. */
export function sessionKey(sessionId: string, epoch: string): string {
  return `session:{${sessionId}}:${epoch}`;
}
