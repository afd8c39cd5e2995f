import { EntityRepository } from '@mikro-orm/postgresql';
import type { Session } from './session.entity';

export class SessionRepository extends EntityRepository<Session> {
  async findLive(id: string): Promise<Session | null> {
    return this.findOne({ id, expiresAt: { $gt: new Date() } }, { populate: ['user'] });
  }

  async findByUserId(userId: string): Promise<Session[]> {
    return this.find({ user: userId, expiresAt: { $gt: new Date() } }, { orderBy: { createdAt: 'desc', id: 'desc' } });
  }

  async findByUserIds(userIds: readonly string[]): Promise<Session[]> {
    return this.find({ user: { $in: [...userIds] }, expiresAt: { $gt: new Date() } }, { orderBy: { createdAt: 'desc', id: 'desc' } });
  }

  /**
   * Swaps the refresh token hash only if it is still the one presented, so of two concurrent
   * refreshes with one token exactly one wins.
   */
  async rotate(id: string, presentedHash: string, nextHash: string, expiresAt: Date): Promise<boolean> {
    const affected = await this.nativeUpdate(
      { id, tokenHash: presentedHash },
      { tokenHash: nextHash, previousTokenHash: presentedHash, rotatedAt: new Date(), lastUsedAt: new Date(), expiresAt },
    );
    return affected === 1;
  }

  /** Carries a session over to the user's new stamp (the session that changed its own password). */
  async restamp(id: string, securityStamp: string): Promise<void> {
    await this.nativeUpdate({ id }, { securityStamp });
  }

  async deleteById(id: string): Promise<boolean> {
    return (await this.nativeDelete({ id })) > 0;
  }

  /** Ends every session of a user (but one, if given); returns the ids ended, so caches can forget them. */
  async deleteByUserId(userId: string, exceptSessionId?: string): Promise<string[]> {
    // EntityManager.execute (not the bare connection) runs inside the caller's transaction.
    const rows: { id: string }[] = await this.getEntityManager().execute(
      exceptSessionId ? 'delete from sessions where user_id = ? and id <> ? returning id' : 'delete from sessions where user_id = ? returning id',
      exceptSessionId ? [userId, exceptSessionId] : [userId],
    );
    return rows.map((row) => row.id);
  }

  async deleteExpired(now = new Date()): Promise<number> {
    return this.nativeDelete({ expiresAt: { $lte: now } });
  }
}
