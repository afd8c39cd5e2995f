import type { RedisFailureReporter } from '../redis/redis-failure.reporter';
import type { RedisClient } from '../redis/redis.client';
import { type InvalidationListener, type UserCacheTier, userKey } from './user-cache.tier';

const LIST_VERSION_KEY = 'users:list:version';

/** The user cache's shared tier in Redis, with invalidations broadcast to every instance. */
export class RedisUserCacheTier implements UserCacheTier {
  private readonly channel: string;

  constructor(
    private readonly redis: RedisClient,
    /** A second connection: a subscribed Redis connection can do nothing else. */
    private readonly subscriber: RedisClient,
    private readonly failures: RedisFailureReporter,
    /** Names the pub/sub channel, so deployments sharing one Redis do not hear each other. */
    channelPrefix: string,
  ) {
    this.channel = `${channelPrefix}user-invalidations`;
  }

  get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(key, value, 'EX', ttlSeconds);
  }

  async listVersion(): Promise<string> {
    return (await this.redis.get(LIST_VERSION_KEY)) ?? '0';
  }

  /**
   * Three commands, not one MULTI: on a Redis Cluster the user's key and the list version live in
   * different slots. Atomicity bought nothing: readers fetch the two keys separately anyway, and all
   * three finish before the response is sent. Both deletions go first and the message last, so a
   * peer that drops its LRU entry on hearing it cannot reload the old value from Redis. A partial
   * failure is reported and still invalidates whatever did succeed.
   */
  async invalidateUser(userId: string): Promise<void> {
    const cleared = await Promise.allSettled([this.redis.del(userKey(userId)), this.redis.incr(LIST_VERSION_KEY)]);
    const published = await Promise.allSettled([this.redis.publish(this.channel, userId)]);
    const failed = [...cleared, ...published].find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Subscribes on every (re)connection, not once: the subscriber may not be connected yet at start
   * (commands are not queued while offline, so that SUBSCRIBE would be lost for good), and after an
   * outage the messages sent meanwhile were missed, so the listener is told to resync.
   */
  async listen(listener: InvalidationListener): Promise<void> {
    this.subscriber.on('message', (channel: string, userId: string) => {
      if (channel === this.channel) listener.userChanged(userId);
    });
    let connectedBefore = this.subscriber.status === 'ready';
    this.subscriber.on('ready', () => {
      if (connectedBefore) listener.resync();
      connectedBefore = true;
      void this.subscribe();
    });
    if (this.subscriber.status === 'ready') await this.subscribe();
  }

  private subscribe(): Promise<unknown> {
    return this.failures.attempt('cache-subscribe', () => this.subscriber.subscribe(this.channel), 0);
  }
}
