import { LRUCache } from 'lru-cache';
import { type InvalidationListener, type UserCacheTier, userKey } from './user-cache.tier';

/** In one process the epoch is applied by clearing (clear()), so the keys need none. */
const IN_PROCESS = 'local';

/** Users and list results kept; past this the least recently used go (a miss reads PostgreSQL). */
const MAX_ENTRIES = 50_000;

/** The user cache's shared tier in this process: nothing to broadcast, no other instance to hear. */
export class MemoryUserCacheTier implements UserCacheTier {
  private readonly entries = new LRUCache<string, string>({ max: MAX_ENTRIES });
  /** Not an LRU entry: evicting it would bring back lists cached under an old version. */
  private version = 0;
  /**
   * One generation for all users: in one process a fill that overlapped any invalidation is simply
   * not stored, which is always safe, and nothing per user has to be remembered or evicted.
   */
  private generation = 0;

  async get(key: string): Promise<string | null> {
    return this.entries.get(key) ?? null;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.entries.set(key, value, { ttl: ttlSeconds * 1000 });
  }

  async getUser(userId: string): Promise<{ value: string | null; generation: string }> {
    return { value: this.entries.get(userKey(userId, IN_PROCESS)) ?? null, generation: String(this.generation) };
  }

  async fillUser(userId: string, value: string, ttlSeconds: number, generation: string): Promise<void> {
    if (generation === String(this.generation)) this.entries.set(userKey(userId, IN_PROCESS), value, { ttl: ttlSeconds * 1000 });
  }

  listEpoch(): string {
    return IN_PROCESS;
  }

  /** The revocation epoch moved: nothing held may be believed (an admin command changed users in PostgreSQL). */
  clear(): void {
    this.entries.clear();
    this.generation += 1;
    this.version += 1;
  }

  async listVersion(): Promise<string> {
    return String(this.version);
  }

  async invalidateUser(userId: string): Promise<void> {
    this.entries.delete(userKey(userId, IN_PROCESS));
    this.generation += 1;
    this.version += 1;
  }

  async listen(_listener: InvalidationListener): Promise<void> {}

  /** One process: no other instance's invalidation to miss. */
  nearCacheUsable(): boolean {
    return true;
  }
}
