import type { RedisFailureReporter } from '../redis/redis-failure.reporter';
import type { RedisClient } from '../redis/redis.client';
import { type CachedSession, revocationTtlSeconds, type SessionCache, sessionTtlSeconds, type TokenState } from './session.cache';

/**
 * The session cache in Redis. Both keys of a token carry its session id as a hash tag, so on a
 * Redis Cluster they live in one slot and the per-request lookup stays a single command.
 * While Redis is unreachable lookups fail open (reported) and sessions are read from PostgreSQL,
 * where a revoked session no longer exists.
 */
export class RedisSessionCache implements SessionCache {
  constructor(
    private readonly redis: RedisClient,
    private readonly failures: RedisFailureReporter,
    private readonly maxTtlSeconds: number,
  ) {}

  async lookup(tokenId: string, sessionId: string): Promise<TokenState> {
    // One MGET rather than a pipeline: a single command joins the auto-pipeline of other requests.
    const values = await this.failures.attempt('session-cache', () => this.redis.mget(revokedKey(tokenId, sessionId), sessionKey(sessionId)), null);
    if (!values) return { revoked: false, session: null };
    const [revoked, session] = values;
    return { revoked: revoked !== null, session: session !== null ? (JSON.parse(session) as CachedSession) : null };
  }

  async remember(sessionId: string, session: CachedSession, tokenExpiresAt: Date): Promise<void> {
    const ttlSeconds = sessionTtlSeconds(session, tokenExpiresAt, this.maxTtlSeconds);
    if (ttlSeconds <= 0) return;
    await this.failures.attempt('session-cache', () => this.redis.set(sessionKey(sessionId), JSON.stringify(session), 'EX', ttlSeconds), null);
  }

  async forget(sessionIds: readonly string[]): Promise<void> {
    // One DEL per key: on a cluster the sessions live in different slots.
    await Promise.all(sessionIds.map((id) => this.failures.attempt('session-cache', () => this.redis.del(sessionKey(id)), 0)));
  }

  async revokeToken(tokenId: string, sessionId: string, expiresAt: Date): Promise<void> {
    const ttlSeconds = revocationTtlSeconds(expiresAt);
    if (ttlSeconds <= 0) return;
    await this.failures.attempt('token-blacklist', () => this.redis.set(revokedKey(tokenId, sessionId), '1', 'EX', ttlSeconds), null);
  }
}

function revokedKey(tokenId: string, sessionId: string): string {
  return `blacklist:{${sessionId}}:${tokenId}`;
}

function sessionKey(sessionId: string): string {
  return `session:{${sessionId}}`;
}
