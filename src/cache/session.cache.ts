import type Redis from 'ioredis';
import type { RedisFailureReporter } from '../redis/redis-failure.reporter';

export interface CachedSession {
  userId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface TokenState {
  revoked: boolean;
  session: CachedSession | null;
}

/**
 * Token and session state in Redis, read in one round trip per request: the blacklist of revoked
 * access-token ids, and live sessions cached for at most as long as the token that looked them up.
 *
 * PostgreSQL stays the source of truth: every ending of a session deletes its row and then forgets
 * it here. While Redis is unreachable lookups fail open (reported) and sessions are read from
 * PostgreSQL, where a revoked session no longer exists.
 */
export class SessionCache {
  constructor(
    private readonly redis: Redis,
    private readonly failures: RedisFailureReporter,
    private readonly maxTtlSeconds: number,
  ) {}

  async lookup(tokenId: string, sessionId: string): Promise<TokenState> {
    const results = await this.failures.attempt(
      'session-cache',
      () => this.redis.pipeline().exists(this.revokedKey(tokenId)).get(this.sessionKey(sessionId)).exec(),
      null,
    );
    if (!results) return { revoked: false, session: null };
    const [[revokedError, revoked], [sessionError, session]] = results as [[Error | null, number], [Error | null, string | null]];
    if (revokedError || sessionError) this.failures.report('session-cache', revokedError ?? sessionError);
    return { revoked: revoked === 1, session: typeof session === 'string' ? (JSON.parse(session) as CachedSession) : null };
  }

  async remember(sessionId: string, session: CachedSession, tokenExpiresAt: Date): Promise<void> {
    const until = Math.min(session.expiresAt, tokenExpiresAt.getTime());
    const ttlSeconds = Math.min(this.maxTtlSeconds, Math.floor((until - Date.now()) / 1000));
    if (ttlSeconds <= 0) return;
    await this.failures.attempt('session-cache', () => this.redis.set(this.sessionKey(sessionId), JSON.stringify(session), 'EX', ttlSeconds), null);
  }

  async forget(sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.failures.attempt('session-cache', () => this.redis.del(...sessionIds.map((id) => this.sessionKey(id))), 0);
  }

  /** Blacklists an access token until it would have expired anyway. */
  async revokeToken(tokenId: string, expiresAt: Date): Promise<void> {
    const ttlSeconds = Math.ceil((expiresAt.getTime() - Date.now()) / 1000);
    if (ttlSeconds <= 0) return;
    await this.failures.attempt('token-blacklist', () => this.redis.set(this.revokedKey(tokenId), '1', 'EX', ttlSeconds), null);
  }

  private revokedKey(tokenId: string): string {
    return `blacklist:${tokenId}`;
  }

  private sessionKey(sessionId: string): string {
    return `session:${sessionId}`;
  }
}
