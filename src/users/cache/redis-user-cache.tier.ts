import type { CacheEpoch } from '../../auth/revocation/cache-epoch';
import type { RedisFailureReporter } from '../../platform/redis/redis-failure.reporter';
import type { RedisClient } from '../../platform/redis/redis.client';
import { InvalidationChannel } from '../../platform/redis/invalidation.channel';
import { type InvalidationListener, type UserCacheTier, userGenerationKey, userKey } from './user-cache.tier';

const LIST_VERSION_KEY = 'users:list:version';

/** The generation of a read made while the caches were not trusted: its fill stores nothing. */
const UNTRUSTED = 'untrusted';

/**
 * A generation only has to outlive the fills in flight when it was bumped (a load is bounded by the
 * pool's 5 s acquire timeout); a fill that finds it expired sees "0", not its own, and stores nothing.
 */
const GENERATION_TTL_SECONDS = 60;

/** SET the user's entry only while its generation is still the one read before loading it. */
const FILL_IF_GENERATION_SCRIPT = `
if (redis.call('GET', KEYS[2]) or '0') == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
return 0
`;

type FillingRedis = RedisClient & {
  fillUserIfGeneration(userKey: string, generationKey: string, value: string, ttlSeconds: number, generation: string): Promise<number>;
};

/** The user cache's shared tier in Redis, with invalidations broadcast to every instance. */
export class RedisUserCacheTier implements UserCacheTier {
  private readonly channel: InvalidationChannel;

  constructor(
    private readonly redis: RedisClient,
    /** A second connection: a subscribed Redis connection can do nothing else. */
    subscriber: RedisClient,
    failures: RedisFailureReporter,
    /** Names the pub/sub channel, so deployments sharing one Redis do not hear each other. */
    channelPrefix: string,
    private readonly epoch: CacheEpoch,
  ) {
    this.channel = new InvalidationChannel(redis, subscriber, failures, `${channelPrefix}user-invalidations`);
    if (!('fillUserIfGeneration' in redis)) redis.defineCommand('fillUserIfGeneration', { numberOfKeys: 2, lua: FILL_IF_GENERATION_SCRIPT });
  }

  get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(key, value, 'EX', ttlSeconds);
  }

  listEpoch(): string | null {
    return this.epoch.tag();
  }

  /**
   * Read under the current epoch; the generation handed back names that epoch too, so a fill
   * after the epoch moved stores nothing (while untrusted, nothing is read and nothing stored).
   */
  async getUser(userId: string): Promise<{ value: string | null; generation: string }> {
    const epoch = this.epoch.tag();
    if (epoch === null) return { value: null, generation: UNTRUSTED };
    const [value, generation] = await this.redis.mget(userKey(userId, epoch), userGenerationKey(userId));
    return { value, generation: `${epoch}/${generation ?? '0'}` };
  }

  async fillUser(userId: string, value: string, ttlSeconds: number, generation: string): Promise<void> {
    const [epoch, counter] = generation.split('/');
    if (generation === UNTRUSTED || epoch !== this.epoch.tag()) return;
    await (this.redis as FillingRedis).fillUserIfGeneration(userKey(userId, epoch), userGenerationKey(userId), value, ttlSeconds, counter);
  }

  async listVersion(): Promise<string> {
    return (await this.redis.get(LIST_VERSION_KEY)) ?? '0';
  }

  /**
   * Not one MULTI: on a Redis Cluster the user's keys and the list version live in different slots. Atomicity bought nothing: readers fetch the two keys separately anyway, and all
   * three finish before the response is sent. Both deletions go first and the message last, so a
   * peer that drops its LRU entry on hearing it cannot reload the old value from Redis. A partial
   * failure is reported and still invalidates whatever did succeed.
   */
  async invalidateUser(userId: string): Promise<void> {
    const epoch = this.epoch.tag();
    // Untrusted: the entry cannot be deleted now, which the caller reports as lost (the epoch moves).
    if (epoch === null) throw new Error('the Redis caches are not trusted right now');
    const clearing = [
      // One slot (the id's hash tag): the entry goes and the generation moves together.
      this.redis.multi().del(userKey(userId, epoch)).incr(userGenerationKey(userId)).expire(userGenerationKey(userId), GENERATION_TTL_SECONDS).exec().then(failedCommand),
      this.redis.incr(LIST_VERSION_KEY),
    ];
    // The other instances are told only once the entry is gone. On one Redis server the commands of
    // one connection run in the order sent, so the PUBLISH goes in the same round trip (every login
    // changes lastLoginAt: one round trip less each); a cluster spreads them over nodes, so it waits.
    // (Settled at once: a rejection must have its handler before the clear is awaited.)
    const publishing = this.redis.isCluster ? null : Promise.allSettled([this.channel.publish(userId)]);
    const cleared = await Promise.allSettled(clearing);
    const published = await (publishing ?? Promise.allSettled([this.channel.publish(userId)]));
    const failed = [...cleared, ...published].find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async listen(listener: InvalidationListener): Promise<void> {
    await this.channel.listen({ message: (userId) => listener.userChanged(userId), resync: () => listener.resync() });
  }

  /** The in-process layer may answer only while no invalidation can be missed. */
  nearCacheUsable(): boolean {
    return this.channel.listening;
  }
}

/** A MULTI resolves even when a command inside failed: surface the first error. */
function failedCommand(results: [Error | null, unknown][] | null): void {
  const failed = results?.find(([error]) => error);
  if (failed) throw failed[0];
}
