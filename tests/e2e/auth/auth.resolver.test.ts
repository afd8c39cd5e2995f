import { randomUUID } from 'node:crypto';
import { UserRole } from '../../../src/users/user-role';
import { decodeToken, forgeFrom, signWithServerSecret, sql, tamperSignature, unsignedToken } from '../../support/auth';
import { DEFAULT_PASSWORD, login, seedUser, signedIn } from '../../support/factories';
import type { GraphQLErrorShape } from '../../support/http';
import type { TestServer } from '../../support/test-server';
import { useTestServer } from '../../support/use-test-server';

const LOGIN = `mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) { accessToken refreshToken tokenType expiresIn user { id username role lastLoginAt } }
}`;
const REFRESH = 'mutation Refresh($token: String!) { refreshToken(refreshToken: $token) { accessToken refreshToken tokenType expiresIn user { id } } }';
const ME = '{ me { id username } }';

describe('GraphQL authentication and sessions', () => {
  const ctx = useTestServer();

  /** POST /graphql with any Authorization header. */
  async function gqlWithHeader(query: string, authorization: string, variables: Record<string, unknown> = {}) {
    const response = await ctx.api.request<{ data?: any; errors?: GraphQLErrorShape[] }>('POST', '/graphql', { body: { query, variables }, headers: { authorization } });
    return { status: response.status, data: response.body.data, errors: response.body.errors };
  }
  const codeOf = (response: { errors?: GraphQLErrorShape[] }) => response.errors?.[0]?.extensions.code;
  const meWorks = async (token: string) => (await ctx.api.graphql(ME, {}, token)).data?.me != null;

  describe('login', () => {
    it('returns an AuthPayload with the user and sets lastLoginAt', async () => {
      const user = await seedUser(ctx.server);
      const response = await ctx.api.graphql(LOGIN, { username: user.email.toUpperCase(), password: user.password });
      expect(response.errors).toBeUndefined();
      const payload = response.data.login;
      expect(payload).toMatchObject({ tokenType: 'Bearer', expiresIn: ctx.server.config.jwt.accessTokenTtlSeconds, user: { id: user.id, username: user.username, role: 'USER' } });
      expect(Date.parse(payload.user.lastLoginAt)).not.toBeNaN();
      expect(decodeToken(payload.accessToken)).toMatchObject({ sub: user.id, type: 'access', role: 'user' });
      expect(decodeToken(payload.refreshToken)).toMatchObject({ sub: user.id, type: 'refresh' });
      expect(await meWorks(payload.accessToken)).toBe(true);
      const [session] = await sql(ctx.server, 'select id, token_hash from sessions where user_id = ?', [user.id]);
      expect(session.id).toBe(decodeToken(payload.accessToken).sid);
      expect(session.token_hash).not.toBe(payload.refreshToken);
    });

    it('answers unknown user, wrong password, deactivated and deleted accounts with one identical error', async () => {
      const active = await seedUser(ctx.server);
      const deactivated = await seedUser(ctx.server, { isActive: false });
      const deleted = await seedUser(ctx.server);
      await sql(ctx.server, 'update users set deleted_at = now(), is_active = false where id = ?', [deleted.id]);
      const attempts = [
        { username: `nobody_${randomUUID().slice(0, 8)}`, password: DEFAULT_PASSWORD },
        { username: active.username, password: 'Wrong-passw0rd!' },
        { username: deactivated.username, password: deactivated.password },
        { username: deleted.username, password: deleted.password },
      ];
      const responses = [];
      for (const attempt of attempts) responses.push(await ctx.api.graphql(LOGIN, attempt));
      for (const response of responses) {
        expect(response.data).toBeNull();
        // Identical but for the request id, which names each request.
        const withoutRequestId = (errors: typeof response.errors) => errors?.map(({ extensions: { requestId: _id, ...extensions }, ...rest }) => ({ ...rest, extensions }));
        expect(withoutRequestId(response.errors)).toEqual(withoutRequestId(responses[0].errors));
      }
      expect(responses[0].errors).toEqual([expect.objectContaining({ message: 'Invalid username or password.', path: ['login'], extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);
    });
  });

  describe('bad tokens are UNAUTHENTICATED', () => {
    it('the real token works (control)', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      expect(await meWorks(user.token)).toBe(true);
    });

    it.each<[string, (server: TestServer, token: string, refreshToken: string) => string]>([
      ['expired', (s, token) => `Bearer ${forgeFrom(s, token, { iat: Math.floor(Date.now() / 1000) - 120, exp: Math.floor(Date.now() / 1000) - 60 })}`],
      ['tampered signature', (_s, token) => `Bearer ${tamperSignature(token)}`],
      ['alg none', (_s, token) => `Bearer ${unsignedToken(decodeToken(token))}`],
      [
        'HS512 on an HS256 server',
        (s, token) => {
          const { iat: _iat, exp: _exp, ...claims } = decodeToken(token);
          return `Bearer ${signWithServerSecret(s, claims, { algorithm: 'HS512', expiresIn: 600 })}`;
        },
      ],
      ['refresh token as access token', (_s, _token, refreshToken) => `Bearer ${refreshToken}`],
      ['"Bearer x"', () => 'Bearer x'],
      ['"Basic abc"', () => 'Basic abc'],
    ])('%s', async (_label, header) => {
      const user = await signedIn(ctx.server, ctx.api);
      const response = await gqlWithHeader(ME, header(ctx.server, user.token, user.refreshToken));
      expect(response.status).toBe(401);
      expect(response.data ?? null).toBeNull();
      expect(codeOf(response)).toBe('UNAUTHENTICATED');
    });

    it('an anonymous call to a protected field is UNAUTHENTICATED', async () => {
      const response = await ctx.api.graphql(ME);
      expect(response.data).toBeNull();
      expect(codeOf(response)).toBe('UNAUTHENTICATED');
    });
  });

  describe('refreshToken', () => {
    it('returns a new working pair for the same session', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const response = await ctx.api.graphql(REFRESH, { token: user.refreshToken });
      expect(response.errors).toBeUndefined();
      expect(response.data.refreshToken).toMatchObject({ tokenType: 'Bearer', user: { id: user.id } });
      expect(decodeToken(response.data.refreshToken.accessToken).sid).toBe(decodeToken(user.token).sid);
      expect(await meWorks(response.data.refreshToken.accessToken)).toBe(true);
    });

    it('refuses the just-rotated token but keeps the session', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const next = (await ctx.api.graphql(REFRESH, { token: user.refreshToken })).data.refreshToken;
      expect(codeOf(await ctx.api.graphql(REFRESH, { token: user.refreshToken }))).toBe('UNAUTHENTICATED');
      expect(await meWorks(next.accessToken)).toBe(true);
    });

    it('revokes the whole session when a token two rotations old comes back', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const second = (await ctx.api.graphql(REFRESH, { token: user.refreshToken })).data.refreshToken;
      const third = (await ctx.api.graphql(REFRESH, { token: second.refreshToken })).data.refreshToken;
      const reuse = await ctx.api.graphql(REFRESH, { token: user.refreshToken });
      expect(reuse.data).toBeNull();
      expect(codeOf(reuse)).toBe('UNAUTHENTICATED');
      expect(await meWorks(third.accessToken)).toBe(false);
      expect(codeOf(await ctx.api.graphql(REFRESH, { token: third.refreshToken }))).toBe('UNAUTHENTICATED');
      expect(await sql(ctx.server, "select 1 from audit_logs where action = 'auth.refresh_reuse_detected' and user_id = ?", [user.id])).toHaveLength(1);
    });
  });

  describe('logout and logoutAll', () => {
    it('logout ends the current session only', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const other = await login(ctx.api, user);
      const response = await ctx.api.graphql('mutation { logout }', {}, user.token);
      expect(response).toMatchObject({ data: { logout: true } });
      expect(response.errors).toBeUndefined();
      expect(await meWorks(user.token)).toBe(false);
      expect(codeOf(await ctx.api.graphql(REFRESH, { token: user.refreshToken }))).toBe('UNAUTHENTICATED');
      expect(await meWorks(other.token)).toBe(true);
    });

    it('logoutAll ends every session and says how many', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const other = await login(ctx.api, user);
      const response = await ctx.api.graphql('mutation { logoutAll }', {}, user.token);
      expect(response.data).toEqual({ logoutAll: 2 });
      expect(await meWorks(user.token)).toBe(false);
      expect(await meWorks(other.token)).toBe(false);
    });

    it('both need a signed-in caller', async () => {
      expect(codeOf(await ctx.api.graphql('mutation { logout }'))).toBe('UNAUTHENTICATED');
      expect(codeOf(await ctx.api.graphql('mutation { logoutAll }'))).toBe('UNAUTHENTICATED');
    });
  });

  describe('sessions, revokeSession and User.sessions', () => {
    const SESSIONS = 'query($userId: UUID!) { sessions(userId: $userId) { id ipAddress userAgent createdAt lastUsedAt expiresAt } }';
    const REVOKE = 'mutation($id: UUID!) { revokeSession(id: $id) }';
    const sidOf = (user: { token: string }) => decodeToken(user.token).sid as string;

    it('lists the owner’s sessions to the owner and to an admin', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      for (const token of [user.token, admin.token]) {
        const response = await ctx.api.graphql(SESSIONS, { userId: user.id }, token);
        expect(response.errors).toBeUndefined();
        expect(response.data.sessions).toEqual([expect.objectContaining({ id: sidOf(user), ipAddress: expect.stringMatching(/127\.0\.0\.1/) })]);
      }
    });

    it('refuses a moderator with FORBIDDEN and a plain user with NOT_FOUND', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
      const other = await signedIn(ctx.server, ctx.api);
      expect(codeOf(await ctx.api.graphql(SESSIONS, { userId: user.id }, moderator.token))).toBe('FORBIDDEN');
      expect(codeOf(await ctx.api.graphql(SESSIONS, { userId: user.id }, other.token))).toBe('NOT_FOUND');
      expect(codeOf(await ctx.api.graphql(SESSIONS, { userId: user.id }))).toBe('UNAUTHENTICATED');
    });

    it('revokeSession ends a session for the owner; its access token stops working', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const phone = await login(ctx.api, user);
      const response = await ctx.api.graphql(REVOKE, { id: sidOf(phone) }, user.token);
      expect(response.data).toEqual({ revokeSession: true });
      expect(await meWorks(phone.token)).toBe(false);
      expect(await meWorks(user.token)).toBe(true);
    });

    it('revokeSession: admin may, moderator FORBIDDEN, plain user NOT_FOUND, anonymous UNAUTHENTICATED', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
      const other = await signedIn(ctx.server, ctx.api);
      const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      expect(codeOf(await ctx.api.graphql(REVOKE, { id: sidOf(user) }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await ctx.api.graphql(REVOKE, { id: sidOf(user) }, moderator.token))).toBe('FORBIDDEN');
      expect(codeOf(await ctx.api.graphql(REVOKE, { id: sidOf(user) }, other.token))).toBe('NOT_FOUND');
      expect(codeOf(await ctx.api.graphql(REVOKE, { id: randomUUID() }, other.token))).toBe('NOT_FOUND');
      expect(await meWorks(user.token)).toBe(true);
      expect((await ctx.api.graphql(REVOKE, { id: sidOf(user) }, admin.token)).data).toEqual({ revokeSession: true });
      expect(await meWorks(user.token)).toBe(false);
    });

    it('User.sessions is shown to the user and to admins', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      const own = await ctx.api.graphql('{ me { sessions { id } } }', {}, user.token);
      expect(own.data.me.sessions).toEqual([{ id: sidOf(user) }]);
      const byAdmin = await ctx.api.graphql('query($id: UUID!) { user(id: $id) { id sessions { id } } }', { id: user.id }, admin.token);
      expect(byAdmin.errors).toBeUndefined();
      expect(byAdmin.data.user.sessions).toEqual([{ id: sidOf(user) }]);
    });

    it('User.sessions of someone else is FORBIDDEN to a moderator, while the rest of the user is returned', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
      const response = await ctx.api.graphql('query($id: UUID!) { user(id: $id) { id sessions { id } } }', { id: user.id }, moderator.token);
      expect(response.data.user).toEqual({ id: user.id, sessions: null });
      expect(response.errors).toEqual([expect.objectContaining({ path: ['user', 'sessions'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
    });

    it('User.sessions inside a users listing shows a moderator only their own', async () => {
      const moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
      await signedIn(ctx.server, ctx.api);
      const response = await ctx.api.graphql('{ users(first: 100) { edges { node { id sessions { id } } } } }', {}, moderator.token);
      const nodes = response.data.users.edges.map((edge: { node: { id: string; sessions: unknown } }) => edge.node);
      expect(nodes.find((node: { id: string }) => node.id === moderator.id).sessions).toEqual([{ id: sidOf(moderator) }]);
      const others = nodes.filter((node: { id: string }) => node.id !== moderator.id);
      expect(others.length).toBeGreaterThan(0);
      for (const node of others) expect(node.sessions).toBeNull();
      expect(response.errors?.every((error) => error.extensions.code === 'FORBIDDEN')).toBe(true);
      expect(response.errors).toHaveLength(others.length);
    });
  });

  describe('changePassword and ending accounts', () => {
    const CHANGE = 'mutation($userId: UUID!, $input: ChangePasswordInput!) { changePassword(userId: $userId, input: $input) }';

    it('changes the password, keeps the current session and ends the others', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const other = await login(ctx.api, user);
      const response = await ctx.api.graphql(CHANGE, { userId: user.id, input: { currentPassword: user.password, newPassword: 'Graph-ql-passw0rd!' } }, user.token);
      expect(response.data).toEqual({ changePassword: true });
      expect(await meWorks(user.token)).toBe(true);
      expect(await meWorks(other.token)).toBe(false);
      expect(codeOf(await ctx.api.graphql(LOGIN, { username: user.username, password: user.password }))).toBe('UNAUTHENTICATED');
      expect((await ctx.api.graphql(LOGIN, { username: user.username, password: 'Graph-ql-passw0rd!' })).data.login.user.id).toBe(user.id);
    });

    it('refuses a wrong current password and a recent password with BAD_USER_INPUT', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const wrong = await ctx.api.graphql(CHANGE, { userId: user.id, input: { currentPassword: 'Wrong-passw0rd!', newPassword: 'Graph-ql-passw0rd!' } }, user.token);
      expect(codeOf(wrong)).toBe('BAD_USER_INPUT');
      expect(wrong.errors?.[0].extensions.errors).toEqual([{ field: 'currentPassword', message: expect.any(String) }]);
      const reused = await ctx.api.graphql(CHANGE, { userId: user.id, input: { currentPassword: user.password, newPassword: user.password } }, user.token);
      expect(codeOf(reused)).toBe('BAD_USER_INPUT');
      expect(await meWorks(user.token)).toBe(true);
    });

    it('deactivating a user through updateUser ends their sessions at once', async () => {
      const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      const user = await signedIn(ctx.server, ctx.api);
      const response = await ctx.api.graphql('mutation($id: UUID!) { updateUser(id: $id, input: { isActive: false }) { isActive } }', { id: user.id }, admin.token);
      expect(response.data).toEqual({ updateUser: { isActive: false } });
      expect(await meWorks(user.token)).toBe(false);
      expect(codeOf(await ctx.api.graphql(REFRESH, { token: user.refreshToken }))).toBe('UNAUTHENTICATED');
    });

    it('deleting a user through deleteUser ends their sessions at once', async () => {
      const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      const user = await signedIn(ctx.server, ctx.api);
      expect((await ctx.api.graphql('mutation($id: UUID!) { deleteUser(id: $id) }', { id: user.id }, admin.token)).data).toEqual({ deleteUser: true });
      expect(await meWorks(user.token)).toBe(false);
      expect(await sql(ctx.server, 'select 1 from sessions where user_id = ?', [user.id])).toEqual([]);
    });
  });
});
