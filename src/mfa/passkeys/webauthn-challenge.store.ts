import type { RedisClient } from '../../platform/redis/redis.client';

/**
 * Outstanding WebAuthn challenges: each is taken once (atomically get-and-delete), and expires.
 * Keyed by the challenge itself, which the browser's signed clientDataJSON carries back.
 */
export interface WebAuthnChallengeStore {
  put(challenge: string, expectation: string, ttlMs: number): Promise<void>;
  /** The expectation stored with it, once; null when unknown, expired or already taken. */
  take(challenge: string): Promise<string | null>;
}

export class MemoryWebAuthnChallengeStore implements WebAuthnChallengeStore {
  private readonly entries = new Map<string, { expectation: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async put(challenge: string, expectation: string, ttlMs: number): Promise<void> {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    this.entries.set(challenge, { expectation, expiresAt: now + ttlMs });
  }

  async take(challenge: string): Promise<string | null> {
    const entry = this.entries.get(challenge);
    this.entries.delete(challenge);
    return entry && entry.expiresAt > this.now() ? entry.expectation : null;
  }
}

/** GETDEL (Redis 6.2+): of two instances taking the same challenge, one gets it. */
export class RedisWebAuthnChallengeStore implements WebAuthnChallengeStore {
  constructor(private readonly redis: RedisClient) {}

  async put(challenge: string, expectation: string, ttlMs: number): Promise<void> {
    await this.redis.set(`webauthn:challenge:${challenge}`, expectation, 'PX', ttlMs);
  }

  async take(challenge: string): Promise<string | null> {
    return this.redis.getdel(`webauthn:challenge:${challenge}`);
  }
}
