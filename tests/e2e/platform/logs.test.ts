import { UserRole } from '../../../src/users/user-role';
import { DEFAULT_PASSWORD, seedUser, signedIn } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

describe('request logs', () => {
  const ctx = useTestServer();

  const requestLines = (requestId: string) => ctx.server.logs.filter((line) => line.request_id === requestId && 'status' in line);

  it('writes one line per request in the seed shape', async () => {
    const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
    const response = await ctx.api.get(`/v1/users/${admin.id}`, { token: admin.token, headers: { 'x-request-id': 'req_shape-1' } });
    const lines = requestLines('req_shape-1');
    expect(lines).toHaveLength(1);
    expect(Object.keys(lines[0]).sort()).toEqual(['duration_ms', 'level', 'message', 'method', 'path', 'request_id', 'service', 'status', 'timestamp', 'user_id'].sort());
    expect(lines[0]).toMatchObject({ level: 'INFO', service: 'user-api', user_id: admin.id, method: 'GET', path: `/v1/users/${admin.id}`, status: response.status });
    expect(new Date(lines[0].timestamp as string).toISOString()).toBe(lines[0].timestamp);
    expect(lines[0].duration_ms).toEqual(expect.any(Number));
  });

  it('adds the GraphQL operation name', async () => {
    const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
    await ctx.api.request('POST', '/graphql', { body: { query: 'query WhoAmI { me { id } }' }, token: admin.token, headers: { 'x-request-id': 'req_gql-1' } });
    expect(requestLines('req_gql-1')[0]).toMatchObject({ operation: 'WhoAmI', path: '/graphql', status: 200 });
  });

  it('never logs passwords, tokens, hashes or Authorization headers through a whole account lifecycle', async () => {
    const user = await seedUser(ctx.server);
    const login = await ctx.api.post('/v1/auth/login', { username: user.username, password: DEFAULT_PASSWORD });
    await ctx.api.post('/v1/auth/login', { username: user.username, password: 'Wrong-Passw0rd!' });
    const refreshed = await ctx.api.post('/v1/auth/refresh', { refreshToken: login.body.refreshToken });
    const newPassword = 'Another-S3cret!pass';
    await ctx.api.post(`/v1/users/${user.id}/password`, { currentPassword: DEFAULT_PASSWORD, newPassword }, { token: refreshed.body.accessToken });
    await ctx.api.graphql('mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }', { u: user.username, p: newPassword });
    await ctx.api.get('/v1/auth/validate', { token: 'not-a-real-token' });

    const everything = JSON.stringify(ctx.server.logs);
    for (const secret of [DEFAULT_PASSWORD, 'Wrong-Passw0rd!', newPassword, login.body.accessToken, login.body.refreshToken, refreshed.body.refreshToken, 'not-a-real-token']) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).not.toMatch(/\$argon2/);
    expect(everything.toLowerCase()).not.toContain('bearer ');
  });
});

describe('request ids', () => {
  const ctx = useTestServer();

  it('keeps a well-formed incoming X-Request-Id and echoes it', async () => {
    const response = await ctx.api.get('/health', { headers: { 'x-request-id': 'abc-123_DEF.4' } });
    expect(response.headers.get('x-request-id')).toBe('abc-123_DEF.4');
  });

  it('replaces a malformed one with a generated id', async () => {
    const response = await ctx.api.get('/health', { headers: { 'x-request-id': 'bad id with spaces\u00e9' .replace('\u00e9', '') + '<script>' } });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('puts the request id in problem+json bodies and GraphQL error extensions', async () => {
    const problem = await ctx.api.get('/v1/users/not-a-uuid', { headers: { 'x-request-id': 'req_problem-1' } });
    expect(problem.body.requestId).toBe('req_problem-1');
    const graphql = await ctx.api.request('POST', '/graphql', { body: { query: '{ me { id } }' }, headers: { 'x-request-id': 'req_graphql-err-1' } });
    expect(graphql.body.errors[0].extensions.requestId).toBe('req_graphql-err-1');
  });
});

describe('HTTP hygiene', () => {
  const ctx = useTestServer({ CORS_ORIGINS: 'https://app.example.com' });

  it('sends security headers and no X-Powered-By', async () => {
    const response = await ctx.api.get('/health');
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  it('answers CORS only for configured origins', async () => {
    const allowed = await ctx.api.request('OPTIONS', '/v1/users', { headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const other = await ctx.api.request('OPTIONS', '/v1/users', { headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'POST' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
