import { LRUCache } from 'lru-cache';
import { type CachedSession, revocationTtlSeconds, type SessionCache, sessionTtlSeconds, type TokenState } from './session.cache';

/**
 * Entries kept per map. A forgotten session costs one PostgreSQL read; a forgotten revocation
 * matters little either, since logging out also deletes the session the token needs.
 */
const MAX_ENTRIES = 100_000;

/** The session cache in this process: a logout is seen by this instance only. */
export class MemorySessionCache implements SessionCache {
  private readonly revoked = new LRUCache<string, true>({ max: MAX_ENTRIES });
  private readonly sessions = new LRUCache<string, CachedSession>({ max: MAX_ENTRIES });

  constructor(private readonly maxTtlSeconds: number) {}

  async lookup(tokenId: string, sessionId: string): Promise<TokenState> {
    const session = this.sessions.get(sessionId);
    return { revoked: this.revoked.has(tokenId), session: session ? { ...session } : null, epoch: 'local' };
  }

  async remember(sessionId: string, session: CachedSession, tokenExpiresAt: Date, _epoch: string | null): Promise<void> {
    const ttlSeconds = sessionTtlSeconds(session, tokenExpiresAt, this.maxTtlSeconds);
    if (ttlSeconds > 0) this.sessions.set(sessionId, { ...session }, { ttl: ttlSeconds * 1000 });
  }

  async forget(sessionIds: readonly string[]): Promise<void> {
    for (const id of sessionIds) this.sessions.delete(id);
  }

  /** The revocation epoch moved (an admin command ended sessions in PostgreSQL): believe nothing cached. */
  clear(): void {
    this.sessions.clear();
  }

  async revokeToken(tokenId: string, _sessionId: string, expiresAt: Date): Promise<void> {
    const ttlSeconds = revocationTtlSeconds(expiresAt);
    if (ttlSeconds > 0) this.revoked.set(tokenId, true, { ttl: ttlSeconds * 1000 });
  }
}
