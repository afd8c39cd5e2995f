import { LRUCache } from 'lru-cache';
import type { RateBucket } from './rate-limit.policy';
import { decision, type RateDecision, type RateLimiter, type Slots, type SlotSource } from './rate.limiter';

/** Live buckets kept; past this the least recently used one is forgotten (its caller starts afresh). */
const MAX_BUCKETS = 100_000;

/**
 * The Redis limiter's sliding-window log, kept in this process: the same exact counts and reset
 * times, but only for requests this instance sees. A monotonic clock, so a wall-clock step cannot
 * empty or stretch a window.
 */
export class MemorySlidingWindowLimiter implements RateLimiter, SlotSource {
  rejections = 0;
  /** Accept times per bucket, oldest first; an idle bucket expires with its window. */
  private readonly logs = new LRUCache<string, number[]>({ max: MAX_BUCKETS });

  constructor(private readonly now: () => number = () => performance.now()) {}

  async consume(bucket: RateBucket): Promise<RateDecision> {
    const slots = await this.take(bucket, 1);
    if (slots.granted === 0) this.rejections += 1;
    return decision(slots.granted === 1, bucket.rule.limit, slots.count, slots.resetMs);
  }

  async take(bucket: RateBucket, want: number): Promise<Slots> {
    const { limit, windowSeconds } = bucket.rule;
    const windowMs = windowSeconds * 1000;
    const now = this.now();
    const log = this.logs.get(bucket.key) ?? [];
    let expired = 0;
    while (expired < log.length && log[expired] <= now - windowMs) expired += 1;
    if (expired > 0) log.splice(0, expired);
    const granted = Math.max(0, Math.min(want, limit - log.length));
    for (let i = 0; i < granted; i += 1) log.push(now);
    this.logs.set(bucket.key, log, { ttl: windowMs });
    return { granted, count: log.length, resetMs: log.length > 0 ? log[0] + windowMs - now : windowMs, degraded: false };
  }
}
