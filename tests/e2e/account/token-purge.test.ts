import { seedUser } from '../../support/factories';
import { eventually } from '../../support/scratch-database';
import { useTestServer } from '../../support/use-test-server';

/** E-mail link tokens are kept a day past their expiry (for the "expired" answer), then purged. */
describe('purging e-mail link tokens', () => {
  const ctx = useTestServer({ SESSION_PURGE_INTERVAL_SECONDS: '1' });

  it('deletes tokens expired for over a day, and keeps the rest', async () => {
    const user = await seedUser(ctx.server);
    const sql = ctx.server.orm.em.fork().getConnection();
    const insert = (hash: string, expiresAt: string) =>
      sql.execute(`insert into one_time_tokens (id, user_id, purpose, token_hash, email, created_at, expires_at, superseded_at) values (gen_random_uuid(), ?, 'verify_email', ?, ?, now(), ${expiresAt}, now())`, [user.id, hash, user.email]);
    await insert('old-hash', "now() - interval '25 hours'");
    await insert('recent-hash', "now() - interval '1 hour'");
    await eventually(async () => {
      const rows: { token_hash: string }[] = await sql.execute(`select token_hash from one_time_tokens where user_id = ?`, [user.id]);
      expect(rows.map((row) => row.token_hash)).toEqual(['recent-hash']);
    }, 10_000);
  });
});
