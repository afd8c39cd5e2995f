import { TooManyRequestsError } from '../errors/domain.errors';
import { bucketFor, type RateCaller, type RateCategory, type RateLimits } from './rate-limit.policy';
import type { RateDecision, RateLimiter } from './rate.limiter';

/** Counts one operation against its bucket; both edges call this and nothing else. */
export class RateLimitService {
  constructor(
    private readonly limiter: RateLimiter,
    /** The configured limits; the GraphQL schema describes its @rateLimit buckets with them. */
    readonly limits: RateLimits,
    readonly enabled: boolean,
  ) {}

  get rejections(): number {
    return this.limiter.rejections;
  }

  async consume(category: RateCategory, caller: RateCaller): Promise<RateDecision | null> {
    if (!this.enabled) return null;
    return this.limiter.consume(bucketFor(category, caller, this.limits));
  }

  /**
   * Mails to one address, however many IPs ask (an address is not a secret: `addressKey` is a
   * digest of it, so the counter's key names nobody).
   */
  async consumeForAddress(addressKey: string): Promise<RateDecision | null> {
    if (!this.enabled) return null;
    return this.limiter.consume({ key: `email:address:${addressKey}`, rule: this.limits.emailPerAddress });
  }
}

export function rateLimitedError(decision: RateDecision): TooManyRequestsError {
  return new TooManyRequestsError(`Rate limit exceeded; try again in ${decision.resetSeconds} seconds.`, decision.resetSeconds);
}
