import { UserRole } from '../../../src/users/user-role';
import { sql } from '../../support/auth';
import {
  EXPECTED_STATUS,
  MATRIX_CASES,
  type MatrixAction,
  type MatrixSetup,
  observe,
  PASSWORD_CHANGE,
  PROFILE_CHANGE,
  setUpMatrix,
} from '../../support/authorization-matrix';
import { seedUser, signedIn, userInput } from '../../support/factories';
import type { HttpResponse } from '../../support/http';
import { useTestServer } from '../../support/use-test-server';

describe('REST authorization matrix', () => {
  const ctx = useTestServer();

  const call: Record<MatrixAction, (setup: MatrixSetup) => Promise<HttpResponse>> = {
    'GET user': ({ actor, target }) => ctx.api.get(`/v1/users/${target.id}`, { token: actor?.token }),
    'list users': ({ actor }) => ctx.api.get('/v1/users', { token: actor?.token }),
    'PATCH profile': ({ actor, target }) => ctx.api.patch(`/v1/users/${target.id}`, PROFILE_CHANGE, { token: actor?.token }),
    'PATCH role': ({ actor, target }) => ctx.api.patch(`/v1/users/${target.id}`, { role: 'moderator' }, { token: actor?.token }),
    'PATCH isActive': ({ actor, target }) => ctx.api.patch(`/v1/users/${target.id}`, { isActive: false }, { token: actor?.token }),
    'PATCH emailVerified': ({ actor, target }) => ctx.api.patch(`/v1/users/${target.id}`, { emailVerified: true }, { token: actor?.token }),
    'DELETE user': ({ actor, target }) => ctx.api.delete(`/v1/users/${target.id}`, { token: actor?.token }),
    'create user with role admin': ({ actor, newAdmin }) => ctx.api.post('/v1/users', newAdmin, { token: actor?.token }),
    'change password': ({ actor, target }) => ctx.api.post(`/v1/users/${target.id}/password`, PASSWORD_CHANGE, { token: actor?.token }),
    'list sessions': ({ actor, target }) => ctx.api.get(`/v1/users/${target.id}/sessions`, { token: actor?.token }),
  };

  const problemType: Record<number, string> = { 401: '/problems/unauthenticated', 403: '/problems/forbidden', 404: '/problems/not-found' };

  describe.each(Object.keys(EXPECTED_STATUS) as MatrixAction[])('%s', (action) => {
    it.each(MATRIX_CASES.filter(([a]) => a === action).map(([, role, status]) => [role, status] as const))('as %s -> %i', async (role, status) => {
      const setup = await setUpMatrix(ctx.server, ctx.api, role);
      const before = await observe(ctx.server, action, setup);

      const response = await call[action](setup);
      expect(response.status).toBe(status);

      const after = await observe(ctx.server, action, setup);
      if (status >= 400) {
        expect(response.body).toMatchObject({ status, type: problemType[status] });
        expect(after).toEqual(before);
      } else if (before !== undefined) {
        expect(after).not.toEqual(before);
      }
      if (status === 401) expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });
  });

  describe('edge cases of the rules', () => {
    it('a moderator may not deactivate an admin', async () => {
      const moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
      const admin = await seedUser(ctx.server, { role: UserRole.ADMIN });
      expect((await ctx.api.patch(`/v1/users/${admin.id}`, { isActive: false }, { token: moderator.token })).status).toBe(403);
    });

    it('a moderator may deactivate another moderator, but not change their profile', async () => {
      const moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
      const other = await seedUser(ctx.server, { role: UserRole.MODERATOR });
      expect((await ctx.api.patch(`/v1/users/${other.id}`, { isActive: false }, { token: moderator.token })).status).toBe(200);
      expect((await ctx.api.patch(`/v1/users/${other.id}`, { lastName: 'Nope' }, { token: moderator.token })).status).toBe(403);
    });

    it('a moderator may edit their own profile but not their own role or status', async () => {
      const moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
      expect((await ctx.api.patch(`/v1/users/${moderator.id}`, { firstName: 'Mod' }, { token: moderator.token })).status).toBe(200);
      expect((await ctx.api.patch(`/v1/users/${moderator.id}`, { role: 'admin' }, { token: moderator.token })).status).toBe(403);
      expect((await ctx.api.patch(`/v1/users/${moderator.id}`, { isActive: false }, { token: moderator.token })).status).toBe(403);
    });

    it('an admin may not change their own role or status, but may verify their own email', async () => {
      const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      expect((await ctx.api.patch(`/v1/users/${admin.id}`, { role: 'user' }, { token: admin.token })).status).toBe(403);
      expect((await ctx.api.patch(`/v1/users/${admin.id}`, { isActive: false }, { token: admin.token })).status).toBe(403);
      const [row] = await sql(ctx.server, 'select role, is_active from users where id = ?', [admin.id]);
      expect(row).toEqual({ role: 'admin', is_active: true });
      expect((await ctx.api.patch(`/v1/users/${admin.id}`, { emailVerified: true }, { token: admin.token })).status).toBe(200);
    });

    it('an admin may change another admin’s role', async () => {
      const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      const other = await seedUser(ctx.server, { role: UserRole.ADMIN });
      const response = await ctx.api.patch(`/v1/users/${other.id}`, { role: 'moderator' }, { token: admin.token });
      expect(response.status).toBe(200);
      expect(response.body.role).toBe('moderator');
    });

    it('a forbidden field in a PATCH refuses the whole change', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const response = await ctx.api.patch(`/v1/users/${user.id}`, { firstName: 'Sneaky', role: 'admin' }, { token: user.token });
      expect(response.status).toBe(403);
      const [row] = await sql(ctx.server, 'select first_name, role from users where id = ?', [user.id]);
      expect(row).toEqual({ first_name: 'Test', role: 'user' });
    });

    it('PUT follows the same rules as PATCH', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const other = await seedUser(ctx.server);
      const body = { username: user.username, email: user.email, firstName: 'Put', lastName: 'Me' };
      expect((await ctx.api.put(`/v1/users/${user.id}`, body, { token: user.token })).status).toBe(200);
      expect((await ctx.api.put(`/v1/users/${user.id}`, { ...body, role: 'admin' }, { token: user.token })).status).toBe(403);
      expect((await ctx.api.put(`/v1/users/${other.id}`, { ...body, username: other.username, email: other.email }, { token: user.token })).status).toBe(404);
    });

    it('anonymous POST /v1/users is sign-up and always makes a plain user', async () => {
      const response = await ctx.api.post('/v1/users', userInput());
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ role: 'user', isActive: true, emailVerified: false });
      expect((await ctx.api.post('/v1/users', userInput({ role: 'user' }))).status).toBe(201);
    });

    it.each([
      ['role moderator', { role: 'moderator' }],
      ['isActive', { isActive: true }],
      ['emailVerified', { emailVerified: true }],
    ])('anonymous sign-up with %s is 403', async (_label, extra) => {
      const input = userInput(extra);
      expect((await ctx.api.post('/v1/users', input)).status).toBe(403);
      expect(await sql(ctx.server, 'select 1 from users where username = ?', [input.username])).toEqual([]);
    });

    it('signed-in users other than admins may not create accounts', async () => {
      for (const role of [UserRole.USER, UserRole.MODERATOR]) {
        const actor = await signedIn(ctx.server, ctx.api, role);
        expect((await ctx.api.post('/v1/users', userInput(), { token: actor.token })).status).toBe(403);
      }
    });

    it('an admin may create an account of any role, with status fields', async () => {
      const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      const response = await ctx.api.post('/v1/users', userInput({ role: 'moderator', isActive: false, emailVerified: true }), { token: admin.token });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ role: 'moderator', isActive: false, emailVerified: true });
    });

    it('reading another user as a plain user is indistinguishable from a missing user', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const other = await seedUser(ctx.server);
      const existing = await ctx.api.get(`/v1/users/${other.id}`, { token: user.token });
      const missing = await ctx.api.get('/v1/users/00000000-0000-4000-8000-000000000000', { token: user.token });
      expect(existing.status).toBe(404);
      expect(existing.body.detail).toBe(missing.body.detail);
    });
  });
});
