import { LRUCache } from 'lru-cache';
import type { LoginAttemptStore, LoginFailures } from './login-attempt.store';

/**
 * Counters kept per map; past this the least recently touched is forgotten, which only gives that
 * caller a fresh count, never locks anyone out.
 */
const MAX_ENTRIES = 100_000;

/** Login counters in this process: lock-outs and slow-downs hold on this instance only. */
export class MemoryLoginAttemptStore implements LoginAttemptStore {
  private readonly counters = new LRUCache<string, number>({ max: MAX_ENTRIES });
  private readonly slowdowns = new LRUCache<string, true>({ max: MAX_ENTRIES });

  async failures(account: string, ip: string): Promise<LoginFailures> {
    const ipKey = `ip:${account}:${ip}`;
    return {
      fromIp: this.counters.get(ipKey) ?? 0,
      fromIpTtlMs: Math.max(Math.ceil(this.counters.getRemainingTTL(ipKey)), 0),
      fromAnywhere: this.counters.get(`account:${account}`) ?? 0,
    };
  }

  async recordFailure(account: string, ip: string, windowSeconds: number): Promise<void> {
    for (const key of [`ip:${account}:${ip}`, `account:${account}`]) {
      // Like INCR + EXPIRE NX: the window starts at the first failure; later ones keep its TTL.
      this.counters.set(key, (this.counters.get(key) ?? 0) + 1, { ttl: windowSeconds * 1000, noUpdateTTL: true });
    }
  }

  async clearIp(account: string, ip: string): Promise<void> {
    this.counters.delete(`ip:${account}:${ip}`);
  }

  async claimSlowdown(account: string, seconds: number): Promise<number> {
    if (this.slowdowns.has(account)) return Math.max(Math.ceil(this.slowdowns.getRemainingTTL(account)), 1);
    this.slowdowns.set(account, true, { ttl: seconds * 1000 });
    return 0;
  }
}
