import { randomBytes, randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { connectDatabase, ensureDatabaseExists, migrate } from '../../../src/platform/db/database';
import { dropDatabase, PG_ADMIN_URL } from '../../support/test-server';

/** A migrated database of its own for one MFA suite, and a way to make users in it. */
export async function openMfaDatabase(label: string): Promise<{ orm: MikroORM; newUser: () => Promise<string>; close: () => Promise<void> }> {
  const name = `uma_test_mfa_${label}_${randomBytes(4).toString('hex')}`;
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const settings = { databaseUrl: url.toString(), poolMax: 4 };
  await ensureDatabaseExists(settings);
  const orm = await connectDatabase(settings);
  await migrate(orm);
  const newUser = async () => {
    const id = randomUUID();
    const username = `u${id.slice(0, 8)}`;
    await orm.em.getConnection().execute(
      `insert into users (id, username, email, password_hash, first_name, last_name, created_at, updated_at) values (?, ?, ?, 'x', 'A', 'B', now(), now())`,
      [id, username, `${username}@example.com`],
    );
    return id;
  };
  return {
    orm,
    newUser,
    close: async () => {
      await orm.close(true);
      await dropDatabase(name);
    },
  };
}

/** The user's mfa_totp row, unconfirmed, as a setup leaves it (the PostgreSQL replay guard writes to it). */
export async function insertTotpRow(orm: MikroORM, userId: string, secretSealed = 'v1.none'): Promise<void> {
  await orm.em.getConnection().execute(`insert into mfa_totp (id, user_id, secret_sealed, created_at, updated_at) values (?, ?, ?, now(), now())`, [randomUUID(), userId, secretSealed]);
}
