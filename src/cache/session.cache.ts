export interface CachedSession {
  userId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** The security stamp the session was opened with. */
  stamp: string;
}

export interface TokenState {
  revoked: boolean;
  session: CachedSession | null;
  /** The revocation epoch the lookup used; a session loaded after a miss is remembered under it. */
  epoch: string | null;
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
  remember(sessionId: string, session: CachedSession, tokenExpiresAt: Date, epoch: string | null): Promise<void>;
  forget(sessionIds: readonly string[]): Promise<void>;
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
