import type { EntityManager } from '@mikro-orm/core';
import { MfaTotp } from './mfa-totp.entity';
import type { TotpReplayGuard } from './totp-replay.guard';

/**
 * The last used step kept on the user's mfa_totp row: durable (survives a Redis flush or restart)
 * and decided by one conditional UPDATE, which PostgreSQL serialises on the row, so of two racing
 * requests with the same code exactly one updates it. Give it the request's EntityManager; inside a
 * transaction the claim commits or rolls back with the sign-in.
 */
export class OrmTotpReplayGuard implements TotpReplayGuard {
  constructor(private readonly em: EntityManager) {}

  async claim(userId: string, step: number): Promise<boolean> {
    const updated = await this.em.nativeUpdate(
      MfaTotp,
      { user: userId, $or: [{ lastUsedStep: null }, { lastUsedStep: { $lt: String(step) } }] },
      { lastUsedStep: String(step), updatedAt: new Date() },
    );
    return updated === 1;
  }
}
