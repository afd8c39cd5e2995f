import { LRUCache } from 'lru-cache';
import { type CachedSession, fillIsFresh, revocationTtlSeconds, type SessionCache, type SessionFill, sessionTtlSeconds, type TokenState } from './session.cache';

/** In one process the epoch is applied by clearing (clear()), so fills need none. */
const IN_PROCESS = 'local';

/**
 * Entries kept per map. A forgotten session costs one PostgreSQL read; a forgotten revocation
 * matters little either, since logging out also deletes the session the token needs.
 */
const MAX_ENTRIES = 100_000;

/** The session cache in this process: a logout is seen by this instance only. */
export class MemorySessionCache implements SessionCache {
  private readonly revoked = new LRUCache<string, true>({ max: MAX_ENTRIES });
  private readonly sessions = new LRUCache<string, CachedSession>({ max: MAX_ENTRIES });
  /**
   * One generation for all sessions (as in the user cache's memory tier): a fill that overlapped any
   * forget is simply not stored, which is always safe, and no per-session tombstone can be evicted.
   */
  private generation = 0;

  constructor(private readonly maxTtlSeconds: number) {}

  async lookup(tokenId: string, sessionId: string): Promise<TokenState> {
    const session = this.sessions.get(sessionId);
    return {
      revoked: this.revoked.has(tokenId),
      session: session ? { ...session } : null,
      fill: { epoch: IN_PROCESS, generation: String(this.generation), readAt: performance.now() },
    };
  }

  async remember(sessionId: string, session: CachedSession, tokenExpiresAt: Date, fill: SessionFill | null): Promise<void> {
    if (!fill || fill.generation !== String(this.generation) || !fillIsFresh(fill)) return;
    const ttlSeconds = sessionTtlSeconds(session, tokenExpiresAt, this.maxTtlSeconds);
    if (ttlSeconds > 0) this.sessions.set(sessionId, { ...session }, { ttl: ttlSeconds * 1000 });
  }

  async forget(sessionIds: readonly string[]): Promise<void> {
    this.generation += 1;
    for (const id of sessionIds) this.sessions.delete(id);
  }

  /** The revocation epoch moved (an admin command ended sessions in PostgreSQL): believe nothing cached. */
  clear(): void {
    this.generation += 1;
    this.sessions.clear();
  }

  async revokeToken(tokenId: string, _sessionId: string, expiresAt: Date): Promise<void> {
    const ttlSeconds = revocationTtlSeconds(expiresAt);
    if (ttlSeconds > 0) this.revoked.set(tokenId, true, { ttl: ttlSeconds * 1000 });
  }
}
