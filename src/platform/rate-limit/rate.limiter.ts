import type { RateBucket } from './rate-limit.policy';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window has room again (RateLimit-Reset, and Retry-After when refused). */
  resetSeconds: number;
}

/**
 * A sliding-window log per bucket: at most `limit` accepted requests in any `windowSeconds`-long
 * window, counted exactly (no fixed-window double burst at a boundary). Implemented in Redis (shared
 * by every instance) and in process (one instance only).
 */
export interface RateLimiter {
  /** Refused requests since start, for the metrics endpoint. */
  readonly rejections: number;
  consume(bucket: RateBucket): Promise<RateDecision>;
}

/** Both implementations answer the wait in whole seconds, rounded up and never 0. */
export function decision(allowed: boolean, limit: number, count: number, resetMs: number): RateDecision {
  return { allowed, limit, remaining: Math.max(limit - count, 0), resetSeconds: Math.max(Math.ceil(resetMs / 1000), 1) };
}

/** Places taken in a bucket's window at once: `count` is the window's count including them. */
export interface Slots {
  granted: number;
  count: number;
  /** Milliseconds until the oldest place in the window falls out of it. */
  resetMs: number;
  /** The store could not be asked and the limiter fails open: the places are not counted anywhere. */
  degraded: boolean;
}

/** A shared window that can hand out several places in one round trip (LeasedRateLimiter's source). */
export interface SlotSource {
  take(bucket: RateBucket, want: number): Promise<Slots>;
}
