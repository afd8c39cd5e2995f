import { randomBytes } from 'node:crypto';
import { connectDatabase, ensureDatabaseExists, migrate } from '../../../src/platform/db/database';
import { migrationsList } from '../../../src/migrations';
import { dropDatabase, PG_ADMIN_URL } from '../../support/test-server';

describe('migrations', () => {
  const name = `uma_test_migrations_${randomBytes(4).toString('hex')}`;
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const settings = { databaseUrl: url.toString(), poolMax: 2 };

  afterAll(() => dropDatabase(name));

  it('create the database, apply cleanly, and leave nothing for the entities to add', async () => {
    await ensureDatabaseExists(settings);
    const orm = await connectDatabase(settings);
    try {
      expect(await migrate(orm)).toEqual(migrationsList.map((migration) => migration.name));
      expect(migrationsList.slice(0, 5).map((migration) => migration.name)).toEqual([
        'Migration20261125000000_initial',
        'Migration20261125010000_audit_archive',
        'Migration20261126000000_user_search_trgm',
        'Migration20261126010000_user_search_trgm_fastupdate',
        'Migration20261127000000_email_key',
      ]);
      expect(await migrate(orm)).toEqual([]);
      const drift = await orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: false });
      expect(drift.trim()).toBe('');
    } finally {
      await orm.close(true);
    }
  });

  it('leave room on full pages of users, so a login\'s lastLoginAt is a heap-only update (no index entries)', async () => {
    const orm = await connectDatabase(settings);
    const sql = orm.em.getConnection();
    try {
      await sql.execute('begin');
      await sql.execute(
        `insert into users (id, username, email, password_hash, first_name, last_name, created_at, updated_at)
         select gen_random_uuid(), 'ff_' || i, 'ff_' || i || '@example.com', 'x', 'Ada', 'Lovelace', now(), now() from generate_series(1, 600) as i`,
      );
      // The first row of every page but the last, which may be only part full anyway.
      const [{ updated }] = await sql.execute(
        `with firsts as (select id from users where username like 'ff\\_%' and (ctid::text::point)[1] = 1
                          and (ctid::text::point)[0] < (select max((ctid::text::point)[0]) from users))
         , done as (update users set last_login_at = now(), version = version + 1 where id in (select id from firsts) returning 1)
         select count(*)::int as "updated" from done`,
      );
      const [{ hot }] = await sql.execute(`select pg_stat_get_xact_tuples_hot_updated('users'::regclass)::int as "hot"`);
      expect(updated).toBeGreaterThanOrEqual(3);
      expect(hot).toBe(updated);
    } finally {
      await sql.execute('rollback').catch(() => undefined);
      await orm.close(true);
    }
  });

  it('enforce case-insensitive uniqueness of usernames among live users only', async () => {
    const orm = await connectDatabase(settings);
    const sql = orm.em.getConnection();
    const insert = (id: string, username: string, deleted: boolean) =>
      sql.execute(
        `insert into users (id, username, email, password_hash, first_name, last_name, created_at, updated_at, deleted_at)
         values (?, ?, ?, 'x', 'A', 'B', now(), now(), ${deleted ? 'now()' : 'null'})`,
        [id, username, `${username.toLowerCase()}@example.com`],
      );
    try {
      await insert('00000000-0000-4000-8000-000000000001', 'Carol', true);
      await insert('00000000-0000-4000-8000-000000000002', 'carol', false);
      await expect(insert('00000000-0000-4000-8000-000000000003', 'CAROL', false)).rejects.toThrow(/users_username_lower_unique/);
    } finally {
      await orm.close(true);
    }
  });
});

describe('the email_key migration on rows written before it', () => {
  const name = `uma_test_email_key_${randomBytes(4).toString('hex')}`;
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const settings = { databaseUrl: url.toString(), poolMax: 2 };

  afterAll(() => dropDatabase(name));

  it('stores addresses NFC, keys them, flags those that break the rule, and keeps the oldest of look-alikes', async () => {
    await ensureDatabaseExists(settings);
    const orm = await connectDatabase(settings);
    const sql = orm.em.getConnection();
    try {
      await orm.getMigrator().up({ to: 'Migration20261126010000_user_search_trgm_fastupdate' });
      const rows: [string, string, string, boolean][] = [
        ['00000000-0000-4000-8000-000000000001', 'plain', 'alice@example.com', false],
        ['00000000-0000-4000-8000-000000000002', 'nfd', 'jose\u0301@example.com', false],
        ['00000000-0000-4000-8000-000000000003', 'wide_twin', '\uff41lice@example.com', false],
        ['00000000-0000-4000-8000-000000000004', 'quoted', '"q"@example.com', false],
        ['00000000-0000-4000-8000-000000000005', 'deleted_twin', 'alice@example.com', true],
        ['00000000-0000-4000-8000-000000000006', 'wide', '\uff41lice2@example.com', false],
      ];
      for (const [index, [id, username, email, deleted]] of rows.entries()) {
        await sql.execute(
          `insert into users (id, username, email, password_hash, first_name, last_name, created_at, updated_at, deleted_at)
           values (?, ?, ?, 'x', 'A', 'B', now() + make_interval(secs => ?), now(), ${deleted ? 'now()' : 'null'})`,
          [id, username, email, index],
        );
      }
      await migrate(orm);
      const after = await sql.execute<{ username: string; email: string; email_key: string | null; email_issue: string | null }[]>('select username, email, email_key, email_issue from users order by created_at');
      expect(after).toEqual([
        { username: 'plain', email: 'alice@example.com', email_key: 'alice@example.com', email_issue: null },
        { username: 'nfd', email: 'jos\u00e9@example.com', email_key: 'jos\u00e9@example.com', email_issue: null },
        { username: 'wide_twin', email: '\uff41lice@example.com', email_key: null, email_issue: 'email is the same address as that of user 00000000-0000-4000-8000-000000000001' },
        { username: 'quoted', email: '"q"@example.com', email_key: '"q"@example.com', email_issue: 'email must not have a quoted local part' },
        { username: 'deleted_twin', email: 'alice@example.com', email_key: 'alice@example.com', email_issue: null },
        { username: 'wide', email: '\uff41lice2@example.com', email_key: 'alice2@example.com', email_issue: null },
      ]);
      await expect(
        sql.execute(`insert into users (id, username, email, email_key, password_hash, first_name, last_name, created_at, updated_at) values (gen_random_uuid(), 'x1', 'A@x.com', 'alice@example.com', 'x', 'A', 'B', now(), now())`),
      ).rejects.toThrow(/users_email_key_unique/);
    } finally {
      await orm.close(true);
    }
  });
});
