import { createHash } from 'node:crypto';
import type { RateLimitService } from '../platform/rate-limit/rate-limit.service';
import { rateLimitedError } from '../platform/rate-limit/rate-limit.service';
import { emailKey } from '../platform/validation/email/email.address';

/**
 * Mails to one address, however many IPs ask (RATE_LIMIT_EMAIL_PER_ADDRESS), so nobody can flood a
 * mailbox by rotating IPs. Counted on a digest of the address's comparison key: every spelling of a
 * mailbox shares one counter, and the counter's key names nobody.
 */
export class AddressRateLimit {
  constructor(private readonly rateLimits: RateLimitService) {}

  /** Throws the 429 when the address has had its share: for a signed-in caller asking about their own address. */
  async consume(address: string): Promise<void> {
    const decision = await this.rateLimits.consumeForAddress(digest(address));
    if (decision && !decision.allowed) throw rateLimitedError(decision);
  }

  /** Whether a mail to this address may go: for an anonymous caller, who must not learn anything from the answer. */
  async allows(address: string): Promise<boolean> {
    const decision = await this.rateLimits.consumeForAddress(digest(address));
    return !decision || decision.allowed;
  }
}

function digest(address: string): string {
  return createHash('sha256').update(emailKey(address.trim())).digest('base64url').slice(0, 22);
}
