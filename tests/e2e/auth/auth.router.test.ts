import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { UserRole } from '../../../src/users/user-role';
import { hashToken } from '../../../src/auth/tokens/token.hasher';
import { decodeToken, forgeFrom, signWithServerSecret, sql, stableProblem, tamperPayload, tamperSignature, unsignedToken } from '../../support/auth';
import { login, seedUser, signedIn } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

describe('REST /v1/auth', () => {
  const ctx = useTestServer();

  const validate = (token: string) => ctx.api.get('/v1/auth/validate', { token });
  const refresh = (refreshToken: string) => ctx.api.post('/v1/auth/refresh', { refreshToken });
  const sessionRows = (userId: string) => sql(ctx.server, 'select id, token_hash, previous_token_hash from sessions where user_id = ? order by created_at', [userId]);

  describe('POST /v1/auth/login', () => {
    it('returns a bearer token pair for the username', async () => {
      const user = await seedUser(ctx.server);
      const response = await ctx.api.post('/v1/auth/login', { username: user.username, password: user.password });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: ctx.server.config.jwt.accessTokenTtlSeconds,
      });
      expect((await validate(response.body.accessToken)).status).toBe(200);
    });

    it.each([
      ['the username in upper case', (u: { username: string; email: string }) => u.username.toUpperCase()],
      ['the email', (u: { username: string; email: string }) => u.email],
      ['the email in mixed case', (u: { username: string; email: string }) => u.email.replace(/^./, (c) => c.toUpperCase()).replace('example', 'EXAMPLE')],
    ])('accepts %s', async (_label, loginOf) => {
      const user = await seedUser(ctx.server);
      const response = await ctx.api.post('/v1/auth/login', { username: loginOf(user), password: user.password });
      expect(response.status).toBe(200);
      expect(decodeToken(response.body.accessToken).sub).toBe(user.id);
    });

    it('puts the documented claims in the access token and type "refresh" in the refresh token', async () => {
      const user = await seedUser(ctx.server, { role: UserRole.MODERATOR });
      const { token, refreshToken } = await login(ctx.api, user);
      const access = decodeToken(token);
      expect(access).toEqual({
        sub: user.id,
        username: user.username,
        role: 'moderator',
        type: 'access',
        iat: expect.any(Number),
        exp: expect.any(Number),
        jti: expect.any(String),
        sid: expect.any(String),
        // How and when the user signed in (issue 16): a password, just now.
        amr: ['pwd'],
        auth_time: expect.any(Number),
      });
      expect(access.iat! - (access.auth_time as number)).toBeGreaterThanOrEqual(0);
      expect(access.iat! - (access.auth_time as number)).toBeLessThanOrEqual(2);
      expect(access.exp! - access.iat!).toBe(ctx.server.config.jwt.accessTokenTtlSeconds);
      expect(jwt.decode(token, { complete: true })?.header.alg).toBe('HS256');
      // Verifies with the server's secret: a real signature, not just a well-formed token.
      expect(() => jwt.verify(token, ctx.server.config.jwt.secret, { algorithms: ['HS256'] })).not.toThrow();

      const refreshClaims = decodeToken(refreshToken);
      expect(refreshClaims).toMatchObject({ sub: user.id, type: 'refresh', sid: access.sid });
      expect(refreshClaims.jti).not.toBe(access.jti);
      expect(refreshClaims.exp! - refreshClaims.iat!).toBe(ctx.server.config.jwt.refreshTokenTtlSeconds);
    });

    it('updates lastLoginAt and stores the session with a hash of the refresh token, never the token', async () => {
      const user = await seedUser(ctx.server);
      const [before] = await sql(ctx.server, 'select last_login_at from users where id = ?', [user.id]);
      expect(before.last_login_at).toBeNull();

      const { token, refreshToken } = await login(ctx.api, user);
      const [after] = await sql(ctx.server, 'select last_login_at from users where id = ?', [user.id]);
      expect(after.last_login_at).not.toBeNull();
      expect(Math.abs(new Date(after.last_login_at).getTime() - Date.now())).toBeLessThan(60_000);

      const rows = await sql(ctx.server, 'select * from sessions where user_id = ?', [user.id]);
      expect(rows).toHaveLength(1);
      expect(rows[0].id).toBe(decodeToken(token).sid);
      expect(rows[0].token_hash).not.toBe(refreshToken);
      expect(rows[0].token_hash).toBe(hashToken(refreshToken));
      expect(rows[0].ip_address).toMatch(/127\.0\.0\.1/);
      expect(JSON.stringify(rows)).not.toContain(refreshToken);
      expect(new Date(rows[0].expires_at).getTime()).toBe(decodeToken(refreshToken).exp! * 1000);
    });

    it('opens a separate session for every login', async () => {
      const user = await seedUser(ctx.server);
      const first = await login(ctx.api, user);
      const second = await login(ctx.api, user);
      expect(decodeToken(first.token).sid).not.toBe(decodeToken(second.token).sid);
      expect(await sessionRows(user.id)).toHaveLength(2);
    });

    it('writes an auth.login audit row, and auth.login_failed for a wrong password', async () => {
      const user = await seedUser(ctx.server);
      await ctx.api.post('/v1/auth/login', { username: user.username, password: 'Wrong-passw0rd!' });
      const { token } = await login(ctx.api, user);
      const rows = await sql(ctx.server, 'select action, entity_id from audit_logs where user_id = ? order by created_at', [user.id]);
      expect(rows.map((row) => row.action)).toEqual(['auth.login_failed', 'auth.login']);
      expect(rows[1].entity_id).toBe(decodeToken(token).sid);
    });

    it('answers unknown user, wrong password, deactivated and deleted accounts identically', async () => {
      const active = await seedUser(ctx.server);
      const deactivated = await seedUser(ctx.server, { isActive: false });
      const deleted = await seedUser(ctx.server);
      await sql(ctx.server, 'update users set deleted_at = now(), is_active = false where id = ?', [deleted.id]);

      const attempts = [
        { username: `nobody_${randomUUID().slice(0, 8)}`, password: active.password },
        { username: active.username, password: 'Wrong-passw0rd!' },
        { username: deactivated.username, password: deactivated.password },
        { username: deleted.username, password: deleted.password },
        { username: deleted.email, password: deleted.password },
      ];
      const responses = [];
      for (const attempt of attempts) responses.push(await ctx.api.post('/v1/auth/login', attempt));

      for (const response of responses) {
        expect(response.status).toBe(401);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(response.headers.get('www-authenticate')).toBe(responses[0].headers.get('www-authenticate'));
        expect(stableProblem(response)).toEqual(stableProblem(responses[0]));
      }
      expect(stableProblem(responses[0])).toEqual({
        type: '/problems/unauthenticated',
        title: 'Authentication required',
        status: 401,
        detail: 'Invalid username or password.',
      });
      expect(await sql(ctx.server, 'select * from sessions where user_id in (?, ?, ?)', [active.id, deactivated.id, deleted.id])).toEqual([]);
    });

    it.each([
      ['a missing password', { username: 'someone' }],
      ['an empty username', { username: '', password: 'x' }],
      ['a non-string password', { username: 'someone', password: 12345678 }],
      ['an unknown field', { username: 'someone', password: 'x', remember: true }],
    ])('rejects %s with 422', async (_label, body) => {
      const response = await ctx.api.post('/v1/auth/login', body);
      expect(response.status).toBe(422);
      expect(response.body.type).toBe('/problems/validation-failed');
    });

    it('rejects a body that is not JSON with 400', async () => {
      const response = await ctx.api.request('POST', '/v1/auth/login', { rawBody: 'username=a&password=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(response.status).toBe(400);
    });
  });

  describe('bearer token checks', () => {
    const expectRejected = async (authorization: string) => {
      const response = await ctx.api.get('/v1/auth/validate', { headers: { authorization } });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
      expect(response.body).toMatchObject({ status: 401, type: '/problems/unauthenticated' });
      return response;
    };

    it('accepts the real token (control for the cases below)', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      expect((await validate(user.token)).status).toBe(200);
      // The same claims, re-signed with the server's secret, are accepted too: the rejections below are about the one defect each.
      expect((await validate(forgeFrom(ctx.server, user.token, {}))).status).toBe(200);
    });

    it('rejects a request without a token on a protected route, with a bare Bearer challenge', async () => {
      const response = await ctx.api.get('/v1/auth/validate');
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="user-api"');
    });

    it('rejects an expired token', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const past = Math.floor(Date.now() / 1000) - 60;
      const expired = forgeFrom(ctx.server, user.token, { iat: past - 900, exp: past });
      const response = await expectRejected(`Bearer ${expired}`);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(response.body.detail).toMatch(/expired/i);
    });

    it('rejects a token with a tampered signature', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      await expectRejected(`Bearer ${tamperSignature(user.token)}`);
    });

    it('rejects a token whose payload was changed after signing', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      await expectRejected(`Bearer ${tamperPayload(user.token, { role: 'admin' })}`);
    });

    it('rejects alg "none" with no signature', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      await expectRejected(`Bearer ${unsignedToken(decodeToken(user.token))}`);
    });

    it('rejects a token signed with HS512 while the server uses HS256', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const { iat: _iat, exp: _exp, ...claims } = decodeToken(user.token);
      await expectRejected(`Bearer ${signWithServerSecret(ctx.server, claims, { algorithm: 'HS512', expiresIn: 600 })}`);
    });

    it('rejects a token signed with another secret', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const { iat: _iat, exp: _exp, ...claims } = decodeToken(user.token);
      await expectRejected(`Bearer ${jwt.sign(claims, 'another-secret-of-at-least-32-characters!', { algorithm: 'HS256', expiresIn: 600 })}`);
    });

    it('rejects a refresh token used as an access token', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      await expectRejected(`Bearer ${user.refreshToken}`);
    });

    it('rejects an access token for a session that does not exist', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      await expectRejected(`Bearer ${forgeFrom(ctx.server, user.token, { sid: randomUUID() })}`);
    });

    it('rejects an access token whose subject is not the session owner', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const other = await seedUser(ctx.server);
      await expectRejected(`Bearer ${forgeFrom(ctx.server, user.token, { sub: other.id, username: other.username })}`);
    });

    it.each(['Bearer x', 'Basic abc', 'Bearer', 'Bearer  two spaces', 'Token abc.def.ghi'])('rejects the header "%s"', async (header) => {
      await expectRejected(header);
    });

    it('rejects a bad token even on a route that allows anonymous callers', async () => {
      const user = await seedUser(ctx.server);
      const response = await ctx.api.post('/v1/auth/login', { username: user.username, password: user.password }, { headers: { authorization: 'Bearer x' } });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });
  });

  describe('GET /v1/auth/validate', () => {
    it('describes the caller and the session', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      const claims = decodeToken(user.token);
      const response = await validate(user.token);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        valid: true,
        user: { id: user.id, username: user.username, role: 'admin' },
        sessionId: claims.sid,
        expiresAt: new Date(claims.exp! * 1000).toISOString(),
      });
    });
  });

  describe('POST /v1/auth/refresh', () => {
    it('returns a new pair for the same session, and the new tokens work', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const response = await refresh(user.refreshToken);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.body).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), tokenType: 'Bearer', expiresIn: ctx.server.config.jwt.accessTokenTtlSeconds });
      expect(response.body.refreshToken).not.toBe(user.refreshToken);
      expect(response.body.accessToken).not.toBe(user.token);
      expect(decodeToken(response.body.accessToken).sid).toBe(decodeToken(user.token).sid);
      expect((await validate(response.body.accessToken)).status).toBe(200);

      const [row] = await sessionRows(user.id);
      expect(row.token_hash).toBe(hashToken(response.body.refreshToken));
      expect(row.previous_token_hash).toBe(hashToken(user.refreshToken));
      expect((await refresh(response.body.refreshToken)).status).toBe(200);
    });

    it('refuses the immediately previous token right after rotation, but keeps the session (client race)', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const rotated = await refresh(user.refreshToken);
      expect(rotated.status).toBe(200);

      const again = await refresh(user.refreshToken);
      expect(again.status).toBe(401);
      expect(again.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await sessionRows(user.id)).toHaveLength(1);
      expect((await validate(rotated.body.accessToken)).status).toBe(200);
      expect((await refresh(rotated.body.refreshToken)).status).toBe(200);
      expect(await sql(ctx.server, "select 1 from audit_logs where action = 'auth.refresh_reuse_detected' and user_id = ?", [user.id])).toHaveLength(0);
    });

    it('treats a token two rotations old as theft: 401, the whole session is revoked and audited', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const sessionId = decodeToken(user.token).sid;
      const second = await refresh(user.refreshToken);
      const third = await refresh(second.body.refreshToken);
      expect(third.status).toBe(200);
      expect((await validate(third.body.accessToken)).status).toBe(200);

      const reuse = await refresh(user.refreshToken);
      expect(reuse.status).toBe(401);
      expect(await sessionRows(user.id)).toHaveLength(0);
      expect((await validate(third.body.accessToken)).status).toBe(401);
      expect((await refresh(third.body.refreshToken)).status).toBe(401);

      const audit = await sql(ctx.server, "select user_id, entity_type, entity_id from audit_logs where action = 'auth.refresh_reuse_detected' and entity_id = ?", [sessionId]);
      expect(audit).toEqual([{ user_id: user.id, entity_type: 'session', entity_id: sessionId }]);
    });

    it('treats the immediately previous token as theft once the grace period is over', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const rotated = await refresh(user.refreshToken);
      expect(rotated.status).toBe(200);
      // As if the rotation had happened a minute ago, well past the 10 s allowed for a client race.
      await sql(ctx.server, "update sessions set rotated_at = now() - interval '1 minute' where user_id = ?", [user.id]);

      expect((await refresh(user.refreshToken)).status).toBe(401);
      expect(await sessionRows(user.id)).toHaveLength(0);
      expect((await validate(rotated.body.accessToken)).status).toBe(401);
      expect(await sql(ctx.server, "select 1 from audit_logs where action = 'auth.refresh_reuse_detected' and user_id = ?", [user.id])).toHaveLength(1);
    });

    it('revoking one session for reuse leaves the user’s other sessions alone', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const other = await login(ctx.api, user);
      const second = await refresh(user.refreshToken);
      await refresh(second.body.refreshToken);
      expect((await refresh(user.refreshToken)).status).toBe(401);
      expect((await validate(other.token)).status).toBe(200);
    });

    it('lets exactly one of several parallel refreshes with one token win, without revoking the session', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const responses = await Promise.all(Array.from({ length: 6 }, () => refresh(user.refreshToken)));
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([200, 401, 401, 401, 401, 401]);
      const winner = responses.find((response) => response.status === 200)!;
      expect((await validate(winner.body.accessToken)).status).toBe(200);
      expect((await refresh(winner.body.refreshToken)).status).toBe(200);
    });

    it('rejects an access token presented as a refresh token', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const response = await refresh(user.token);
      expect(response.status).toBe(401);
      expect(await sessionRows(user.id)).toHaveLength(1);
    });

    it('rejects a tampered, expired or alg-none refresh token', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const past = Math.floor(Date.now() / 1000) - 60;
      expect((await refresh(tamperSignature(user.refreshToken))).status).toBe(401);
      expect((await refresh(forgeFrom(ctx.server, user.refreshToken, { iat: past - 60, exp: past }))).status).toBe(401);
      expect((await refresh(unsignedToken(decodeToken(user.refreshToken)))).status).toBe(401);
      // None of those counted as reuse of the real token.
      expect((await refresh(user.refreshToken)).status).toBe(200);
    });

    it('rejects a missing or malformed body', async () => {
      expect((await ctx.api.post('/v1/auth/refresh', {})).status).toBe(422);
      expect((await ctx.api.post('/v1/auth/refresh', { refreshToken: 'garbage' })).status).toBe(401);
    });

    it('refuses to refresh once the user is deactivated', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      await sql(ctx.server, 'update users set is_active = false where id = ?', [user.id]);
      expect((await refresh(user.refreshToken)).status).toBe(401);
      expect((await validate(user.token)).status).toBe(401);
    });
  });

  describe('POST /v1/auth/logout', () => {
    it('ends the current session: its access and refresh tokens stop working, other sessions go on', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const other = await login(ctx.api, user);

      const response = await ctx.api.post('/v1/auth/logout', undefined, { token: user.token });
      expect(response.status).toBe(204);
      expect(response.text).toBe('');

      expect((await validate(user.token)).status).toBe(401);
      expect((await refresh(user.refreshToken)).status).toBe(401);
      expect((await validate(other.token)).status).toBe(200);
      expect((await refresh(other.refreshToken)).status).toBe(200);
      expect((await sessionRows(user.id)).map((row) => row.id)).toEqual([decodeToken(other.token).sid]);
    });

    it('blacklists the access token even if the session came back', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const [row] = await sql(ctx.server, 'select * from sessions where user_id = ?', [user.id]);
      expect((await ctx.api.post('/v1/auth/logout', undefined, { token: user.token })).status).toBe(204);
      await sql(
        ctx.server,
        'insert into sessions (id, user_id, token_hash, ip_address, user_agent, expires_at, security_stamp, created_at, last_used_at) values (?, ?, ?, ?, ?, ?, ?, now(), now())',
        [row.id, row.user_id, row.token_hash, row.ip_address, row.user_agent, row.expires_at, row.security_stamp],
      );
      expect((await validate(user.token)).status).toBe(401);
    });

    it('needs a token', async () => {
      const response = await ctx.api.post('/v1/auth/logout');
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="user-api"');
    });
  });

  describe('POST /v1/auth/logout-all', () => {
    it('ends every session of the caller and no one else’s', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const second = await login(ctx.api, user);
      const third = await login(ctx.api, user);
      const bystander = await signedIn(ctx.server, ctx.api);

      const response = await ctx.api.post('/v1/auth/logout-all', undefined, { token: second.token });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ sessionsEnded: 3 });

      for (const session of [user, second, third]) {
        expect((await validate(session.token)).status).toBe(401);
        expect((await refresh(session.refreshToken)).status).toBe(401);
      }
      expect(await sessionRows(user.id)).toHaveLength(0);
      expect((await validate(bystander.token)).status).toBe(200);
    });

    it('needs a token', async () => {
      expect((await ctx.api.post('/v1/auth/logout-all')).status).toBe(401);
    });
  });
});
