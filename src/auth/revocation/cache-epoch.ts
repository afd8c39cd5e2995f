/**
 * What the caches ask before using a key: the epoch's tag to put in it, or null when nothing
 * cached may be believed right now (Redis untrusted, epoch unknown): then read PostgreSQL, store
 * nothing. `lost` is told when a revocation or an invalidation could not reach the cache; it
 * bumps the epoch (PostgreSQL) before the caller answers, so the change holds everywhere anyway.
 */
export interface CacheEpoch {
  tag(): string | null;
  lost(reason: string): Promise<void>;
}

/** For stores that need no epoch (tests, tools): always the same tag, nothing to report. */
export const FIXED_EPOCH: CacheEpoch = { tag: () => 'e0', lost: async () => undefined };
