import type { EntityManager } from '@mikro-orm/core';
import type { RecoveryCodeHash } from './recovery-code.factor';
import { RecoveryCode } from './recovery-code.entity';
import type { RecoveryCodeStore } from './recovery-code.store';

/**
 * PostgreSQL through the request's EntityManager. `consume` is one conditional UPDATE: the row lock
 * and the re-check of `used_at is null` make a second request with the same code update nothing.
 * Call `replace` inside the caller's transaction (with its audit row).
 */
export class OrmRecoveryCodeStore implements RecoveryCodeStore {
  constructor(private readonly em: EntityManager) {}

  async replace(userId: string, hashes: RecoveryCodeHash[]): Promise<void> {
    await this.em.transactional(async (em) => {
      await em.nativeDelete(RecoveryCode, { user: userId });
      for (const hash of hashes) em.create(RecoveryCode, { user: userId, keyId: hash.keyId, codeHash: hash.codeHash });
      await em.flush();
    });
  }

  async consume(userId: string, candidates: RecoveryCodeHash[]): Promise<boolean> {
    if (candidates.length === 0) return false;
    const updated = await this.em.nativeUpdate(
      RecoveryCode,
      { user: userId, usedAt: null, $or: candidates.map((candidate) => ({ keyId: candidate.keyId, codeHash: candidate.codeHash })) },
      { usedAt: new Date() },
    );
    return updated > 0;
  }

  async remaining(userId: string): Promise<number> {
    return this.em.count(RecoveryCode, { user: userId, usedAt: null });
  }

  async clear(userId: string): Promise<void> {
    await this.em.nativeDelete(RecoveryCode, { user: userId });
  }
}
