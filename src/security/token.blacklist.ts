import type Redis from 'ioredis';
import type { RedisFailureReporter } from '../redis/redis-failure.reporter';

/**
 * Revoked access-token ids, kept only until the token would have expired anyway.
 *
 * The blacklist is a fast path, not the source of truth: every revocation also ends the session row
 * in PostgreSQL, which authentication checks on each request. So while Redis is unreachable the
 * blacklist fails open (reported to `failures`) and a revoked token is still refused by its session.
 */
export class TokenBlacklist {
  constructor(
    private readonly redis: Redis,
    private readonly failures: RedisFailureReporter,
  ) {}

  async add(tokenId: string, expiresAt: Date): Promise<void> {
    const ttlSeconds = Math.ceil((expiresAt.getTime() - Date.now()) / 1000);
    if (ttlSeconds > 0) await this.failures.attempt('token-blacklist', () => this.redis.set(this.key(tokenId), '1', 'EX', ttlSeconds), null);
  }

  async has(tokenId: string): Promise<boolean> {
    return (await this.failures.attempt('token-blacklist', () => this.redis.exists(this.key(tokenId)), 0)) === 1;
  }

  private key(tokenId: string): string {
    return `blacklist:${tokenId}`;
  }
}
