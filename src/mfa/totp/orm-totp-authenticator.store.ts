import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { MfaTotp } from './mfa-totp.entity';
import type { TotpAuthenticator, TotpAuthenticatorStore } from './totp-authenticator.store';

/** mfa_totp through the request's EntityManager; every change is one statement, decided by PostgreSQL. */
export class OrmTotpAuthenticatorStore implements TotpAuthenticatorStore {
  constructor(private readonly em: EntityManager) {}

  async get(userId: string): Promise<TotpAuthenticator | null> {
    const row = await this.em.fork({ keepTransactionContext: true }).findOne(MfaTotp, { user: userId }, { fields: ['secretSealed', 'confirmed'] });
    return row ? { secretSealed: row.secretSealed, confirmed: row.confirmed } : null;
  }

  async saveUnconfirmed(userId: string, secretSealed: string): Promise<boolean> {
    // The unique user_id decides; a confirmed row is never replaced (the where clause of the update).
    const rows = await this.em.getConnection().execute<{ id: string }[]>(
      `insert into mfa_totp (id, user_id, secret_sealed, confirmed, created_at, updated_at) values (?, ?, ?, false, now(), now())
       on conflict (user_id) do update set secret_sealed = excluded.secret_sealed, last_used_step = null, created_at = now(), updated_at = now()
       where mfa_totp.confirmed = false returning id`,
      [randomUUID(), userId, secretSealed],
      'all',
      // Inside a command's transaction, in it: it commits or rolls back with the audit row.
      this.em.getTransactionContext(),
    );
    return rows.length === 1;
  }

  async confirm(userId: string, at: Date): Promise<boolean> {
    return (await this.em.nativeUpdate(MfaTotp, { user: userId, confirmed: false }, { confirmed: true, confirmedAt: at, updatedAt: at })) === 1;
  }

  async remove(userId: string): Promise<boolean> {
    return (await this.em.nativeDelete(MfaTotp, { user: userId })) === 1;
  }
}
