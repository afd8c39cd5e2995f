import type { EntityManager } from '@mikro-orm/postgresql';
import type { OneTimeTokenPurpose } from './one-time-token.entity';

export interface ConsumedToken {
  id: string;
  userId: string;
  email: string | null;
}

export interface TokenState {
  used: boolean;
  superseded: boolean;
  expired: boolean;
}

/**
 * SQL of the one_time_tokens table. Every statement runs on the given EntityManager, so inside the
 * caller's transaction when there is one. Times come from the database's clock, the one that judges
 * expiry.
 */
export class OneTimeTokenRepository {
  /** Serialises issuing per user and purpose until the transaction ends. */
  async lockIssuing(em: EntityManager, userId: string, purpose: OneTimeTokenPurpose): Promise<void> {
    await em.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`one_time_tokens:${userId}:${purpose}`]);
  }

  async supersedeLive(em: EntityManager, userId: string, purposes: OneTimeTokenPurpose[]): Promise<number> {
    const rows = await em.execute<{ id: string }[]>(
      `update "one_time_tokens" set "superseded_at" = now()
        where "user_id" = ? and "purpose" in (?) and "used_at" is null and "superseded_at" is null returning "id"`,
      [userId, purposes],
    );
    return rows.length;
  }

  async insert(em: EntityManager, row: { userId: string; purpose: OneTimeTokenPurpose; tokenHash: string; email: string | null; ttlSeconds: number }): Promise<Date> {
    const [inserted] = await em.execute<{ expires_at: Date }[]>(
      `insert into "one_time_tokens" ("id", "user_id", "purpose", "token_hash", "email", "created_at", "expires_at")
       values (gen_random_uuid(), ?, ?, ?, ?, now(), now() + make_interval(secs => ?)) returning "expires_at"`,
      [row.userId, row.purpose, row.tokenHash, row.email, row.ttlSeconds],
    );
    return new Date(inserted.expires_at);
  }

  /**
   * Marks the token used if, and only if, it is live: one conditional UPDATE, so of two parallel
   * consumers the second waits for the first's row lock, then finds it used and gets nothing.
   */
  async consume(em: EntityManager, tokenHash: string, purpose: OneTimeTokenPurpose): Promise<ConsumedToken | undefined> {
    const [row] = await em.execute<{ id: string; user_id: string; email: string | null }[]>(
      `update "one_time_tokens" set "used_at" = now()
        where "token_hash" = ? and "purpose" = ? and "used_at" is null and "superseded_at" is null and "expires_at" > now()
        returning "id", "user_id", "email"`,
      [tokenHash, purpose],
    );
    return row && { id: row.id, userId: row.user_id, email: row.email };
  }

  /** A live token's owner, without using it up. */
  async findLive(em: EntityManager, tokenHash: string, purpose: OneTimeTokenPurpose): Promise<{ userId: string; email: string | null } | undefined> {
    const [row] = await em.execute<{ user_id: string; email: string | null }[]>(
      `select "user_id", "email" from "one_time_tokens"
        where "token_hash" = ? and "purpose" = ? and "used_at" is null and "superseded_at" is null and "expires_at" > now()`,
      [tokenHash, purpose],
    );
    return row && { userId: row.user_id, email: row.email };
  }

  /** Why a token could not be consumed; undefined when there is no such token for this purpose. */
  async stateOf(em: EntityManager, tokenHash: string, purpose: OneTimeTokenPurpose): Promise<TokenState | undefined> {
    const [row] = await em.execute<TokenState[]>(
      `select "used_at" is not null as used, "superseded_at" is not null as superseded, "expires_at" <= now() as expired
         from "one_time_tokens" where "token_hash" = ? and "purpose" = ?`,
      [tokenHash, purpose],
    );
    return row;
  }

  /** Tokens past their use: kept a day for the "used"/"expired" answers, then deleted. */
  async purge(em: EntityManager, olderThanSeconds: number): Promise<number> {
    const rows = await em.execute<{ id: string }[]>(
      `delete from "one_time_tokens" where "expires_at" < now() - make_interval(secs => ?) returning "id"`,
      [olderThanSeconds],
    );
    return rows.length;
  }
}
