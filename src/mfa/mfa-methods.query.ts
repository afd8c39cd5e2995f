import type { EntityManager } from '@mikro-orm/postgresql';
import type { MfaStatus } from './mfa.service';

/**
 * The user's second factors as one statement (a login asks this for every password proven): the
 * confirmed authenticator, the passkeys and the unused recovery codes, counted by PostgreSQL rather
 * than read as three queries of rows. The same answer as MfaService.status over the ORM stores.
 */
export async function findMfaStatus(em: EntityManager, userId: string): Promise<MfaStatus> {
  const row = (await em.getConnection().execute(
    `select exists (select 1 from "mfa_totp" where "user_id" = ? and "confirmed") as "totp",
            (select count(*)::int from "webauthn_credentials" where "user_id" = ?) as "passkeys",
            (select count(*)::int from "mfa_recovery_codes" where "user_id" = ? and "used_at" is null) as "recovery_codes_left"`,
    [userId, userId, userId],
    'get',
    em.getTransactionContext(),
  )) as { totp: boolean; passkeys: number; recovery_codes_left: number };
  return { totp: row.totp === true, passkeys: Number(row.passkeys), recoveryCodesLeft: Number(row.recovery_codes_left) };
}
