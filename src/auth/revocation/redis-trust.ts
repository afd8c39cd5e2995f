import { Cluster } from 'ioredis';
import type { Logger } from '../../platform/observability/logger';
import type { RedisClient } from '../../platform/redis/redis.client';
import type { RevocationEpoch } from './revocation-epoch';

/** The Redis process(es) behind the client: run_id changes with every restart or failover. */
async function runIdOf(redis: RedisClient): Promise<string> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const ids = await Promise.all(nodes.map(async (node) => /run_id:(\w+)/.exec(await node.info('server'))?.[1] ?? 'unknown'));
  return ids.sort().join(',');
}

/**
 * Whether what Redis holds may be believed. From the moment the connection drops until the epoch
 * has been settled after it comes back, nothing is read from or written to the Redis caches
 * (`trusted()` is false and callers go to PostgreSQL). On every (re)connection the Redis process is
 * compared with the one PostgreSQL remembers (a restart from RDB/AOF, a failover: bump); after a
 * disconnect the epoch is bumped anyway, since this instance cannot know what it missed.
 */
export class RedisTrust {
  private ready = false;
  private connectedBefore = false;
  private settling: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: RedisClient,
    private readonly epoch: RevocationEpoch,
    private readonly logger: Logger,
  ) {}

  /** Watches the connection; settles at once when it is already up. */
  async start(): Promise<void> {
    const distrust = () => {
      this.ready = false;
    };
    this.redis.on('close', distrust);
    this.redis.on('end', distrust);
    this.redis.on('reconnecting', distrust);
    this.redis.on('ready', () => {
      this.settling = this.settle();
    });
    if (this.redis.status === 'ready') {
      this.settling = this.settle();
      await this.settling;
    }
  }

  trusted(): boolean {
    return this.ready;
  }

  /** For tests and shutdown: the settling started by the last (re)connection. */
  settled(): Promise<void> {
    return this.settling;
  }

  private async settle(): Promise<void> {
    const reconnected = this.connectedBefore;
    try {
      await this.epoch.noteRedisRunId(await runIdOf(this.redis));
      if (reconnected) await this.epoch.bump('Redis reconnected after a disconnect');
      else await this.epoch.refresh();
      this.connectedBefore = true;
      if (this.redis.status === 'ready') this.ready = true;
    } catch (error) {
      // Stay untrusted (requests go to PostgreSQL) and try again while the connection lasts.
      this.logger.warn({ err: error }, 'Could not settle the revocation epoch after Redis connected; its caches stay bypassed');
      const retry = setTimeout(() => {
        if (this.redis.status === 'ready' && !this.ready) this.settling = this.settle();
      }, 2000);
      retry.unref();
    }
  }
}
