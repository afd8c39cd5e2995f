import { ensureBootstrapAdmin } from '../../../src/users/bootstrap-admin';
import { startServer } from '../../../src/app/server';
import { createLogger } from '../../../src/platform/observability/logger';
import { sql } from '../../support/auth';
import { ApiClient } from '../../support/http';
import { useTestServer } from '../../support/use-test-server';

describe('bootstrap admin from ADMIN_USERNAME, ADMIN_EMAIL and ADMIN_PASSWORD', () => {
  const credentials = { username: 'root_admin', email: 'Root.Admin@Example.com', password: 'Bootstrap-passw0rd!' };
  const ctx = useTestServer({ ADMIN_USERNAME: credentials.username, ADMIN_EMAIL: credentials.email, ADMIN_PASSWORD: credentials.password });

  it('creates an admin at start-up that can log in and act as admin', async () => {
    const rows = await sql(ctx.server, "select id, username, email, role, is_active, email_verified from users where role = 'admin'");
    expect(rows).toEqual([{ id: expect.any(String), username: 'root_admin', email: 'root.admin@example.com', role: 'admin', is_active: true, email_verified: true }]);
    expect(await sql(ctx.server, 'select 1 from password_history where user_id = ?', [rows[0].id])).toHaveLength(1);

    const login = await ctx.api.post('/v1/auth/login', { username: credentials.email, password: credentials.password });
    expect(login.status).toBe(200);
    const validate = await ctx.api.get('/v1/auth/validate', { token: login.body.accessToken });
    expect(validate.body.user).toEqual({ id: rows[0].id, username: 'root_admin', role: 'admin' });
    expect((await ctx.api.get('/v1/users', { token: login.body.accessToken })).status).toBe(200);
  });

  it('creates no second admin when one exists, with the same or other credentials', async () => {
    expect(await ensureBootstrapAdmin(ctx.server.orm, ctx.server.services, credentials)).toBe(false);
    expect(await ensureBootstrapAdmin(ctx.server.orm, ctx.server.services, { username: 'other_admin', email: 'other@example.com', password: 'Another-passw0rd!' })).toBe(false);
    expect(await sql(ctx.server, 'select username from users')).toEqual([{ username: 'root_admin' }]);
  });

  it('a second server started against the same database creates no other admin', async () => {
    const second = await startServer(
      { ...ctx.server.config, bootstrapAdmin: { username: 'second_admin', email: 'second@example.com', password: 'Second-passw0rd!' } },
      { logger: createLogger('silent') },
    );
    try {
      const secondApi = new ApiClient(second.url);
      expect((await secondApi.post('/v1/auth/login', { username: credentials.username, password: credentials.password })).status).toBe(200);
      expect((await secondApi.post('/v1/auth/login', { username: 'second_admin', password: 'Second-passw0rd!' })).status).toBe(401);
    } finally {
      await second.close();
    }
    expect(await sql(ctx.server, "select username from users where role = 'admin'")).toEqual([{ username: 'root_admin' }]);
  });

  it('creates one again once no live admin is left', async () => {
    await sql(ctx.server, "update users set deleted_at = now(), is_active = false where role = 'admin'");
    const replacement = { username: 'new_admin', email: 'new.admin@example.com', password: 'Replacement-passw0rd!' };
    expect(await ensureBootstrapAdmin(ctx.server.orm, ctx.server.services, replacement)).toBe(true);
    expect(await ensureBootstrapAdmin(ctx.server.orm, ctx.server.services, replacement)).toBe(false);
    expect(await sql(ctx.server, "select username from users where role = 'admin' and deleted_at is null")).toEqual([{ username: 'new_admin' }]);
    expect((await ctx.api.post('/v1/auth/login', { username: 'new_admin', password: replacement.password })).status).toBe(200);
  });
});
