/*
 * Security regressions mapped to the OWASP API Security Top 10 (2023), one describe per item.
 *
 *   API1 Broken Object Level Authorization     another user's ids on every id route and nested field
 *   API2 Broken Authentication                 forged, swapped, expired, misused and orphaned tokens
 *   API3 Broken Object Property Level Auth.    mass assignment through POST, PUT, PATCH and GraphQL
 *   API4 Unrestricted Resource Consumption     page sizes, GraphQL depth/alias/cost/token limits, body
 *                                              size, header size, rate limits
 *   API5 Broken Function Level Authorization   every admin (and moderator) operation tried by lesser roles
 *   API7 Server Side Request Forgery           see below
 *   API8 Security Misconfiguration             security headers, CORS, no X-Powered-By, no stack traces
 *
 * API7 (SSRF): the API makes no outbound requests derived from user input. No input carries a URL
 * (no avatar, webhook or callback fields); the only outbound network connections are PostgreSQL and
 * Redis (from configuration) and, when OTEL_EXPORTER_OTLP_ENDPOINT is set, the OTLP trace exporter
 * (also from configuration). The API7 tests below hold the source to that.
 *
 * API6 (sensitive business flows), API9 (inventory) and API10 (unsafe consumption of APIs) have
 * no surface here beyond what the other suites cover (sign-up rate limits, /openapi.json, no
 * third-party APIs consumed).
 */
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import jwt from 'jsonwebtoken';
import { UserRole } from '../../../src/users/user-role';
import { LEAK_PATTERN } from '../../support/abuse';
import { decodeToken, forgeFrom, signWithServerSecret, sql, tamperPayload, tamperSignature, unsignedToken } from '../../support/auth';
import { DEFAULT_PASSWORD, login, seedUser, signedIn, type SignedIn, userInput } from '../../support/factories';
import { ApiClient, type HttpResponse } from '../../support/http';
import { expectProblem, PUBLIC_USER_FIELDS } from '../../support/problem';
import { useTestServer } from '../../support/use-test-server';

const ROOT = join(__dirname, '..', '..', '..');

describe('OWASP API Security Top 10 (2023)', () => {
  const ctx = useTestServer({ LOG_LEVEL: 'warn' }, { admin: true });
  let moderator: SignedIn;
  /** The attacker: a plain user. */
  let alice: SignedIn;
  /** The victim: another plain user. */
  let bob: SignedIn;

  beforeAll(async () => {
    moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
    alice = await signedIn(ctx.server, ctx.api, UserRole.USER);
    bob = await signedIn(ctx.server, ctx.api, UserRole.USER);
  });

  /** Everything stored about a user, and their sessions and password history. */
  const snapshotOf = async (userId: string) => ({
    user: (await sql(ctx.server, 'select t::text as row from users t where id = ?', [userId]))[0]?.row,
    sessions: (await sql(ctx.server, 'select id, token_hash from sessions where user_id = ? order by id', [userId])).map((row) => `${row.id}:${row.token_hash}`),
    history: Number((await sql(ctx.server, 'select count(*) as n from password_history where user_id = ?', [userId]))[0].n),
  });
  const sidOf = (token: string) => decodeToken(token).sid as string;
  const graphqlCodes = (result: { errors?: { extensions: { code: string } }[] }) => (result.errors ?? []).map((error) => error.extensions.code);

  describe('API1:2023 Broken Object Level Authorization', () => {
    const restAttempts: [string, () => Promise<HttpResponse>, number][] = [
      ['GET /v1/users/{bob}', () => ctx.api.get(`/v1/users/${bob.id}`, { token: alice.token }), 404],
      ['PUT /v1/users/{bob}', () => ctx.api.put(`/v1/users/${bob.id}`, { username: `x${bob.username}`, email: `x${bob.email}`, firstName: 'Pwned', lastName: 'Pwned' }, { token: alice.token }), 404],
      ['PATCH /v1/users/{bob}', () => ctx.api.patch(`/v1/users/${bob.id}`, { firstName: 'Pwned' }, { token: alice.token }), 404],
      ['DELETE /v1/users/{bob}', () => ctx.api.delete(`/v1/users/${bob.id}`, { token: alice.token }), 404],
      ['POST /v1/users/{bob}/password', () => ctx.api.post(`/v1/users/${bob.id}/password`, { currentPassword: DEFAULT_PASSWORD, newPassword: 'Pwned-passw0rd!' }, { token: alice.token }), 404],
      ['GET /v1/users/{bob}/sessions', () => ctx.api.get(`/v1/users/${bob.id}/sessions`, { token: alice.token }), 404],
      ['DELETE /v1/users/{bob}/sessions/{bob session}', () => ctx.api.delete(`/v1/users/${bob.id}/sessions/${sidOf(bob.token)}`, { token: alice.token }), 404],
      ['DELETE /v1/users/{alice}/sessions/{bob session}', () => ctx.api.delete(`/v1/users/${alice.id}/sessions/${sidOf(bob.token)}`, { token: alice.token }), 404],
      ['GET /v1/users/{bob}/audit-logs', () => ctx.api.get(`/v1/users/${bob.id}/audit-logs`, { token: alice.token }), 403],
      // A moderator may read Bob, but not his sessions, profile, password or account.
      ['moderator: GET /v1/users/{bob}/sessions', () => ctx.api.get(`/v1/users/${bob.id}/sessions`, { token: moderator.token }), 403],
      ['moderator: PATCH /v1/users/{bob} profile', () => ctx.api.patch(`/v1/users/${bob.id}`, { firstName: 'Pwned' }, { token: moderator.token }), 403],
      ['moderator: DELETE /v1/users/{bob}', () => ctx.api.delete(`/v1/users/${bob.id}`, { token: moderator.token }), 403],
      ['moderator: POST /v1/users/{bob}/password', () => ctx.api.post(`/v1/users/${bob.id}/password`, { newPassword: 'Pwned-passw0rd!' }, { token: moderator.token }), 403],
      ['moderator: DELETE /v1/users/{bob}/sessions/{bob session}', () => ctx.api.delete(`/v1/users/${bob.id}/sessions/${sidOf(bob.token)}`, { token: moderator.token }), 403],
    ];

    it.each(restAttempts)('REST %s on another user is refused and changes nothing', async (_name, attempt, status) => {
      const before = await snapshotOf(bob.id);
      const response = await attempt();
      const problem = expectProblem(response, status);
      // A plain user cannot tell Bob exists: the same answer as for an id of nobody.
      if (status === 404) expect(problem.detail).toMatch(/not found/i);
      expect(response.text).not.toContain(bob.username);
      expect(await snapshotOf(bob.id)).toEqual(before);
    });

    const graphqlAttempts: [string, string, () => Record<string, unknown>, string][] = [
      ['user(id)', 'query($id: UUID!) { user(id: $id) { id email } }', () => ({ id: bob.id }), 'NOT_FOUND'],
      ['sessions(userId)', 'query($id: UUID!) { sessions(userId: $id) { id } }', () => ({ id: bob.id }), 'NOT_FOUND'],
      ['updateUser', 'mutation($id: UUID!) { updateUser(id: $id, input: { firstName: "Pwned" }) { id } }', () => ({ id: bob.id }), 'NOT_FOUND'],
      ['deleteUser', 'mutation($id: UUID!) { deleteUser(id: $id) }', () => ({ id: bob.id }), 'NOT_FOUND'],
      ['changePassword', 'mutation($id: UUID!) { changePassword(userId: $id, input: { currentPassword: "x", newPassword: "Pwned-passw0rd!" }) }', () => ({ id: bob.id }), 'NOT_FOUND'],
      ['revokeSession', 'mutation($id: UUID!) { revokeSession(id: $id) }', () => ({ id: sidOf(bob.token) }), 'NOT_FOUND'],
    ];

    it.each(graphqlAttempts)('GraphQL %s on another user is refused and changes nothing', async (_name, document, variables, code) => {
      const before = await snapshotOf(bob.id);
      const result = await ctx.api.graphql(document, variables(), alice.token);
      expect(graphqlCodes(result)).toEqual([code]);
      expect(JSON.stringify(result.data ?? null)).not.toContain(bob.id);
      expect(await snapshotOf(bob.id)).toEqual(before);
    });

    it('User.sessions is withheld from a moderator for every user but themselves, however it is reached', async () => {
      const direct = await ctx.api.graphql('query($id: UUID!) { user(id: $id) { id sessions { id } } }', { id: bob.id }, moderator.token);
      expect(direct.data.user).toEqual({ id: bob.id, sessions: null });
      expect(direct.errors).toEqual([expect.objectContaining({ path: ['user', 'sessions'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);

      const listed = await ctx.api.graphql('query { users(first: 100) { edges { node { id sessions { id } } } } }', {}, moderator.token);
      const nodes = listed.data.users.edges.map((edge: { node: { id: string; sessions: unknown } }) => edge.node);
      expect(nodes.length).toBeGreaterThanOrEqual(4);
      for (const node of nodes) {
        if (node.id === moderator.id) expect(node.sessions).toEqual([{ id: sidOf(moderator.token) }]);
        else expect(node.sessions).toBeNull();
      }
      expect(JSON.stringify(listed.data)).not.toContain(sidOf(bob.token));
    });

    it('User.auditLogs and AuditLog.user are withheld from non-admins, nested or not', async () => {
      for (const [who, token, document] of [
        ['moderator', moderator.token, `query { user(id: "${bob.id}") { id auditLogs { id action user { id sessions { id } } } } }`],
        ['user', alice.token, 'query { me { id auditLogs { id user { id email } } } }'],
        ['moderator', moderator.token, 'query { users(first: 10) { edges { node { auditLogs { user { id } } } } } }'],
      ] as const) {
        const result = await ctx.api.graphql(document, {}, token);
        expect({ who, codes: [...new Set(graphqlCodes(result))] }).toEqual({ who, codes: ['FORBIDDEN'] });
        expect(JSON.stringify(result.data ?? null)).not.toMatch(/"action"|"auditLogs":\[/);
      }
    });

    it('Bob is still whole: his token works and his sessions are intact', async () => {
      expect((await ctx.api.get('/v1/auth/validate', { token: bob.token })).status).toBe(200);
      expect((await sql(ctx.server, 'select count(*)::int as n from sessions where user_id = ?', [bob.id]))[0].n).toBe(1);
      expect((await sql(ctx.server, 'select first_name, deleted_at from users where id = ?', [bob.id]))[0]).toEqual({ first_name: 'Test', deleted_at: null });
    });
  });

  describe('API2:2023 Broken Authentication', () => {
    const claimsOf = (token: string) => decodeToken(token);
    const forged: [string, () => string][] = [
      ['alg none', () => unsignedToken({ ...claimsOf(alice.token), role: 'admin' })],
      ['alg NONE in capitals', () => `${Buffer.from(JSON.stringify({ alg: 'NONE', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claimsOf(alice.token))).toString('base64url')}.`],
      ['HS512 instead of HS256, same secret', () => signWithServerSecret(ctx.server, { ...claimsOf(alice.token), role: 'admin' }, { algorithm: 'HS512' })],
      ['HS384 instead of HS256, same secret', () => signWithServerSecret(ctx.server, claimsOf(alice.token), { algorithm: 'HS384' })],
      ['signed with another secret', () => jwt.sign({ ...claimsOf(alice.token), role: 'admin' }, 'another-secret-that-is-long-enough-to-pass-0123456789')],
      ['an RS256 header over an HMAC signature made with the server secret (key confusion)', () => {
        const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
        const signingInput = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ ...claimsOf(alice.token), role: 'admin' })}`;
        return `${signingInput}.${createHmac('sha256', ctx.server.config.jwt.secret).update(signingInput).digest('base64url')}`;
      }],
      ['expired', () => forgeFrom(ctx.server, alice.token, { iat: Math.floor(Date.now() / 1000) - 3600, exp: Math.floor(Date.now() / 1000) - 60 })],
      ['not yet valid', () => forgeFrom(ctx.server, alice.token, { nbf: Math.floor(Date.now() / 1000) + 3600 })],
      ['payload changed under the old signature (role: admin)', () => tamperPayload(alice.token, { role: 'admin' })],
      ['payload changed under the old signature (sub: admin)', () => tamperPayload(alice.token, { sub: ctx.admin.id })],
      ['signature changed', () => tamperSignature(alice.token)],
      ['no signature', () => alice.token.split('.').slice(0, 2).join('.')],
      ['the refresh token used as an access token', () => alice.refreshToken],
      ['an access token for a session that is not its user’s', () => forgeFrom(ctx.server, alice.token, { sid: sidOf(ctx.admin.token) })],
      ['an access token for a session that does not exist', () => forgeFrom(ctx.server, alice.token, { sid: '00000000-0000-4000-8000-000000000000' })],
      ['an access token without jti', () => signWithServerSecret(ctx.server, { sub: alice.id, username: alice.username, role: 'user', type: 'access', sid: sidOf(alice.token) }, { expiresIn: 600 })],
    ];

    it.each(forged)('REST and GraphQL refuse %s', async (_name, make) => {
      const token = make();
      const rest = await ctx.api.get('/v1/auth/validate', { headers: { authorization: `Bearer ${token}` } });
      expectProblem(rest, 401);
      expect(rest.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const graphql = await ctx.api.graphql('query { me { id role } }', {}, token);
      expect(graphqlCodes(graphql)).toEqual(['UNAUTHENTICATED']);
      expect(graphql.data ?? null).toBeNull();
      // And nothing an admin may do works with it.
      expectProblem(await ctx.api.get('/v1/audit-logs', { token }), 401);
    });

    it('refuses an access token presented as a refresh token, and a forged refresh token', async () => {
      expectProblem(await ctx.api.post('/v1/auth/refresh', { refreshToken: alice.token }), 401);
      expectProblem(await ctx.api.post('/v1/auth/refresh', { refreshToken: tamperSignature(alice.refreshToken) }), 401);
      expectProblem(await ctx.api.post('/v1/auth/refresh', { refreshToken: signWithServerSecret(ctx.server, { ...claimsOf(alice.refreshToken), sub: ctx.admin.id }) }), 401);
      expect((await ctx.api.get('/v1/auth/validate', { token: alice.token })).status).toBe(200);
    });

    it('refuses the tokens of a deleted user, a deactivated user, and a logged-out session', async () => {
      const deleted = await signedIn(ctx.server, ctx.api);
      const deactivated = await signedIn(ctx.server, ctx.api);
      const loggedOut = await signedIn(ctx.server, ctx.api);
      expect((await ctx.api.delete(`/v1/users/${deleted.id}`, { token: ctx.admin.token })).status).toBe(204);
      expect((await ctx.api.patch(`/v1/users/${deactivated.id}`, { isActive: false }, { token: ctx.admin.token })).status).toBe(200);
      expect((await ctx.api.post('/v1/auth/logout', undefined, { token: loggedOut.token })).status).toBe(204);
      for (const user of [deleted, deactivated, loggedOut]) {
        expectProblem(await ctx.api.get('/v1/auth/validate', { token: user.token }), 401);
        expect(graphqlCodes(await ctx.api.graphql('query { me { id } }', {}, user.token))).toEqual(['UNAUTHENTICATED']);
        expectProblem(await ctx.api.post('/v1/auth/refresh', { refreshToken: user.refreshToken }), 401);
      }
      // Nor can the deleted or deactivated user log in again.
      for (const user of [deleted, deactivated]) expectProblem(await ctx.api.post('/v1/auth/login', { username: user.username, password: user.password }), 401);
    });

    it('answers an unknown user and a wrong password identically', async () => {
      const unknown = await ctx.api.post('/v1/auth/login', { username: 'nobody_at_all', password: 'Wrong-passw0rd!' });
      const wrong = await ctx.api.post('/v1/auth/login', { username: bob.username, password: 'Wrong-passw0rd!' });
      expectProblem(unknown, 401);
      expectProblem(wrong, 401);
      expect({ ...unknown.body, requestId: null }).toEqual({ ...wrong.body, requestId: null });
    });
  });

  describe('API3:2023 Broken Object Property Level Authorization', () => {
    const privileged: [string, unknown, number][] = [
      ['role', 'admin', 403],
      ['isActive', false, 403],
      ['emailVerified', true, 403],
      ['id', '00000000-0000-4000-8000-000000000001', 422],
      ['createdAt', '2000-01-01T00:00:00.000Z', 422],
      ['updatedAt', '2000-01-01T00:00:00.000Z', 422],
      ['deletedAt', '2000-01-01T00:00:00.000Z', 422],
      ['lastLoginAt', '2000-01-01T00:00:00.000Z', 422],
      ['passwordHash', '$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g', 422],
      ['password_hash', 'x', 422],
      ['sessions', [], 422],
    ];

    it.each(privileged)('sign-up (POST /v1/users) with %s is refused and stores nothing', async (field, value, status) => {
      const input = userInput({ [field]: value });
      expectProblem(await ctx.api.post('/v1/users', input), status);
      expect(await sql(ctx.server, 'select id from users where lower(username) = lower(?)', [input.username])).toEqual([]);
    });

    it.each(privileged.filter(([field]) => field !== 'sessions'))('an admin creating a user with %s: stored only when it is a field admins may set', async (field, value, status) => {
      const input = userInput({ [field]: value });
      const response = await ctx.api.post('/v1/users', input, { token: ctx.admin.token });
      if (status === 403) {
        // Admins may set role and status; they are stored as asked.
        expect(response.status).toBe(201);
        expect(response.body[field]).toEqual(value);
      } else {
        expectProblem(response, 422);
        expect(await sql(ctx.server, 'select id from users where lower(username) = lower(?)', [input.username])).toEqual([]);
      }
    });

    it.each(privileged)('PATCH and PUT of yourself with %s are refused and change nothing', async (field, value, status) => {
      const me = await signedIn(ctx.server, ctx.api);
      const before = await snapshotOf(me.id);
      expectProblem(await ctx.api.patch(`/v1/users/${me.id}`, { firstName: 'Changed', [field]: value }, { token: me.token }), status);
      expectProblem(await ctx.api.put(`/v1/users/${me.id}`, { username: me.username, email: me.email, firstName: 'Changed', lastName: 'Changed', [field]: value }, { token: me.token }), status);
      expect(await snapshotOf(me.id)).toEqual(before);
    });

    it.each([
      ['role: ADMIN', 'role: ADMIN', 'FORBIDDEN'],
      ['isActive: false', 'isActive: false', 'FORBIDDEN'],
      ['emailVerified: true', 'emailVerified: true', 'FORBIDDEN'],
      ['passwordHash', 'passwordHash: "x"', 'GRAPHQL_VALIDATION_FAILED'],
      ['id', 'id: "00000000-0000-4000-8000-000000000001"', 'GRAPHQL_VALIDATION_FAILED'],
      ['createdAt', 'createdAt: "2000-01-01T00:00:00Z"', 'GRAPHQL_VALIDATION_FAILED'],
      ['deletedAt', 'deletedAt: "2000-01-01T00:00:00Z"', 'GRAPHQL_VALIDATION_FAILED'],
    ])('GraphQL createUser and updateUser (of yourself) with %s are refused and store nothing', async (_name, assignment, code) => {
      const input = userInput();
      const created = await ctx.api.graphql(
        `mutation { createUser(input: { username: "${input.username}", email: "${input.email}", password: "${input.password}", firstName: "A", lastName: "B", ${assignment} }) { id } }`,
      );
      expect(graphqlCodes(created)).toEqual([code]);
      expect(await sql(ctx.server, 'select id from users where lower(username) = lower(?)', [input.username])).toEqual([]);

      const me = await signedIn(ctx.server, ctx.api);
      const before = await snapshotOf(me.id);
      const updated = await ctx.api.graphql(`mutation { updateUser(id: "${me.id}", input: { firstName: "Changed", ${assignment} }) { id role } }`, {}, me.token);
      expect(graphqlCodes(updated)).toEqual([code]);
      expect(await snapshotOf(me.id)).toEqual(before);
    });

    it('GraphQL variables with an undeclared input field are refused before any resolver', async () => {
      const me = await signedIn(ctx.server, ctx.api);
      const before = await snapshotOf(me.id);
      const result = await ctx.api.graphql('mutation($id: UUID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }', { id: me.id, input: { firstName: 'X', passwordHash: 'x', deletedAt: null } }, me.token);
      expect(result.errors?.map((error) => [error.extensions.code, error.message.match(/"(passwordHash|deletedAt)"/)?.[1]])).toEqual([
        ['BAD_USER_INPUT', 'passwordHash'],
        ['BAD_USER_INPUT', 'deletedAt'],
      ]);
      expect(result.data).toBeUndefined();
      expect(await snapshotOf(me.id)).toEqual(before);
    });

    it('never exposes hashes, deletion marks or tokens in a user representation', async () => {
      const rest = await ctx.api.get(`/v1/users/${bob.id}`, { token: ctx.admin.token });
      expect(Object.keys(rest.body).sort()).toEqual(PUBLIC_USER_FIELDS);
      expect(rest.text).not.toMatch(/argon2|password|deleted|token/i);
      for (const field of ['passwordHash', 'deletedAt', 'tokenHash']) {
        expect(graphqlCodes(await ctx.api.graphql(`query { user(id: "${bob.id}") { ${field} } }`, {}, ctx.admin.token))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      }
      const sessions = await ctx.api.get(`/v1/users/${bob.id}/sessions`, { token: ctx.admin.token });
      expect(sessions.text).not.toMatch(/token|hash/i);
    });
  });

  describe('API4:2023 Unrestricted Resource Consumption', () => {
    it('caps page sizes at 100 on every listing', async () => {
      expectProblem(await ctx.api.get('/v1/users?limit=101', { token: ctx.admin.token }), 422);
      expectProblem(await ctx.api.get('/v1/audit-logs?limit=101', { token: ctx.admin.token }), 422);
      expectProblem(await ctx.api.get(`/v1/users/${bob.id}/audit-logs?limit=1000000`, { token: ctx.admin.token }), 422);
      expect((await ctx.api.get('/v1/users?limit=100', { token: ctx.admin.token })).status).toBe(200);
      for (const field of ['users', 'auditLogs']) {
        const result = await ctx.api.graphql(`query { ${field}(first: 101) { totalCount } }`, {}, ctx.admin.token);
        expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: [expect.objectContaining({ field: 'first' })] });
      }
    });

    const expectLimit = (result: Awaited<ReturnType<ApiClient['graphql']>>, limit: string) => {
      expect(result.status).toBe(400);
      expect(result.data).toBeUndefined();
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit });
    };

    it('refuses GraphQL operations that are too deep, too aliased or too costly, before running them', async () => {
      const statementsBefore = ctx.server.queries.length;
      let deep = 'id';
      for (let level = 0; level < 6; level += 1) deep = `auditLogs { user { ${deep} } }`;
      expectLimit(await ctx.api.graphql(`query { me { ${deep} } }`, {}, ctx.admin.token), 'depth');
      const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: me { id }`).join(' ');
      expectLimit(await ctx.api.graphql(`query { ${aliases} }`, {}, ctx.admin.token), 'aliases');
      expectLimit(
        await ctx.api.graphql(
          'query { users(first: 100) { edges { node { id username email sessions { id ipAddress userAgent createdAt lastUsedAt expiresAt } auditLogs { id action entityType ipAddress createdAt user { id } } } } } }',
          {},
          ctx.admin.token,
        ),
        'complexity',
      );
      const huge = await ctx.api.graphql(`query { ${Array.from({ length: 1300 }, () => 'me { id }').join(' ')} }`, {}, ctx.admin.token);
      expect(huge.status).toBe(400);
      expect(graphqlCodes(huge)).toEqual(['GRAPHQL_PARSE_FAILED']);
      // Authentication reads the session once per request at most; no resolver ran.
      expect(ctx.server.queries.slice(statementsBefore).filter((statement) => /from "users"|from "audit_logs"/.test(statement) && !/where ("u0"\.)?"id" = /.test(statement))).toEqual([]);
    });

    it('refuses bodies over 100 kB with 413, on REST and GraphQL, also when they arrive compressed', async () => {
      const big = JSON.stringify({ username: 'a'.repeat(110_000), password: 'x' });
      expectProblem(await ctx.api.request('POST', '/v1/auth/login', { rawBody: big, headers: { 'content-type': 'application/json' } }), 413);
      expectProblem(await ctx.api.request('POST', '/graphql', { rawBody: JSON.stringify({ query: `query { me { id } } #${'x'.repeat(110_000)}` }), headers: { 'content-type': 'application/json' } }), 413);
      // 5 MB of JSON gzipped to a few kB: the limit applies to the inflated size.
      const bomb = gzipSync(Buffer.from(JSON.stringify({ username: ' '.repeat(5_000_000), password: 'x' })));
      expect(bomb.length).toBeLessThan(20_000);
      const response = await fetch(`${ctx.server.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
      expect(response.status).toBe(413);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it('refuses oversized credentials without hashing them', async () => {
      const hash = jest.spyOn(ctx.server.services.hasher, 'hash');
      const verify = jest.spyOn(ctx.server.services.hasher, 'verify');
      try {
        expectProblem(await ctx.api.post('/v1/auth/login', { username: bob.username, password: 'P'.repeat(50_000) }), 422);
        expectProblem(await ctx.api.post('/v1/users', userInput({ password: `Aa1!${'x'.repeat(200)}` })), 422);
        expect([hash.mock.calls.length, verify.mock.calls.length]).toEqual([0, 0]);
      } finally {
        hash.mockRestore();
        verify.mockRestore();
      }
    });

    it('refuses headers larger than 16 KiB with 431 problem+json, and stays up', async () => {
      const response = await fetch(`${ctx.server.url}/v1/auth/validate`, { headers: { 'x-request-id': 'r'.repeat(20_000) } });
      expect(response.status).toBe(431);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await response.json()).toMatchObject({ status: 431, type: '/problems/headers-too-large' });
      expect((await ctx.api.get('/health')).status).toBe(200);
    });

    it('answers bytes that are not HTTP with 400 problem+json and closes the connection', async () => {
      const { port } = new URL(ctx.server.url);
      const socket = connect(Number(port), '127.0.0.1');
      socket.write('GET /health HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n');
      const chunks: Buffer[] = [];
      for await (const chunk of socket) chunks.push(chunk as Buffer);
      const [head, body] = Buffer.concat(chunks).toString().split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 400 /);
      expect(head).toMatch(/content-type: application\/problem\+json/i);
      expect(JSON.parse(body)).toMatchObject({ status: 400, type: '/problems/malformed-request' });
      expect((await ctx.api.get('/health')).status).toBe(200);
    });

    describe('with small rate limits', () => {
      const limited = useTestServer({
        LOG_LEVEL: 'warn',
        RATE_LIMIT_AUTH_PER_IP: '3/60',
        RATE_LIMIT_SIGNUP_PER_IP: '2/3600',
        RATE_LIMIT_READ_PER_USER: '3/60',
        RATE_LIMIT_WRITE_PER_USER: '3/60',
        RATE_LIMIT_READ_PER_IP: '3/60',
      });

      const expectRateLimited = (response: HttpResponse) => {
        const problem = expectProblem(response, 429);
        expect(problem.retryAfter).toBeGreaterThan(0);
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      };

      it('reaches the sign-up, login, read and write limits on REST and GraphQL', async () => {
        const statuses = [];
        for (let i = 0; i < 3; i += 1) statuses.push((await limited.api.post('/v1/users', userInput())).status);
        expect(statuses).toEqual([201, 201, 429]);

        const user = await seedUser(limited.server);
        const logins = [];
        for (let i = 0; i < 4; i += 1) logins.push(await limited.api.post('/v1/auth/login', { username: user.username, password: user.password }));
        expect(logins.slice(0, 3).map((response) => response.status)).toEqual([200, 200, 200]);
        expectRateLimited(logins[3]);
        const token = logins[0].body.accessToken as string;

        const reads = [];
        for (let i = 0; i < 4; i += 1) reads.push(await limited.api.get(`/v1/users/${user.id}`, { token }));
        expectRateLimited(reads[3]);
        // GraphQL spends from the same bucket: each aliased root field counts.
        const graphql = await limited.api.graphql('query { a: me { id } b: me { id } }', {}, token);
        expect(graphqlCodes(graphql)).toContain('RATE_LIMITED');

        const writes = [];
        for (let i = 0; i < 4; i += 1) writes.push(await limited.api.patch(`/v1/users/${user.id}`, { firstName: `W${i}` }, { token }));
        expectRateLimited(writes[3]);
        expect((await sql(limited.server, 'select first_name from users where id = ?', [user.id]))[0].first_name).toBe('W2');
      });

      it('counts anonymous probing against the caller’s IP', async () => {
        const responses = [];
        for (let i = 0; i < 4; i += 1) responses.push(await limited.api.get('/v1/audit-logs'));
        expect(responses.slice(0, 3).map((response) => response.status)).toEqual([401, 401, 401]);
        expectRateLimited(responses[3]);
      });
    });
  });

  describe('API5:2023 Broken Function Level Authorization', () => {
    type Attempt = [string, (actor: SignedIn, victim: SignedIn) => Promise<HttpResponse>, Record<'user' | 'moderator', number>];
    const attempts: Attempt[] = [
      ['list users', (actor) => ctx.api.get('/v1/users', { token: actor.token }), { user: 403, moderator: 200 }],
      ['read the audit trail', (actor) => ctx.api.get('/v1/audit-logs', { token: actor.token }), { user: 403, moderator: 403 }],
      ["read a user's audit trail", (actor, victim) => ctx.api.get(`/v1/users/${victim.id}/audit-logs`, { token: actor.token }), { user: 403, moderator: 403 }],
      ['change a role', (actor, victim) => ctx.api.patch(`/v1/users/${victim.id}`, { role: 'admin' }, { token: actor.token }), { user: 404, moderator: 403 }],
      ['change their own role', (actor) => ctx.api.patch(`/v1/users/${actor.id}`, { role: 'admin' }, { token: actor.token }), { user: 403, moderator: 403 }],
      ['verify an email', (actor, victim) => ctx.api.patch(`/v1/users/${victim.id}`, { emailVerified: true }, { token: actor.token }), { user: 404, moderator: 403 }],
      ['verify their own email', (actor) => ctx.api.patch(`/v1/users/${actor.id}`, { emailVerified: true }, { token: actor.token }), { user: 403, moderator: 403 }],
      ['deactivate an admin', (actor) => ctx.api.patch(`/v1/users/${ctx.admin.id}`, { isActive: false }, { token: actor.token }), { user: 404, moderator: 403 }],
      ['create a user with a role', (actor) => ctx.api.post('/v1/users', userInput({ role: 'admin' }), { token: actor.token }), { user: 403, moderator: 403 }],
      ['create a plain user while signed in', (actor) => ctx.api.post('/v1/users', userInput(), { token: actor.token }), { user: 403, moderator: 403 }],
      ['reset a password without the current one', (actor, victim) => ctx.api.post(`/v1/users/${victim.id}/password`, { newPassword: 'Pwned-passw0rd!' }, { token: actor.token }), { user: 404, moderator: 403 }],
    ];

    const fingerprint = async () => (await sql(ctx.server, "select count(*)::int as n, md5(string_agg(t::text, ',' order by id)) as sum from users t"))[0];

    describe.each(['user', 'moderator'] as const)('as a %s', (role) => {
      it.each(attempts.map(([name, attempt, expected]) => [name, attempt, expected[role]] as const))('%s -> %i, and nothing changes when refused', async (_name, attempt, status) => {
        const actor = await signedIn(ctx.server, ctx.api, role === 'user' ? UserRole.USER : UserRole.MODERATOR);
        const victim = await signedIn(ctx.server, ctx.api);
        const before = await fingerprint();
        const response = await attempt(actor, victim);
        expect(response.status).toBe(status);
        if (status >= 400) {
          expectProblem(response, status);
          expect(await fingerprint()).toEqual(before);
        }
      });
    });

    const graphqlAttempts: [string, (victim: SignedIn) => string, Record<'user' | 'moderator', string[]>][] = [
      ['users', () => 'query { users { totalCount } }', { user: ['FORBIDDEN'], moderator: [] }],
      ['auditLogs', () => 'query { auditLogs { totalCount } }', { user: ['FORBIDDEN'], moderator: ['FORBIDDEN'] }],
      ['User.auditLogs', () => 'query { me { auditLogs { id } } }', { user: ['FORBIDDEN'], moderator: ['FORBIDDEN'] }],
      ['updateUser role', (victim) => `mutation { updateUser(id: "${victim.id}", input: { role: ADMIN }) { id } }`, { user: ['NOT_FOUND'], moderator: ['FORBIDDEN'] }],
      ['updateUser emailVerified', (victim) => `mutation { updateUser(id: "${victim.id}", input: { emailVerified: true }) { id } }`, { user: ['NOT_FOUND'], moderator: ['FORBIDDEN'] }],
      ['createUser with a role', () => { const input = userInput(); return `mutation { createUser(input: { username: "${input.username}", email: "${input.email}", password: "${input.password}", firstName: "A", lastName: "B", role: ADMIN }) { id } }`; }, { user: ['FORBIDDEN'], moderator: ['FORBIDDEN'] }],
    ];

    describe.each(['user', 'moderator'] as const)('GraphQL as a %s', (role) => {
      it.each(graphqlAttempts.map(([name, document, expected]) => [name, document, expected[role]] as const))('%s -> %j', async (_name, document, codes) => {
        const actor = await signedIn(ctx.server, ctx.api, role === 'user' ? UserRole.USER : UserRole.MODERATOR);
        const victim = await signedIn(ctx.server, ctx.api);
        const before = await fingerprint();
        const result = await ctx.api.graphql(document(victim), {}, actor.token);
        expect(graphqlCodes(result)).toEqual(codes);
        if (codes.length > 0) expect(await fingerprint()).toEqual(before);
      });
    });

    it('an admin cannot change their own role or status either', async () => {
      const other = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      expectProblem(await ctx.api.patch(`/v1/users/${other.id}`, { role: 'user' }, { token: other.token }), 403);
      expectProblem(await ctx.api.patch(`/v1/users/${other.id}`, { isActive: false }, { token: other.token }), 403);
      expect((await sql(ctx.server, 'select role, is_active from users where id = ?', [other.id]))[0]).toEqual({ role: 'admin', is_active: true });
    });
  });

  describe('API7:2023 Server Side Request Forgery', () => {
    const sourceFiles = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
      });

    const CLIENT_PACKAGES = String.raw`(?:got|node-fetch|undici|axios|superagent|needle|request|cross-fetch|ky)`;
    const OUTBOUND = new RegExp(
      [
        String.raw`\bfetch\s*\(`,
        String.raw`\bhttps?\.(?:request|get)\s*\(`,
        String.raw`\baxios\b`,
        String.raw`\bgot\s*\(`,
        String.raw`from\s+['"]${CLIENT_PACKAGES}['"]`,
        String.raw`require\(\s*['"]${CLIENT_PACKAGES}['"]\s*\)`,
        String.raw`from\s+['"]node:(?:https|tls|dns)['"]`,
        // node:http may serve (createServer, types), never request.
        String.raw`import\s*\{[^}]*\b(?:request|get|Agent|ClientRequest)\b[^}]*\}\s*from\s+['"]node:http['"]`,
        String.raw`import\s+(?:\*\s+as\s+)?\w+\s+from\s+['"]node:http['"]`,
        // node:net may listen (the embedded PostgreSQL probes for a free port), never dial.
        String.raw`import\s*\{[^}]*\b(?:connect|createConnection|Socket)\b[^}]*\}\s*from\s+['"]node:net['"]`,
        'XMLHttpRequest',
        String.raw`new\s+WebSocket\b`,
        String.raw`\bnet\.(?:connect|createConnection)\s*\(`,
        String.raw`\btls\.connect\s*\(`,
      ].join('|'),
    );

    /**
     * Scripts the server only serves, as text, to browsers (the account pages'): they call this API
     * from the user's browser and never run in the server, so their fetch is no outbound request of
     * ours. They may name no absolute URL, so all they can reach is the origin that served them.
     */
    const BROWSER_SCRIPTS = ['src/http/account-pages/account.script.ts', 'src/http/account-pages/email-links.script.ts'];

    it('the browser scripts src/ serves name no other origin', () => {
      for (const script of BROWSER_SCRIPTS) expect(readFileSync(join(ROOT, script), 'utf8')).not.toMatch(/(?:https?|wss?):\/\/|['"(]\/\/[a-z0-9]/i);
    });

    /**
     * The one outbound client (issue 15): webhook deliveries, to URLs only admins register. It connects
     * only to the address WebhookTargetGuard resolved and checked at delivery time (private, loopback
     * and link-local ranges refused, DNS rebinding pinned); tests/webhooks/webhook-target.guard.test.ts
     * and tests/e2e/webhooks prove those rules. Nothing else in src/ may make a request.
     */
    const OUTBOUND_CLIENTS = ['src/webhooks/webhook.sender.ts'];

    it('webhook deliveries connect only to the address the target guard checked', () => {
      const sender = readFileSync(join(ROOT, 'src', 'webhooks', 'webhook.sender.ts'), 'utf8');
      expect(sender).toMatch(/lookup: pinnedLookup\(|pinnedLookup\(/);
      const worker = readFileSync(join(ROOT, 'src', 'webhooks', 'webhook-delivery.worker.ts'), 'utf8');
      expect(worker).toMatch(/await this\.guard\.target\(/);
      expect(worker.indexOf('this.guard.target(')).toBeLessThan(worker.indexOf('this.sender.send('));
    });

    it('src/ uses no other outbound HTTP client anywhere', () => {
      const files = sourceFiles(join(ROOT, 'src')).filter((file) => ![...BROWSER_SCRIPTS, ...OUTBOUND_CLIENTS].includes(file.slice(ROOT.length + 1)));
      expect(files.length).toBeGreaterThan(30);
      const hits = files.flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .map((line, index) => ({ file: file.slice(ROOT.length + 1), line: index + 1, text: line.trim() }))
          // Comments and type-only imports (of node:http's Server, say) cannot send anything.
          .filter(({ text }) => !text.startsWith('*') && !text.startsWith('//') && !text.startsWith('import type ') && OUTBOUND.test(text)),
      );
      expect(hits).toEqual([]);
    });

    it('depends on no HTTP client library', () => {
      const { dependencies } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      expect(Object.keys(dependencies).filter((name) => /^(axios|got|node-fetch|undici|superagent|needle|request|cross-fetch|ky)$/.test(name))).toEqual([]);
    });

    it('takes a URL from no input but the admins\' webhook endpoints', () => {
      const schema = readFileSync(join(ROOT, 'schema.graphql'), 'utf8');
      const inputBlocks = schema.match(/input \w+ \{[^}]*\}/g) ?? [];
      expect(inputBlocks.length).toBeGreaterThanOrEqual(5);
      const urlFields = inputBlocks.flatMap((block) => {
        const name = /input (\w+)/.exec(block)![1];
        return [...block.matchAll(/^\s+(\w+):/gm)].map((match) => `${name}.${match[1]}`).filter((field) => /url|uri|href|link|host|webhook|callback|avatar|image|redirect|endpoint/i.test(field.split('.')[1]));
      });
      expect(urlFields.sort()).toEqual(['CreateWebhookInput.url', 'UpdateWebhookInput.url']);
      const dtos = sourceFiles(join(ROOT, 'src')).filter((file) => /\.(inputs|rules)\.ts$/.test(file) && !file.endsWith('webhook.inputs.ts')).map((file) => readFileSync(file, 'utf8')).join('\n');
      expect(dtos).not.toMatch(/IsUrl|IsURL|IsFQDN|IsIP\b/);
    });

    it('sends traces only to the endpoint from the environment, never one derived from a request', () => {
      const tracing = readFileSync(join(ROOT, 'src', 'platform', 'observability', 'tracing.bootstrap.ts'), 'utf8');
      expect(tracing).toMatch(/env\.OTEL_EXPORTER_OTLP_ENDPOINT/);
      const exporterUsers = sourceFiles(join(ROOT, 'src')).filter((file) => /exporter-trace-otlp/.test(readFileSync(file, 'utf8')));
      expect(exporterUsers.map((file) => file.slice(ROOT.length + 1))).toEqual(['src/platform/observability/tracing.ts']);
      expect(readFileSync(exporterUsers[0], 'utf8')).not.toMatch(/\breq\b|\bctx\b|headers\[/);
    });
  });

  describe('API8:2023 Security Misconfiguration', () => {
    const SECURITY_HEADERS: Record<string, RegExp> = {
      'x-content-type-options': /^nosniff$/,
      'x-frame-options': /^(DENY|SAMEORIGIN)$/,
      'strict-transport-security': /max-age=\d+/,
      'referrer-policy': /no-referrer/,
      'cross-origin-opener-policy': /same-origin/,
      'cross-origin-resource-policy': /same-origin/,
    };

    const responses: [string, () => Promise<Response>][] = [
      ['GET /health', () => fetch(`${ctx.server.url}/health`)],
      ['GET /v1/users/{id} (200)', () => fetch(`${ctx.server.url}/v1/users/${bob.id}`, { headers: { authorization: `Bearer ${ctx.admin.token}` } })],
      ['GET /v1/users (401)', () => fetch(`${ctx.server.url}/v1/users`)],
      ['GET /nowhere (404)', () => fetch(`${ctx.server.url}/nowhere`)],
      ['POST /v1/auth/login with broken JSON (400)', () => fetch(`${ctx.server.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' })],
      ['POST /graphql', () => fetch(`${ctx.server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) })],
      ['GET /openapi.json', () => fetch(`${ctx.server.url}/openapi.json`)],
    ];

    it.each(responses)('%s carries the security headers and no X-Powered-By', async (_name, request) => {
      const response = await request();
      for (const [header, pattern] of Object.entries(SECURITY_HEADERS)) expect({ header, value: response.headers.get(header) }).toEqual({ header, value: expect.stringMatching(pattern) });
      expect(response.headers.get('x-powered-by')).toBeNull();
      expect(response.headers.get('server')).toBeNull();
    });

    it('grants no CORS access to an origin that is not configured', async () => {
      const simple = await fetch(`${ctx.server.url}/v1/auth/validate`, { headers: { origin: 'https://evil.example', authorization: `Bearer ${alice.token}` } });
      expect(simple.headers.get('access-control-allow-origin')).toBeNull();
      expect(simple.headers.get('access-control-allow-credentials')).toBeNull();
      const preflight = await fetch(`${ctx.server.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      expect(preflight.status).toBeLessThan(500);
    });

    /** Every error body, whichever way it was provoked, must be free of stack frames, paths and SQL. */
    const expectNoInternals = (text: string) => {
      expect(text).not.toMatch(LEAK_PATTERN);
      expect(text).not.toMatch(/\bat \S+ \(|\bat \/|\.ts\b|\.js:\d|node_modules|\/work\/|\bselect\b.*\bfrom\b|audit_logs|DriverException|stack/i);
    };

    it('keeps stack traces, file paths and SQL out of every REST error', async () => {
      const provoked = [
        await ctx.api.request('POST', '/v1/auth/login', { rawBody: '{"username":', headers: { 'content-type': 'application/json' } }),
        await ctx.api.request('POST', '/v1/auth/login', { rawBody: 'x'.repeat(200_000), headers: { 'content-type': 'application/json' } }),
        await ctx.api.request('POST', '/v1/auth/login', { rawBody: 'garbage', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } }),
        await ctx.api.get('/v1/users/%E0%A4%A', { token: ctx.admin.token }),
        await ctx.api.get('/v1/users/not-a-uuid', { token: ctx.admin.token }),
        await ctx.api.get('/v1/users?createdAfter=0000-01-01&__proto__=1', { token: ctx.admin.token }),
        await ctx.api.post('/v1/users', { username: 'a\u0000b', firstName: '\ud800' }),
        await ctx.api.get('/v1/users', { headers: { authorization: 'Bearer x.y.z' } }),
        await ctx.api.get('/v1/nowhere'),
      ];
      for (const response of provoked) {
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        const { instance: _instance, ...words } = response.body as Record<string, unknown>;
        expectNoInternals(JSON.stringify(words));
      }
    });

    it('keeps stack traces, file paths and SQL out of every GraphQL error', async () => {
      const provoked = [
        await ctx.api.graphql('query { me { id '),
        await ctx.api.graphql('query { me { passwordHash } }', {}, alice.token),
        await ctx.api.graphql('query($id: UUID!) { user(id: $id) { id } }', { id: "' OR 1=1 --" }, alice.token),
        await ctx.api.graphql('query($d: DateTime) { users(filter: { createdAfter: $d }) { totalCount } }', { d: '0000-01-01T00:00:00Z' }, ctx.admin.token),
        await ctx.api.graphql('query($a: String) { auditLogs(after: $a) { totalCount } }', { a: Buffer.from('[1,2]').toString('base64url') }, ctx.admin.token),
        await ctx.api.graphql('mutation { login(username: "a\\u0000", password: "x") { accessToken } }'),
      ];
      for (const result of provoked) {
        expect(result.status).toBeLessThan(500);
        expect(result.errors?.length).toBeGreaterThan(0);
        for (const error of result.errors ?? []) {
          expect(error.extensions.code).not.toBe('INTERNAL_SERVER_ERROR');
          expect(error.extensions).not.toHaveProperty('stacktrace');
        }
        expectNoInternals(JSON.stringify(result.errors?.map(({ message, extensions }) => ({ message, extensions })) ?? []));
      }
    });

    it('answers a genuine internal failure generically on both doors, and logs the details with the request id', async () => {
      await sql(ctx.server, 'alter table audit_logs rename to audit_logs_hidden_by_test');
      try {
        const rest = await ctx.api.get('/v1/audit-logs', { token: ctx.admin.token });
        const problem = expectProblem(rest, 500);
        expect(problem).toMatchObject({ type: '/problems/internal-error', detail: 'An unexpected error occurred.' });
        expectNoInternals(rest.text);

        const graphql = await ctx.api.graphql('query { auditLogs { totalCount } }', {}, ctx.admin.token);
        expect(graphql.errors).toEqual([{ message: 'Internal server error.', path: ['auditLogs'], extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: expect.any(String) } }]);
        expectNoInternals(JSON.stringify(graphql.errors));

        // The details are in the server's log instead, under the request id the client was given.
        expect(ctx.server.logs.some((line) => line.request_id === problem.requestId && line.message === 'Unexpected error')).toBe(true);
      } finally {
        await sql(ctx.server, 'alter table audit_logs_hidden_by_test rename to audit_logs');
      }
      expect((await ctx.api.get('/v1/audit-logs', { token: ctx.admin.token })).status).toBe(200);
    });
  });
});
