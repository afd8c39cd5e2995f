import { EntityRepository } from '@mikro-orm/postgresql';
import type { Session } from '../entities/session.entity';

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

  async deleteById(id: string): Promise<boolean> {
    return (await this.nativeDelete({ id })) > 0;
  }

  async deleteByUserId(userId: string, exceptSessionId?: string): Promise<number> {
    return this.nativeDelete(exceptSessionId ? { user: userId, id: { $ne: exceptSessionId } } : { user: userId });
  }

  async deleteExpired(now = new Date()): Promise<number> {
    return this.nativeDelete({ expiresAt: { $lte: now } });
  }
}
