/** Hears about users changed by other instances. */
export interface InvalidationListener {
  userChanged(userId: string): void;
  /** Messages may have been missed (the connection dropped): trust nothing cached in process. */
  resync(): void;
}

/**
 * The shared tier of the user cache, behind the in-process LRU: Redis (shared by every instance,
 * invalidations broadcast over pub/sub) or a second in-process map (one instance only). Values are
 * JSON text, so a caller never holds the tier's own object. Failures surface as rejections; the user
 * cache reports them and falls through to PostgreSQL.
 */
export interface UserCacheTier {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /**
   * A user's cached JSON, and the user's invalidation generation as it was at that moment. A fill
   * passes the generation back, so that a row loaded before a change committed is never stored
   * after that change's invalidation (the classic cache-aside race).
   */
  getUser(userId: string): Promise<{ value: string | null; generation: string }>;
  /** Stores the user's JSON only if no invalidation happened since `generation` was read. */
  fillUser(userId: string, value: string, ttlSeconds: number, generation: string): Promise<void>;
  /** The current list version; cached lists live under it, so bumping it orphans them all. */
  listVersion(): Promise<string>;
  /** Deletes the user's entry, bumps its generation and the list version, and tells other instances. */
  invalidateUser(userId: string): Promise<void>;
  listen(listener: InvalidationListener): Promise<void>;
  /** Whether the in-process layer may answer now: false while another instance's invalidation could be missed. */
  nearCacheUsable(): boolean;
  /** The epoch tag to key list results with, or null when the tier may not be used now. */
  listEpoch(): string | null;
}

/**
 * The user's id is the key's hash tag: its entry and its generation share a Redis Cluster slot.
 * The revocation epoch is part of the key (see src/auth/revocation/revocation-epoch.ts).
 */
export function userKey(userId: string, epoch: string): string {
  return `user:{${userId}}:${epoch}`;
}

export function userGenerationKey(userId: string): string {
  return `user:{${userId}}:generation`;
}

export function listKey(epoch: string, version: string, query: string): string {
  return `users:list:${epoch}:${version}:${query}`;
}
