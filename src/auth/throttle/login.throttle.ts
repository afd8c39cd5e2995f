import type { RedisFailureReporter } from '../../platform/redis/redis-failure.reporter';
import type { LoginAttemptStore } from './login-attempt.store';

export interface LoginThrottleSettings {
  maxFailuresPerIp: number;
  maxFailuresPerAccount: number;
  windowSeconds: number;
}

/**
 * The account a password guess is counted against: a known user by id, however it was named (username
 * or email, any case), so every door that checks a password shares one count. The count belongs to
 * the credential being guessed, so the security stamp is part of it: a password reset (by an admin,
 * or `npm run admin:reset-password`) or change renews the stamp and starts a fresh count, per IP and
 * account-wide. A locked-out admin is exactly who needs a reset; guesses at the replaced password
 * are moot. The stamp lives in PostgreSQL, so this holds on every instance, with or without Redis,
 * and even for a reset made while Redis was down; the orphaned counters expire with their window.
 */
export function throttledAccount(user: { id: string; securityStamp: string }): string {
  return `id:${user.id}:${user.securityStamp}`;
}

/** Seconds between attempts on an account under distributed attack: slows guessing, locks nobody out. */
const SLOWDOWN_SECONDS = 5;

/** Redis TTL rounds to the nearest second; a Retry-After must never be shorter than the real wait. */
function wholeSecondsUp(ttlMs: number): number {
  return Math.max(Math.ceil(ttlMs / 1000), 1);
}

/**
 * Brute-force protection, its counters shared by every instance through Redis (or kept in process
 * when there is no Redis).
 * - One client IP guessing one account is refused after `maxFailuresPerIp` failures for the window.
 * - Past `maxFailuresPerAccount` failures from anywhere, the account accepts one attempt every few
 *   seconds, so a botnet cannot guess quickly yet cannot lock the owner out for long either.
 * While Redis is unreachable the throttle fails open (reported to `failures`), like the rate limiter
 * by default: sign-in keeps working, and wrong passwords are still refused by the stored hash.
 */
export class LoginThrottle {
  constructor(
    private readonly store: LoginAttemptStore,
    private readonly settings: LoginThrottleSettings,
    private readonly failures: RedisFailureReporter,
  ) {}

  /** Seconds the caller must wait before trying, or 0 when it may try now. */
  async retryAfter(account: string, ip: string): Promise<number> {
    return (await this.admit(account, ip)).retryAfter;
  }

  /**
   * As retryAfter, and whether this IP had failures on the account to clear after a success: when it
   * had none, the success has nothing to clear (recordSuccess is skipped, one Redis round trip per
   * sign-in). A failure from the same IP racing the sign-in then stays counted until its window ends,
   * which is stricter, never looser. While Redis is unreachable it fails open and asks for the clear.
   */
  async admit(account: string, ip: string): Promise<{ retryAfter: number; ipFailures: boolean }> {
    return this.failures.attempt('login-throttle', () => this.check(account, ip), { retryAfter: 0, ipFailures: true });
  }

  async recordFailure(account: string, ip: string): Promise<void> {
    await this.failures.attempt('login-throttle', () => this.store.recordFailure(account.toLowerCase(), ip, this.settings.windowSeconds), null);
  }

  async recordSuccess(account: string, ip: string): Promise<void> {
    await this.failures.attempt('login-throttle', () => this.store.clearIp(account.toLowerCase(), ip), null);
  }

  private async check(account: string, ip: string): Promise<{ retryAfter: number; ipFailures: boolean }> {
    const normalised = account.toLowerCase();
    const failures = await this.store.failures(normalised, ip);
    const ipFailures = failures.fromIp > 0;
    if (failures.fromIp >= this.settings.maxFailuresPerIp) return { retryAfter: wholeSecondsUp(failures.fromIpTtlMs), ipFailures };
    if (failures.fromAnywhere >= this.settings.maxFailuresPerAccount) {
      const waitMs = await this.store.claimSlowdown(normalised, SLOWDOWN_SECONDS);
      if (waitMs > 0) return { retryAfter: wholeSecondsUp(waitMs), ipFailures };
    }
    return { retryAfter: 0, ipFailures };
  }
}
