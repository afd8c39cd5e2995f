import { createHash, randomBytes } from 'node:crypto';
import type { MfaChallenge, MfaChallengeStore } from './mfa-challenge.store';

export interface MfaChallengeSettings {
  ttlSeconds?: number;
  maxAttempts?: number;
}

export type MfaAttemptResult<T> =
  | { ok: true; challenge: MfaChallenge; proof: T }
  /** Unknown, expired, already used, or out of attempts: the client must sign in again. */
  | { ok: false; reason: 'expired'; userId?: undefined }
  /** The code was wrong. `attemptsLeft` 0: the token is dead now. Count it toward the login lock-out. */
  | { ok: false; reason: 'wrong'; userId: string; attemptsLeft: number };

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The second step of a login. After the password, `issue` answers an `mfaToken`: 256 random bits,
 * kept only as its SHA-256 (a store dump holds nothing usable), alive 5 minutes, good for one
 * successful code and at most 5 checked ones. `attempt` counts the try BEFORE the code is checked,
 * so even concurrent guesses never get more than 5 checks per token.
 */
export class MfaChallengeService {
  readonly ttlSeconds: number;
  readonly maxAttempts: number;

  constructor(
    private readonly store: MfaChallengeStore,
    settings: MfaChallengeSettings = {},
    private readonly now: () => number = Date.now,
  ) {
    this.ttlSeconds = settings.ttlSeconds ?? 300;
    this.maxAttempts = settings.maxAttempts ?? 5;
  }

  async issue(challenge: MfaChallenge): Promise<{ mfaToken: string; expiresAt: Date }> {
    const mfaToken = randomBytes(32).toString('base64url');
    await this.store.save(keyOf(mfaToken), challenge, this.ttlSeconds * 1000);
    return { mfaToken, expiresAt: new Date(this.now() + this.ttlSeconds * 1000) };
  }

  /**
   * Runs `check` (a TOTP, a recovery code, a WebAuthn assertion) for the challenge behind `mfaToken`.
   * `check` answers a proof (e.g. the factor used) or null for a wrong code. On success the token
   * is spent; if another request spent it first, this one is `expired`.
   */
  async attempt<T>(mfaToken: string, check: (challenge: MfaChallenge) => Promise<T | null>): Promise<MfaAttemptResult<T>> {
    if (!TOKEN.test(mfaToken)) return { ok: false, reason: 'expired' };
    const key = keyOf(mfaToken);
    const taken = await this.store.takeAttempt(key, this.maxAttempts);
    if (!taken) return { ok: false, reason: 'expired' };
    const proof = await check(taken.challenge);
    if (proof === null) {
      const attemptsLeft = this.maxAttempts - taken.attempt;
      if (attemptsLeft === 0) await this.store.consume(key);
      return { ok: false, reason: 'wrong', userId: taken.challenge.userId, attemptsLeft };
    }
    if (!(await this.store.consume(key))) return { ok: false, reason: 'expired' };
    return { ok: true, challenge: taken.challenge, proof };
  }

  /**
   * The challenge behind `mfaToken` without counting an attempt: what a passkey assertion's options
   * are made for. Options are no guess, so they cost none of the five tries; the assertion does.
   */
  async peek(mfaToken: string): Promise<MfaChallenge | null> {
    return TOKEN.test(mfaToken) ? this.store.peek(keyOf(mfaToken)) : null;
  }

  /** Sign-in abandoned or the account changed (password reset, MFA reset): the token stops working. */
  async revoke(mfaToken: string): Promise<void> {
    if (TOKEN.test(mfaToken)) await this.store.consume(keyOf(mfaToken));
  }
}

function keyOf(mfaToken: string): string {
  return createHash('sha256').update(mfaToken).digest('hex');
}
