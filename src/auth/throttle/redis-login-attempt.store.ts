import type { RedisClient } from '../../platform/redis/redis.client';
import type { LoginAttemptStore, LoginFailures } from './login-attempt.store';

/**
 * Login counters in Redis. Every key of one account carries the account as a hash tag, so the
 * MULTI over its IP and account counters stays in one slot on a Redis Cluster. The `a:` inside the
 * tag keeps it non-empty (an empty tag would hash the whole key).
 */
export class RedisLoginAttemptStore implements LoginAttemptStore {
  constructor(private readonly redis: RedisClient) {}

  async failures(account: string, ip: string): Promise<LoginFailures> {
    const ipKey = ipFailuresKey(account, ip);
    const [[, fromIp], [, ttlMs], [, fromAnywhere]] = (await this.redis
      .multi()
      .get(ipKey)
      .pttl(ipKey)
      .get(accountFailuresKey(account))
      .exec()) as [[null, string | null], [null, number], [null, string | null]];
    return { fromIp: Number(fromIp ?? 0), fromIpTtlMs: Math.max(ttlMs, 0), fromAnywhere: Number(fromAnywhere ?? 0) };
  }

  async recordFailure(account: string, ip: string, windowSeconds: number): Promise<void> {
    await this.redis
      .multi()
      .incr(ipFailuresKey(account, ip))
      .expire(ipFailuresKey(account, ip), windowSeconds, 'NX')
      .incr(accountFailuresKey(account))
      .expire(accountFailuresKey(account), windowSeconds, 'NX')
      .exec();
  }

  async clearIp(account: string, ip: string): Promise<void> {
    await this.redis.del(ipFailuresKey(account, ip));
  }

  async claimSlowdown(account: string, seconds: number): Promise<number> {
    const claimed = await this.redis.set(slowdownKey(account), '1', 'EX', seconds, 'NX');
    return claimed === 'OK' ? 0 : Math.max(await this.redis.pttl(slowdownKey(account)), 1);
  }
}

function ipFailuresKey(account: string, ip: string): string {
  return `login:fail:ip:{a:${account}}:${ip}`;
}

function accountFailuresKey(account: string): string {
  return `login:fail:account:{a:${account}}`;
}

function slowdownKey(account: string): string {
  return `login:slow:{a:${account}}`;
}
