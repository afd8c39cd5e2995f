import { LRUCache } from 'lru-cache';
import type { CacheEpoch } from '../revocation/cache-epoch';
import type { RedisFailureReporter } from '../../platform/redis/redis-failure.reporter';
import type { ChannelListener } from '../../platform/redis/invalidation.channel';
import type { CachedSession, SessionCache, SessionFill, TokenState } from './session.cache';

/** The part of an InvalidationChannel a near cache needs (tests pass an in-memory one). */
export interface SessionInvalidations {
  readonly listening: boolean;
  publish(sessionId: string): Promise<void>;
  listen(listener: ChannelListener): Promise<void>;
}

export interface NearSessionCacheSettings {
  maxEntries: number;
  /** An entry is dropped this long after it was read from Redis, whatever was heard meanwhile. */
  ttlSeconds: number;
}

interface NearEntry {
  session: CachedSession;
  /** The revocation epoch it was read under: once the epoch moves, it is never served. */
  epoch: string;
  /** Access tokens of this session that Redis said were not revoked. */
  tokenIds: Set<string>;
}

/**
 * The token state of the shared session cache, held in this process between requests, so a
 * request whose token and session were seen lately makes no Redis round trip at all.
 *
 * Every change that can refuse a token (a session forgotten, an access token revoked) is written to
 * Redis first and then announced on the channel; each instance drops its copy on hearing it. An
 * entry is only served while the subscription is confirmed (a dropped connection clears
 * everything), and a lookup that overlapped any invalidation stores nothing, so a value read from
 * Redis just before a logout is never kept after it.
 *
 * Bound: a peer refuses a revoked token once the announcement reaches it. A served hit waits for
 * the I/O already received (one turn of the event loop), so a request a client sends after the
 * revoking request has answered is refused whenever the announcement reached the peer first, as it
 * does on one host and on any network where Redis is nearer than the client.
 */
export class NearSessionCache implements SessionCache {
  private readonly local: LRUCache<string, NearEntry>;
  /** Invalidations applied here; a lookup that overlapped one keeps nothing. */
  private invalidations = 0;
  localHits = 0;

  constructor(
    private readonly shared: SessionCache,
    private readonly channel: SessionInvalidations,
    settings: NearSessionCacheSettings,
    private readonly failures: RedisFailureReporter,
    private readonly epoch: CacheEpoch,
  ) {
    this.local = new LRUCache({ max: Math.max(settings.maxEntries, 1), ttl: settings.ttlSeconds * 1000 });
  }

  /** Listens for other instances' invalidations. */
  async start(): Promise<void> {
    await this.channel.listen({ message: (sessionId) => this.drop(sessionId), resync: () => this.clear() });
  }

  /** Nothing held here may be believed (missed messages, a revocation epoch that moved). */
  clear(): void {
    this.invalidations += 1;
    this.local.clear();
  }

  async lookup(tokenId: string, sessionId: string): Promise<TokenState> {
    const near = this.channel.listening ? this.local.get(sessionId) : undefined;
    if (near?.tokenIds.has(tokenId) && near.epoch === this.epoch.tag() && near.session.expiresAt > Date.now()) {
      // Let an announcement that arrived with this request be applied before answering from memory.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.local.get(sessionId) === near) {
        this.localHits += 1;
        return { revoked: false, session: { ...near.session }, fill: null };
      }
    }
    const invalidationsBefore = this.invalidations;
    const epoch = this.epoch.tag();
    const state = await this.shared.lookup(tokenId, sessionId);
    const unchanged = this.invalidations === invalidationsBefore && epoch !== null && epoch === this.epoch.tag();
    if (!state.revoked && state.session && state.fill !== null && unchanged && this.channel.listening) {
      this.keep(sessionId, tokenId, state.session, epoch);
    }
    return state;
  }

  remember(sessionId: string, session: CachedSession, tokenExpiresAt: Date, fill: SessionFill | null): Promise<void> {
    // Only in Redis: the next lookup reads it back from there and keeps it here if nothing moved.
    return this.shared.remember(sessionId, session, tokenExpiresAt, fill);
  }

  async forget(sessionIds: readonly string[]): Promise<void> {
    for (const id of sessionIds) this.drop(id);
    await this.shared.forget(sessionIds);
    await Promise.all(sessionIds.map((id) => this.announce(id)));
  }

  async revokeToken(tokenId: string, sessionId: string, expiresAt: Date): Promise<void> {
    this.drop(sessionId);
    await this.shared.revokeToken(tokenId, sessionId, expiresAt);
    await this.announce(sessionId);
  }

  private keep(sessionId: string, tokenId: string, session: CachedSession, epoch: string): void {
    const existing = this.local.get(sessionId);
    if (existing && existing.epoch === epoch && existing.session.stamp === session.stamp && existing.session.expiresAt === session.expiresAt) {
      existing.tokenIds.add(tokenId);
      return;
    }
    const ttl = Math.min(this.local.ttl, session.expiresAt - Date.now());
    if (ttl > 0) this.local.set(sessionId, { session: { ...session }, epoch, tokenIds: new Set([tokenId]) }, { ttl });
  }

  private drop(sessionId: string): void {
    this.invalidations += 1;
    this.local.delete(sessionId);
  }

  /**
   * Redis already holds the change, but a peer that never hears of it would keep serving its copy:
   * an announcement that could not be sent moves the revocation epoch, which every instance hears
   * from PostgreSQL and answers by clearing.
   */
  private async announce(sessionId: string): Promise<void> {
    const sent = await this.failures.attempt('session-invalidate', () => this.channel.publish(sessionId).then(() => true), false);
    if (!sent) await this.epoch.lost('a session invalidation could not be announced to other instances');
  }
}
