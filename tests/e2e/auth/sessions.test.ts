import { randomUUID } from 'node:crypto';
import { UserRole } from '../../../src/users/user-role';
import { decodeToken, sql, stableProblem } from '../../support/auth';
import { login, type SignedIn, signedIn } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

describe('REST sessions of a user', () => {
  const ctx = useTestServer();

  const validate = (token: string) => ctx.api.get('/v1/auth/validate', { token });
  const refresh = (refreshToken: string) => ctx.api.post('/v1/auth/refresh', { refreshToken });
  const listSessions = (userId: string, token?: string) => ctx.api.get(`/v1/users/${userId}/sessions`, { token });
  const revoke = (userId: string, sessionId: string, token?: string) => ctx.api.delete(`/v1/users/${userId}/sessions/${sessionId}`, { token });
  const sidOf = (user: { token: string }) => decodeToken(user.token).sid as string;
  const liveSessionIds = async (userId: string) => (await sql(ctx.server, 'select id from sessions where user_id = ?', [userId])).map((row) => row.id).sort();

  describe('GET /v1/users/{id}/sessions', () => {
    it('lists the owner’s live sessions, newest first, without any token material', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const second = await ctx.api.post('/v1/auth/login', { username: user.username, password: user.password }, { headers: { 'user-agent': 'second-device/1.0' } });
      expect(second.status).toBe(200);
      const bystander = await signedIn(ctx.server, ctx.api);

      const response = await listSessions(user.id, user.token);
      expect(response.status).toBe(200);
      expect(response.body.data.map((session: { id: string }) => session.id)).toEqual([sidOf({ token: second.body.accessToken }), sidOf(user)]);
      expect(response.body.data).not.toContainEqual(expect.objectContaining({ id: sidOf(bystander) }));
      const [newest] = response.body.data;
      expect(newest).toEqual({
        id: expect.any(String),
        ipAddress: expect.stringMatching(/127\.0\.0\.1/),
        userAgent: 'second-device/1.0',
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String),
        expiresAt: new Date(decodeToken(second.body.refreshToken).exp! * 1000).toISOString(),
      });
      expect(response.text).not.toMatch(/token|hash/i);
    });

    it('leaves out expired sessions, whose tokens are refused as well', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const stale = await login(ctx.api, user);
      await sql(ctx.server, "update sessions set expires_at = now() - interval '1 minute' where id = ?", [sidOf(stale)]);
      const response = await listSessions(user.id, user.token);
      expect(response.body.data.map((session: { id: string }) => session.id)).toEqual([sidOf(user)]);
      expect((await validate(stale.token)).status).toBe(401);
      expect((await refresh(stale.refreshToken)).status).toBe(401);
    });

    it('lets an admin list anyone’s sessions', async () => {
      const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      const user = await signedIn(ctx.server, ctx.api);
      const response = await listSessions(user.id, admin.token);
      expect(response.status).toBe(200);
      expect(response.body.data.map((session: { id: string }) => session.id)).toEqual([sidOf(user)]);
    });

    it('lets a moderator list their own sessions but refuses others’ with 403', async () => {
      const moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
      const user = await signedIn(ctx.server, ctx.api);
      expect((await listSessions(moderator.id, moderator.token)).status).toBe(200);
      const response = await listSessions(user.id, moderator.token);
      expect(response.status).toBe(403);
      expect(response.body.type).toBe('/problems/forbidden');
    });

    it('answers a plain user asking for someone else’s sessions exactly like an unknown user: 404', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const other = await signedIn(ctx.server, ctx.api);
      const forOther = await listSessions(other.id, user.token);
      const forNobody = await listSessions(randomUUID(), user.token);
      expect(forOther.status).toBe(404);
      expect(stableProblem(forOther)).toEqual(stableProblem(forNobody));
    });

    it('needs a token', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      expect((await listSessions(user.id)).status).toBe(401);
    });
  });

  describe('DELETE /v1/users/{id}/sessions/{sessionId}', () => {
    it('lets the owner end one session: its tokens stop working, the others go on, and it is audited', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const phone = await login(ctx.api, user);

      const response = await revoke(user.id, sidOf(phone), user.token);
      expect(response.status).toBe(204);
      expect((await validate(phone.token)).status).toBe(401);
      expect((await refresh(phone.refreshToken)).status).toBe(401);
      expect((await validate(user.token)).status).toBe(200);
      expect(await liveSessionIds(user.id)).toEqual([sidOf(user)]);

      const audit = await sql(ctx.server, "select user_id, old_values from audit_logs where action = 'session.revoked' and entity_id = ?", [sidOf(phone)]);
      expect(audit).toEqual([{ user_id: user.id, old_values: { userId: user.id } }]);
    });

    it('lets the owner end the session they are using', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      expect((await revoke(user.id, sidOf(user), user.token)).status).toBe(204);
      expect((await validate(user.token)).status).toBe(401);
    });

    it('lets an admin end anyone’s session', async () => {
      const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      const user = await signedIn(ctx.server, ctx.api);
      expect((await revoke(user.id, sidOf(user), admin.token)).status).toBe(204);
      expect((await validate(user.token)).status).toBe(401);
      expect((await validate(admin.token)).status).toBe(200);
    });

    it('refuses a moderator with 403 and the session survives', async () => {
      const moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
      const user = await signedIn(ctx.server, ctx.api);
      expect((await revoke(user.id, sidOf(user), moderator.token)).status).toBe(403);
      expect((await validate(user.token)).status).toBe(200);
    });

    it('answers a plain user ending someone else’s session with 404 and the session survives', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const other = await signedIn(ctx.server, ctx.api);
      expect((await revoke(other.id, sidOf(other), user.token)).status).toBe(404);
      // Not even through their own user id in the path.
      expect((await revoke(user.id, sidOf(other), user.token)).status).toBe(404);
      expect((await validate(other.token)).status).toBe(200);
    });

    it('answers 404 when the session belongs to another user than the one in the path', async () => {
      const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      const user = await signedIn(ctx.server, ctx.api);
      const other = await signedIn(ctx.server, ctx.api);
      expect((await revoke(user.id, sidOf(other), admin.token)).status).toBe(404);
      expect((await validate(other.token)).status).toBe(200);
    });

    it('answers 404 for an unknown session and 400 for a malformed id', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      expect((await revoke(user.id, randomUUID(), user.token)).status).toBe(404);
      expect((await revoke(user.id, 'not-a-uuid', user.token)).status).toBe(400);
    });

    it('needs a token', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      expect((await revoke(user.id, sidOf(user))).status).toBe(401);
      expect((await validate(user.token)).status).toBe(200);
    });
  });

  describe('ending an account ends all of its sessions at once', () => {
    async function twoSessions(): Promise<SignedIn & { second: { token: string; refreshToken: string } }> {
      const user = await signedIn(ctx.server, ctx.api);
      return { ...user, second: await login(ctx.api, user) };
    }

    async function expectAllEnded(user: Awaited<ReturnType<typeof twoSessions>>) {
      for (const tokens of [user, user.second]) {
        expect((await validate(tokens.token)).status).toBe(401);
        expect((await refresh(tokens.refreshToken)).status).toBe(401);
      }
      expect(await liveSessionIds(user.id)).toEqual([]);
    }

    it('when an admin deactivates the user', async () => {
      const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      const user = await twoSessions();
      expect((await ctx.api.patch(`/v1/users/${user.id}`, { isActive: false }, { token: admin.token })).status).toBe(200);
      await expectAllEnded(user);
    });

    it('when a moderator deactivates the user', async () => {
      const moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
      const user = await twoSessions();
      expect((await ctx.api.patch(`/v1/users/${user.id}`, { isActive: false }, { token: moderator.token })).status).toBe(200);
      await expectAllEnded(user);
    });

    it('and reactivating does not bring the old sessions back', async () => {
      const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      const user = await twoSessions();
      await ctx.api.patch(`/v1/users/${user.id}`, { isActive: false }, { token: admin.token });
      expect((await ctx.api.patch(`/v1/users/${user.id}`, { isActive: true }, { token: admin.token })).status).toBe(200);
      await expectAllEnded(user);
      expect((await ctx.api.post('/v1/auth/login', { username: user.username, password: user.password })).status).toBe(200);
    });

    it('when an admin deletes the user', async () => {
      const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      const user = await twoSessions();
      expect((await ctx.api.delete(`/v1/users/${user.id}`, { token: admin.token })).status).toBe(204);
      await expectAllEnded(user);
      expect((await ctx.api.post('/v1/auth/login', { username: user.username, password: user.password })).status).toBe(401);
    });

    it('when the user deletes themselves', async () => {
      const user = await twoSessions();
      expect((await ctx.api.delete(`/v1/users/${user.id}`, { token: user.token })).status).toBe(204);
      await expectAllEnded(user);
    });

    it('but an unrelated profile change by an admin keeps the sessions', async () => {
      const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      const user = await twoSessions();
      expect((await ctx.api.patch(`/v1/users/${user.id}`, { firstName: 'Renamed' }, { token: admin.token })).status).toBe(200);
      expect((await validate(user.token)).status).toBe(200);
      expect((await validate(user.second.token)).status).toBe(200);
    });

    it('a promotion takes effect on the next request with the same token; a demotion ends the session', async () => {
      const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      const user = await signedIn(ctx.server, ctx.api);
      expect((await ctx.api.get('/v1/users', { token: user.token })).status).toBe(403);
      expect((await ctx.api.patch(`/v1/users/${user.id}`, { role: 'moderator' }, { token: admin.token })).status).toBe(200);
      expect((await ctx.api.get('/v1/users', { token: user.token })).status).toBe(200);
      expect((await validate(user.token)).body.user.role).toBe('moderator');
      expect((await ctx.api.patch(`/v1/users/${user.id}`, { role: 'user' }, { token: admin.token })).status).toBe(200);
      // Losing rights renews the security stamp: the token minted with the higher role is dead.
      expect((await ctx.api.get('/v1/users', { token: user.token })).status).toBe(401);
    });
  });
});
