import { createHash, randomBytes } from 'node:crypto';
import { type EntityManager, TransactionPropagation } from '@mikro-orm/postgresql';
import type { OneTimeTokenPurpose } from './one-time-token.entity';
import { OneTimeTokenExpiredError, OneTimeTokenInvalidError, OneTimeTokenUsedError } from './one-time-token.errors';
import { OneTimeTokenRepository } from './one-time-token.repository';

/** How long each kind of link works. */
export const ONE_TIME_TOKEN_TTL_SECONDS: Record<OneTimeTokenPurpose, number> = {
  verify_email: 24 * 3600,
  reset_password: 30 * 60,
  change_email: 24 * 3600,
};

export const ONE_TIME_TOKEN_PURPOSES = Object.keys(ONE_TIME_TOKEN_TTL_SECONDS) as OneTimeTokenPurpose[];

/** 32 random bytes, base64url without padding: always 43 characters of this alphabet. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function newOneTimeToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The stored form. A plain SHA-256 is enough: the token has 256 bits of entropy, nothing to guess. */
export function hashOneTimeToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface IssuedToken {
  /** The secret for the link; shown nowhere else, never logged. */
  token: string;
  expiresAt: Date;
}

export interface RedeemedToken {
  userId: string;
  /** The address the token was issued for (for change_email, the new address to apply). */
  email: string | null;
}

/**
 * One-time tokens of the e-mail flows. Pass the EntityManager of the transaction that does the
 * work, so issuing commits with the mail job that carries the token, and using it commits with the
 * change it authorises (a rolled-back change leaves the token usable).
 */
export class OneTimeTokenService {
  constructor(private readonly repository = new OneTimeTokenRepository()) {}

  /** A new token; older live tokens of the same user and purpose stop working. */
  async issue(em: EntityManager, input: { userId: string; purpose: OneTimeTokenPurpose; email?: string | null }): Promise<IssuedToken> {
    const token = newOneTimeToken();
    // Inside the caller's transaction when there is one (a mail decided with its write): a savepoint
    // would cost two more round trips and protect nothing, since every caller lets a failure roll back.
    const expiresAt = await em.transactional(async (tx) => {
      await this.repository.lockIssuing(tx, input.userId, input.purpose);
      await this.repository.supersedeLive(tx, input.userId, [input.purpose]);
      return this.repository.insert(tx, {
        userId: input.userId,
        purpose: input.purpose,
        tokenHash: hashOneTimeToken(token),
        email: input.email ?? null,
        ttlSeconds: ONE_TIME_TOKEN_TTL_SECONDS[input.purpose],
      });
    }, { propagation: TransactionPropagation.REQUIRED });
    return { token, expiresAt };
  }

  /**
   * Uses the token once. Throws OneTimeTokenInvalidError (no such token for this purpose),
   * OneTimeTokenUsedError, or OneTimeTokenExpiredError (too old, or superseded).
   */
  async consume(em: EntityManager, token: string, purpose: OneTimeTokenPurpose): Promise<RedeemedToken> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) throw new OneTimeTokenInvalidError();
    const tokenHash = hashOneTimeToken(token);
    const consumed = await this.repository.consume(em, tokenHash, purpose);
    if (consumed) return { userId: consumed.userId, email: consumed.email };
    throw await this.refusal(em, tokenHash, purpose);
  }

  private async refusal(em: EntityManager, tokenHash: string, purpose: OneTimeTokenPurpose): Promise<Error> {
    const state = await this.repository.stateOf(em, tokenHash, purpose);
    if (!state) return new OneTimeTokenInvalidError();
    if (state.used) return new OneTimeTokenUsedError();
    return new OneTimeTokenExpiredError(state.superseded ? 'superseded' : 'expired');
  }

  /**
   * Whose a live token is, without using it (a reset checks the new password against the owner's
   * history before it spends the token). Throws as consume() does.
   */
  async peek(em: EntityManager, token: string, purpose: OneTimeTokenPurpose): Promise<RedeemedToken> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) throw new OneTimeTokenInvalidError();
    const tokenHash = hashOneTimeToken(token);
    const live = await this.repository.findLive(em, tokenHash, purpose);
    if (live) return live;
    throw await this.refusal(em, tokenHash, purpose);
  }

  /** After a password change (reset tokens) or an e-mail change (verification and change tokens). */
  async invalidate(em: EntityManager, userId: string, purposes: OneTimeTokenPurpose[] = ONE_TIME_TOKEN_PURPOSES): Promise<number> {
    if (purposes.length === 0) return 0;
    return this.repository.supersedeLive(em, userId, purposes);
  }

  /** Deletes tokens expired for more than `graceSeconds` (a periodic job can call it). */
  async purgeExpired(em: EntityManager, graceSeconds = 24 * 3600): Promise<number> {
    return this.repository.purge(em, graceSeconds);
  }
}
