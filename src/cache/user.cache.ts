import { LRUCache } from 'lru-cache';
import type { RedisFailureReporter } from '../redis/redis-failure.reporter';
import type { UserChangeListener } from '../services/user-change.listener';
import { CacheStats } from './cache.stats';
import { listKey, type UserCacheTier, userKey } from './user-cache.tier';
import { reviveDates, toUserView, type UserView } from './user-view';

export interface UserCacheSettings {
  userTtlSeconds: number;
  listTtlSeconds: number;
  localMaxEntries: number;
  localTtlSeconds: number;
}

/**
 * Cache-aside for users (the seed's Query Flow): an in-process LRU, then the shared tier (Redis, or
 * in process without Redis), then PostgreSQL. Writes invalidate before the response is sent: the
 * tier's entry is deleted, the list version is bumped (so every cached list is orphaned at once,
 * without scanning keys), and other instances drop their LRU entry when the message reaches them.
 */
export class UserCache implements UserChangeListener {
  readonly stats = new CacheStats();
  private readonly local: LRUCache<string, UserView> | null;

  constructor(
    private readonly tier: UserCacheTier,
    private readonly failures: RedisFailureReporter,
    private readonly settings: UserCacheSettings,
  ) {
    this.local = settings.localMaxEntries > 0 ? new LRUCache({ max: settings.localMaxEntries, ttl: settings.localTtlSeconds * 1000 }) : null;
  }

  /** Listens for other instances' invalidations (none arrive without Redis). */
  async start(): Promise<void> {
    await this.tier.listen({
      userChanged: (userId) => this.local?.delete(userId),
      resync: () => this.local?.clear(),
    });
  }

  async getUser(id: string, load: () => Promise<UserView | null>): Promise<UserView | null> {
    const local = this.local?.get(id);
    if (local) {
      this.stats.localHits += 1;
      return local;
    }
    const cached = await this.read(() => this.tier.get(userKey(id)));
    if (cached) {
      this.stats.hits += 1;
      const view = JSON.parse(cached, reviveDates) as UserView;
      this.local?.set(id, view);
      return view;
    }
    this.stats.misses += 1;
    const loaded = await load();
    if (loaded) {
      const view = toUserView(loaded);
      this.local?.set(id, view);
      await this.write(userKey(id), JSON.stringify(view), this.settings.userTtlSeconds);
      return view;
    }
    return null;
  }

  /**
   * A list or search result, cached under the current list version for a short while. `storable` is
   * asked after a miss: a list read from a replica says no, since it may predate the version's write.
   */
  async getList<T>(query: string, load: () => Promise<T>, revive: (key: string, value: unknown) => unknown = reviveDates, storable: () => boolean = () => true): Promise<T> {
    const version = (await this.read(() => this.tier.listVersion())) ?? '0';
    const key = listKey(version, query);
    const cached = await this.read(() => this.tier.get(key));
    if (cached) {
      this.stats.hits += 1;
      return JSON.parse(cached, revive) as T;
    }
    this.stats.misses += 1;
    const loaded = await load();
    if (storable()) await this.write(key, JSON.stringify(loaded), this.settings.listTtlSeconds);
    return loaded;
  }

  async userChanged(userId: string): Promise<void> {
    this.local?.delete(userId);
    await this.failures.attempt('cache-invalidate', () => this.tier.invalidateUser(userId), null);
  }

  private async read(lookup: () => Promise<string | null>): Promise<string | null> {
    try {
      return await lookup();
    } catch (error) {
      this.stats.errors += 1;
      this.failures.report('cache-read', error);
      return null;
    }
  }

  private async write(key: string, value: string, ttlSeconds: number): Promise<void> {
    try {
      await this.tier.set(key, value, ttlSeconds);
    } catch (error) {
      this.stats.errors += 1;
      this.failures.report('cache-write', error);
    }
  }
}
