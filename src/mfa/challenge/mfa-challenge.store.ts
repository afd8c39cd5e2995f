import type { MfaMethod } from './mfa-method';

/** The login in progress between the password and the second factor. */
export interface MfaChallenge {
  userId: string;
  /** Second factors this user can answer with. */
  methods: MfaMethod[];
  /** Factors already proven (`pwd`), for the token's `amr` once the second one is. */
  amr: string[];
  /** When the first factor was proven (ms since the epoch), for the token's `auth_time`. */
  authTime: number;
}

/**
 * Keeps challenges by the hash of their token. Every operation is atomic, so that with any number of
 * instances a challenge is won once and never sees more than `maxAttempts` code checks.
 */
export interface MfaChallengeStore {
  save(key: string, challenge: MfaChallenge, ttlMs: number): Promise<void>;
  /**
   * Counts one attempt and answers the challenge with the attempt's number; null when it is
   * unknown, expired, or has had `maxAttempts` already (then it is deleted).
   */
  takeAttempt(key: string, maxAttempts: number): Promise<{ challenge: MfaChallenge; attempt: number } | null>;
  /** Deletes it; true for the one caller that found it there. */
  consume(key: string): Promise<boolean>;
  /** The challenge as it is, counting no attempt (to prepare a passkey assertion for it); null when gone. */
  peek(key: string): Promise<MfaChallenge | null>;
}

/** In process, for one instance. Expired entries are swept as new ones arrive. */
export class MemoryMfaChallengeStore implements MfaChallengeStore {
  private readonly entries = new Map<string, { challenge: MfaChallenge; attempts: number; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async save(key: string, challenge: MfaChallenge, ttlMs: number): Promise<void> {
    const now = this.now();
    for (const [other, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(other);
    this.entries.set(key, { challenge: structuredClone(challenge), attempts: 0, expiresAt: now + ttlMs });
  }

  async takeAttempt(key: string, maxAttempts: number): Promise<{ challenge: MfaChallenge; attempt: number } | null> {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= this.now() || entry.attempts >= maxAttempts) {
      this.entries.delete(key);
      return null;
    }
    entry.attempts += 1;
    return { challenge: structuredClone(entry.challenge), attempt: entry.attempts };
  }

  async consume(key: string): Promise<boolean> {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    return entry !== undefined && entry.expiresAt > this.now();
  }

  async peek(key: string): Promise<MfaChallenge | null> {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > this.now() ? structuredClone(entry.challenge) : null;
  }
}
