import type Redis from 'ioredis';
import type { RedisFailureReporter } from '../redis/redis-failure.reporter';

export interface LoginThrottleSettings {
  maxFailuresPerIp: number;
  maxFailuresPerAccount: number;
  windowSeconds: number;
}

/** Seconds between attempts on an account under distributed attack: slows guessing, locks nobody out. */
const SLOWDOWN_SECONDS = 5;

/** Redis TTL rounds to the nearest second; a Retry-After must never be shorter than the real wait. */
function wholeSecondsUp(ttlMs: number): number {
  return Math.max(Math.ceil(ttlMs / 1000), 1);
}

/**
 * Brute-force protection shared by every instance through Redis.
 * - One client IP guessing one account is refused after `maxFailuresPerIp` failures for the window.
 * - Past `maxFailuresPerAccount` failures from anywhere, the account accepts one attempt every few
 *   seconds, so a botnet cannot guess quickly yet cannot lock the owner out for long either.
 * While Redis is unreachable the throttle fails open (reported to `failures`), like the rate limiter
 * by default: sign-in keeps working, and wrong passwords are still refused by the stored hash.
 */
export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly settings: LoginThrottleSettings,
    private readonly failures: RedisFailureReporter,
  ) {}

  /** Seconds the caller must wait before trying, or 0 when it may try now. */
  async retryAfter(account: string, ip: string): Promise<number> {
    return this.failures.attempt('login-throttle', () => this.check(account, ip), 0);
  }

  async recordFailure(account: string, ip: string): Promise<void> {
    await this.failures.attempt('login-throttle', () => this.count(account, ip), null);
  }

  async recordSuccess(account: string, ip: string): Promise<void> {
    await this.failures.attempt('login-throttle', () => this.redis.del(this.ipKey(account, ip)), 0);
  }

  private async check(account: string, ip: string): Promise<number> {
    const ipKey = this.ipKey(account, ip);
    const [[, ipFailures], [, ipTtlMs], [, accountFailures]] = (await this.redis
      .multi()
      .get(ipKey)
      .pttl(ipKey)
      .get(this.accountKey(account))
      .exec()) as [[null, string | null], [null, number], [null, string | null]];
    if (Number(ipFailures ?? 0) >= this.settings.maxFailuresPerIp) return wholeSecondsUp(ipTtlMs);
    if (Number(accountFailures ?? 0) >= this.settings.maxFailuresPerAccount) {
      const claimed = await this.redis.set(this.slowKey(account), '1', 'EX', SLOWDOWN_SECONDS, 'NX');
      if (claimed !== 'OK') return wholeSecondsUp(await this.redis.pttl(this.slowKey(account)));
    }
    return 0;
  }

  private async count(account: string, ip: string): Promise<void> {
    const window = this.settings.windowSeconds;
    await this.redis
      .multi()
      .incr(this.ipKey(account, ip))
      .expire(this.ipKey(account, ip), window, 'NX')
      .incr(this.accountKey(account))
      .expire(this.accountKey(account), window, 'NX')
      .exec();
  }

  private ipKey(account: string, ip: string): string {
    return `login:fail:ip:${account.toLowerCase()}:${ip}`;
  }

  private accountKey(account: string): string {
    return `login:fail:account:${account.toLowerCase()}`;
  }

  private slowKey(account: string): string {
    return `login:slow:${account.toLowerCase()}`;
  }
}
