import type Redis from 'ioredis';

/** Revoked access-token ids, kept only until the token would have expired anyway. */
export class TokenBlacklist {
  constructor(private readonly redis: Redis) {}

  async add(tokenId: string, expiresAt: Date): Promise<void> {
    const ttlSeconds = Math.ceil((expiresAt.getTime() - Date.now()) / 1000);
    if (ttlSeconds > 0) await this.redis.set(this.key(tokenId), '1', 'EX', ttlSeconds);
  }

  async has(tokenId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(tokenId))) === 1;
  }

  private key(tokenId: string): string {
    return `blacklist:${tokenId}`;
  }
}
