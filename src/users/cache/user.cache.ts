import { LRUCache } from 'lru-cache';
import type { RedisFailureReporter } from '../../platform/redis/redis-failure.reporter';
import type { UserChangeListener } from '../user-change.listener';
import { type CacheEpoch, FIXED_EPOCH } from '../../auth/revocation/cache-epoch';
import { CacheStats } from '../../platform/cache.stats';
import { listKey, type UserCacheTier, userKey } from './user-cache.tier';
import { parseCachedViews, toUserView, type UserView } from '../user-view';

export interface UserCacheSettings {
  userTtlSeconds: number;
  listTtlSeconds: number;
  localMaxEntries: number;
  localTtlSeconds: number;
}

/** What services read through; invalidation is not theirs (it subscribes to committed writes). */
export type UserReadCache = Pick<UserCache, 'getUser' | 'getList'>;

/**
 * Cache-aside for users (the seed's Query Flow): an in-process LRU, then the shared tier (Redis, or
 * in process without Redis), then PostgreSQL. Writes invalidate before the response is sent: the
 * tier's entry is deleted, the list version is bumped (so every cached list is orphaned at once,
 * without scanning keys), and other instances drop their LRU entry when the message reaches them.
 */
export class UserCache implements UserChangeListener {
  readonly stats = new CacheStats();
  private readonly local: LRUCache<string, UserView> | null;
  /**
   * Invalidations this process has applied (its own writes and other instances' messages). A value
   * read or loaded while one happened may predate it, so it is not put in the in-process layer.
   */
  private invalidations = 0;

  constructor(
    private readonly tier: UserCacheTier,
    private readonly failures: RedisFailureReporter,
    private readonly settings: UserCacheSettings,
    private readonly epoch: CacheEpoch = FIXED_EPOCH,
  ) {
    this.local = settings.localMaxEntries > 0 ? new LRUCache({ max: settings.localMaxEntries, ttl: settings.localTtlSeconds * 1000 }) : null;
  }

  /** Listens for other instances' invalidations (none arrive without Redis). */
  async start(): Promise<void> {
    await this.tier.listen({
      userChanged: (userId) => this.forgetLocally(userId),
      resync: () => this.resync(),
    });
  }

  /** Nothing held in this process may be believed (missed messages, a revocation epoch that moved). */
  resync(): void {
    this.invalidations += 1;
    this.local?.clear();
  }

  async getUser(id: string, load: () => Promise<UserView | null>): Promise<UserView | null> {
    const local = this.tier.nearCacheUsable() ? this.local?.get(id) : undefined;
    if (local) {
      this.stats.localHits += 1;
      return local;
    }
    const invalidationsBefore = this.invalidations;
    const remember = (view: UserView) => {
      if (this.invalidations === invalidationsBefore && this.tier.nearCacheUsable()) this.local?.set(id, view);
    };
    const shared = await this.readUser(id);
    if (shared?.value) {
      this.stats.hits += 1;
      const view = parseCachedViews<UserView>(shared.value);
      remember(view);
      return view;
    }
    this.stats.misses += 1;
    const loaded = await load();
    if (!loaded) return null;
    const view = toUserView(loaded);
    remember(view);
    // Without the generation (the tier failed to answer) there is nothing safe to compare against.
    if (shared) await this.write(() => this.tier.fillUser(id, JSON.stringify(view), this.settings.userTtlSeconds, shared.generation));
    return view;
  }

  /**
   * A list or search result, cached under the current list version for a short while. `storable` is
   * asked after a miss: a list read from a replica says no, since it may predate the version's write.
   */
  async getList<T>(query: string, load: () => Promise<T>, storable: () => boolean = () => true): Promise<T> {
    const epoch = this.tier.listEpoch();
    if (epoch === null) return load();
    const version = (await this.read(() => this.tier.listVersion())) ?? '0';
    const key = listKey(epoch, version, query);
    const cached = await this.read(() => this.tier.get(key));
    if (cached) {
      this.stats.hits += 1;
      return parseCachedViews<T>(cached);
    }
    this.stats.misses += 1;
    const loaded = await load();
    if (storable()) await this.write(() => this.tier.set(key, JSON.stringify(loaded), this.settings.listTtlSeconds));
    return loaded;
  }

  async userChanged(userId: string): Promise<void> {
    this.forgetLocally(userId);
    const invalidated = await this.failures.attempt('cache-invalidate', () => this.tier.invalidateUser(userId).then(() => true), false);
    // The shared tier may still hold the old user (and a Redis restart may restore it): orphan it all.
    if (!invalidated) await this.epoch.lost('a user could not be invalidated in Redis');
  }

  private forgetLocally(userId: string): void {
    this.invalidations += 1;
    this.local?.delete(userId);
  }

  private async readUser(id: string): Promise<{ value: string | null; generation: string } | null> {
    try {
      return await this.tier.getUser(id);
    } catch (error) {
      this.stats.errors += 1;
      this.failures.report('cache-read', error);
      return null;
    }
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

  private async write(store: () => Promise<void>): Promise<void> {
    try {
      await store();
    } catch (error) {
      this.stats.errors += 1;
      this.failures.report('cache-write', error);
    }
  }
}
