import { LRUCache } from 'lru-cache';
import type { RateBucket } from './rate-limit.policy';
import { decision, type RateDecision, type RateLimiter, type Slots, type SlotSource } from './rate.limiter';

export interface LeaseSettings {
  /** Unused places of a lease are given up this long after they were taken. */
  leaseMs: number;
  /** The most places one round trip takes. */
  maxLease: number;
  /**
   * A lease never takes more than this share of what is left in the window, so near the limit
   * every request asks the shared window itself and the count is exact again.
   */
  shareOfRemaining: number;
}

export const DEFAULT_LEASE: LeaseSettings = { leaseMs: 250, maxLease: 64, shareOfRemaining: 1 / 16 };

interface Lease {
  /** Places taken and not used yet. */
  left: number;
  /** How many the next lease asks for. */
  size: number;
  expiresAt: number;
  limit: number;
  /** The window's count when the lease was granted, its own places included. */
  count: number;
  resetAt: number;
  /** A round trip under way for this bucket: other requests wait for it instead of starting one. */
  pending: Promise<void> | null;
}

/** Buckets this process holds leases for; a forgotten one only costs its unused places. */
const MAX_BUCKETS = 100_000;

/**
 * Counts requests against the shared sliding window in batches: a busy bucket takes several places
 * in one round trip and hands them to its next requests, so a client making thousands of requests
 * costs a Redis script per lease, not per request.
 *
 * What the limits keep: a place is counted in the shared window before any request uses it, so all
 * instances together never admit more than the limit in a window. A leased place carries the time
 * it was taken, not the time it was used (at most `leaseMs` later), so the bound holds for every
 * window `leaseMs` shorter than the configured one. Places a lease did not use before it expired
 * stay counted: near the limit other clients of the same bucket (on other instances) may be
 * refused up to `maxLease` places early per instance, which is why leases shrink to a single place
 * once less than 1/`shareOfRemaining` leases' worth is left, and every bucket starts at one place.
 */
export class LeasedRateLimiter implements RateLimiter {
  rejections = 0;
  private readonly leases = new LRUCache<string, Lease>({ max: MAX_BUCKETS });

  constructor(
    private readonly source: SlotSource,
    private readonly settings: LeaseSettings = DEFAULT_LEASE,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async consume(bucket: RateBucket): Promise<RateDecision> {
    for (;;) {
      const lease = this.leases.get(bucket.key);
      if (lease && lease.left > 0 && lease.expiresAt > this.now()) {
        lease.left -= 1;
        return decision(true, lease.limit, lease.count - lease.left, lease.resetAt - this.now());
      }
      if (lease?.pending) {
        await lease.pending;
        continue;
      }
      return this.renew(bucket, lease);
    }
  }

  private async renew(bucket: RateBucket, previous: Lease | undefined): Promise<RateDecision> {
    const { limit } = bucket.rule;
    const want = this.nextSize(previous, limit);
    let release!: () => void;
    const waiting: Lease = previous ?? { left: 0, size: 1, expiresAt: 0, limit, count: 0, resetAt: 0, pending: null };
    waiting.left = 0;
    waiting.pending = new Promise<void>((resolve) => (release = resolve));
    this.leases.set(bucket.key, waiting);
    let slots: Slots;
    try {
      slots = await this.source.take(bucket, want);
    } catch (error) {
      this.leases.delete(bucket.key);
      throw error;
    } finally {
      waiting.pending = null;
      release();
    }
    const now = this.now();
    if (slots.degraded) {
      // Counted nowhere: nothing is leased, so every request asks again until the store is back.
      this.leases.delete(bucket.key);
      return { allowed: true, limit, remaining: limit, resetSeconds: bucket.rule.windowSeconds };
    }
    if (slots.granted === 0) {
      this.rejections += 1;
      this.leases.delete(bucket.key);
      return decision(false, limit, slots.count, slots.resetMs);
    }
    Object.assign(waiting, { left: slots.granted - 1, size: want, expiresAt: now + this.settings.leaseMs, limit, count: slots.count, resetAt: now + slots.resetMs });
    return decision(true, limit, slots.count - waiting.left, slots.resetMs);
  }

  /**
   * One place for a bucket not seen lately; double while leases run out before they expire, halve
   * when they expire unused; never more than the share of what the window has left.
   */
  private nextSize(previous: Lease | undefined, limit: number): number {
    let size = 1;
    if (previous && previous.count > 0) size = previous.left === 0 && previous.expiresAt > this.now() ? previous.size * 2 : Math.ceil(previous.size / 2);
    const remaining = limit - (previous?.count ?? 0);
    const share = Math.floor(remaining * this.settings.shareOfRemaining);
    return Math.max(1, Math.min(size, this.settings.maxLease, share));
  }
}
