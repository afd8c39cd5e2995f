export interface CachedSession {
  userId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** The security stamp the session was opened with. */
  stamp: string;
}

/**
 * Handed out by a lookup, handed back to `remember` after the miss was loaded from PostgreSQL: the
 * revocation epoch and the session's invalidation generation as they were before the load. A fill
 * stores nothing if the session was forgotten (or the epoch moved) in between, so a row read just
 * before a logout is never cached just after it (the cache-aside race). Opaque to callers.
 */
export interface SessionFill {
  readonly epoch: string;
  readonly generation: string;
  /** performance.now() at the lookup: a fill older than MAX_FILL_AGE_MS stores nothing. */
  readonly readAt: number;
}

export interface TokenState {
  revoked: boolean;
  session: CachedSession | null;
  /** For remembering the session after a miss; null when nothing may be stored now (caches untrusted). */
  fill: SessionFill | null;
}

/**
 * Token and session state read on every authenticated request: the blacklist of revoked access
 * tokens, and live sessions cached for at most as long as the token that looked them up. In Redis
 * (every instance sees a logout at once) or in process (one instance only).
 *
 * PostgreSQL stays the source of truth: every ending of a session deletes its row and then forgets
 * it here, so a cache that is lost or unreachable only costs a PostgreSQL read.
 */
export interface SessionCache {
  /** Is the token revoked, and is its session cached? One round trip in Redis. */
  lookup(tokenId: string, sessionId: string): Promise<TokenState>;
  /** Caches the session loaded after `fill`'s lookup missed, unless it was forgotten since. */
  remember(sessionId: string, session: CachedSession, tokenExpiresAt: Date, fill: SessionFill | null): Promise<void>;
  /** Deletes the sessions' entries and moves their generations, so fills already under way store nothing. */
  forget(sessionIds: readonly string[]): Promise<void>;
  /** Starts hearing other instances' invalidations, where this cache keeps anything in process. */
  start?(): Promise<void>;
  /** Blacklists an access token (of that session) until it would have expired anyway. */
  revokeToken(tokenId: string, sessionId: string, expiresAt: Date): Promise<void>;
}

/** Seconds a session may stay cached: never past the session's or the token's expiry. */
export function sessionTtlSeconds(session: CachedSession, tokenExpiresAt: Date, maxTtlSeconds: number): number {
  const until = Math.min(session.expiresAt, tokenExpiresAt.getTime());
  return Math.min(maxTtlSeconds, Math.floor((until - Date.now()) / 1000));
}

/** Seconds a revoked token stays blacklisted: until it expires, rounded up. */
export function revocationTtlSeconds(expiresAt: Date): number {
  return Math.ceil((expiresAt.getTime() - Date.now()) / 1000);
}

/**
 * How long a forgotten session's generation is kept (its tombstone). A fill is checked against it,
 * so the tombstone must outlive every fill that started before it: fills older than
 * MAX_FILL_AGE_MS are refused outright, with the other half as margin for clocks and Redis expiry.
 */
export const SESSION_GENERATION_TTL_SECONDS = 60;
export const MAX_FILL_AGE_MS = 30_000;

/** Whether a fill is recent enough for the tombstones to still answer for it. */
export function fillIsFresh(fill: SessionFill): boolean {
  return performance.now() - fill.readAt < MAX_FILL_AGE_MS;
}
