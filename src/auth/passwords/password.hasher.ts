import { availableParallelism } from 'node:os';
import argon2 from 'argon2';
import pLimit, { type Limit } from 'p-limit';

export interface Argon2Settings {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/**
 * argon2id in PHC format. The native binding hashes on libuv's thread pool, so the event loop keeps
 * serving other requests while a hash is computed. At most `concurrency` hashes run at once (the
 * cores by default): more would only share the same cores, each one slower and holding its
 * memory (ARGON2_MEMORY_KIB) longer, and would take the pool's threads from file and DNS work
 * (the pool is sized for them: Config.threadPoolSize). The rest wait here, first come first served.
 */
export class PasswordHasher {
  private dummyHash?: Promise<string>;
  private readonly running: Limit;

  constructor(
    private readonly settings: Argon2Settings,
    concurrency = availableParallelism(),
  ) {
    this.running = pLimit(concurrency);
  }

  /** Hashes running or waiting to run. */
  get queue(): { active: number; waiting: number } {
    return { active: this.running.activeCount, waiting: this.running.pendingCount };
  }

  hash(password: string): Promise<string> {
    return this.running(() => argon2.hash(password, { type: argon2.argon2id, ...this.settings }));
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await this.running(() => argon2.verify(hash, password));
    } catch {
      return false;
    }
  }

  /** True when the hash was made with another argon2 variant, or weaker or different parameters than today's. */
  needsRehash(hash: string): boolean {
    return !hash.startsWith('$argon2id$') || argon2.needsRehash(hash, { ...this.settings });
  }

  /**
   * Spends the same work as a real check, for logins whose account does not exist, so response
   * time does not tell which usernames are registered.
   */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash('dummy-password-for-timing-only');
    await this.verify(await this.dummyHash, password);
    return false;
  }
}
