import type Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { RedisFailureReporter } from '../redis/redis-failure.reporter';
import type { UserChangeListener } from '../services/user-change.listener';
import { CacheStats } from './cache.stats';
import { reviveDates, toUserView, type UserView } from './user-view';

export interface UserCacheSettings {
  userTtlSeconds: number;
  listTtlSeconds: number;
  localMaxEntries: number;
  localTtlSeconds: number;
  /** Names the pub/sub channel, so deployments sharing one Redis do not hear each other. */
  channelPrefix: string;
}

const LIST_VERSION_KEY = 'users:list:version';

/**
 * Cache-aside for users (the seed's Query Flow): an in-process LRU, then Redis, then PostgreSQL.
 * Writes invalidate before the response is sent: the Redis entry is deleted, the list version is
 * bumped (so every cached list is orphaned at once, without scanning keys), and other instances
 * drop their LRU entry when the invalidation message reaches them.
 */
export class UserCache implements UserChangeListener {
  readonly stats = new CacheStats();
  private readonly local: LRUCache<string, UserView> | null;
  private readonly channel: string;

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly failures: RedisFailureReporter,
    private readonly settings: UserCacheSettings,
  ) {
    this.local = settings.localMaxEntries > 0 ? new LRUCache({ max: settings.localMaxEntries, ttl: settings.localTtlSeconds * 1000 }) : null;
    this.channel = `${settings.channelPrefix}user-invalidations`;
  }

  /**
   * Listens for other instances' invalidations. It subscribes on every (re)connection, not once: the
   * subscriber may not be connected yet at start (commands are not queued while offline, so that
   * SUBSCRIBE would be lost for good), and after an outage the messages sent meanwhile were missed,
   * so the in-process layer is dropped rather than trusted.
   */
  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, userId: string) => {
      if (channel === this.channel) this.local?.delete(userId);
    });
    let connectedBefore = this.subscriber.status === 'ready';
    this.subscriber.on('ready', () => {
      if (connectedBefore) this.local?.clear();
      connectedBefore = true;
      void this.subscribe();
    });
    if (this.subscriber.status === 'ready') await this.subscribe();
  }

  private subscribe(): Promise<unknown> {
    return this.failures.attempt('cache-subscribe', () => this.subscriber.subscribe(this.channel), 0);
  }

  async getUser(id: string, load: () => Promise<UserView | null>): Promise<UserView | null> {
    const local = this.local?.get(id);
    if (local) {
      this.stats.localHits += 1;
      return local;
    }
    const cached = await this.read(`user:${id}`);
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
      await this.write(`user:${id}`, JSON.stringify(view), this.settings.userTtlSeconds);
      return view;
    }
    return null;
  }

  /** A list or search result, cached under the current list version for a short while. */
  async getList<T>(query: string, load: () => Promise<T>, revive: (key: string, value: unknown) => unknown = reviveDates): Promise<T> {
    const version = (await this.read(LIST_VERSION_KEY)) ?? '0';
    const key = `users:list:${version}:${query}`;
    const cached = await this.read(key);
    if (cached) {
      this.stats.hits += 1;
      return JSON.parse(cached, revive) as T;
    }
    this.stats.misses += 1;
    const loaded = await load();
    await this.write(key, JSON.stringify(loaded), this.settings.listTtlSeconds);
    return loaded;
  }

  async userChanged(userId: string): Promise<void> {
    this.local?.delete(userId);
    await this.failures.attempt(
      'cache-invalidate',
      () => this.redis.multi().del(`user:${userId}`).incr(LIST_VERSION_KEY).publish(this.channel, userId).exec(),
      null,
    );
  }

  private async read(key: string): Promise<string | null> {
    try {
      return await this.redis.get(key);
    } catch (error) {
      this.stats.errors += 1;
      this.failures.report('cache-read', error);
      return null;
    }
  }

  private async write(key: string, value: string, ttlSeconds: number): Promise<void> {
    try {
      await this.redis.set(key, value, 'EX', ttlSeconds);
    } catch (error) {
      this.stats.errors += 1;
      this.failures.report('cache-write', error);
    }
  }
}
