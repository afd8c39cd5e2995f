import { randomBytes } from 'node:crypto';
import { connectDatabase, ensureDatabaseExists, migrate } from '../../src/db/database';
import { dropDatabase, PG_ADMIN_URL } from '../support/test-server';

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
      expect(await migrate(orm)).toEqual(['Migration20261125000000_initial', 'Migration20261125010000_audit_archive', 'Migration20261126000000_user_search_trgm', 'Migration20261126010000_user_search_trgm_fastupdate']);
      expect(await migrate(orm)).toEqual([]);
      const drift = await orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: false });
      expect(drift.trim()).toBe('');
    } finally {
      await orm.close(true);
    }
  });

  it('enforce case-insensitive uniqueness among live users only', async () => {
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
      await expect(insert('00000000-0000-4000-8000-000000000003', 'CAROL', false)).rejects.toThrow(/users_username_lower_unique|users_email_lower_unique/);
    } finally {
      await orm.close(true);
    }
  });
});
