import type { RecoveryCodeHash } from './recovery-code.factor';

/**
 * Where a user's recovery codes live. `consume` is atomic: of two requests racing with the same
 * code, exactly one gets true.
 */
export interface RecoveryCodeStore {
  /** Drops every code the user had, used or not, and keeps these. */
  replace(userId: string, hashes: RecoveryCodeHash[]): Promise<void>;
  /** Marks the unused code matching one of `candidates` as used; false when there is none. */
  consume(userId: string, candidates: RecoveryCodeHash[]): Promise<boolean>;
  remaining(userId: string): Promise<number>;
  /** Turning MFA off or an admin reset: no code left. */
  clear(userId: string): Promise<void>;
}

/** In process, for unit specs and a single instance without PostgreSQL. */
export class MemoryRecoveryCodeStore implements RecoveryCodeStore {
  private readonly codes = new Map<string, { hash: RecoveryCodeHash; used: boolean }[]>();

  async replace(userId: string, hashes: RecoveryCodeHash[]): Promise<void> {
    this.codes.set(userId, hashes.map((hash) => ({ hash, used: false })));
  }

  async consume(userId: string, candidates: RecoveryCodeHash[]): Promise<boolean> {
    const match = (this.codes.get(userId) ?? []).find(
      (entry) => !entry.used && candidates.some((candidate) => candidate.keyId === entry.hash.keyId && candidate.codeHash === entry.hash.codeHash),
    );
    if (!match) return false;
    match.used = true;
    return true;
  }

  async remaining(userId: string): Promise<number> {
    return (this.codes.get(userId) ?? []).filter((entry) => !entry.used).length;
  }

  async clear(userId: string): Promise<void> {
    this.codes.delete(userId);
  }
}
