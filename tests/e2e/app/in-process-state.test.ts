import { UserRole } from '../../../src/users/user-role';
import { seedUser, signedIn } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

/**
 * No REDIS_URL (an empty value is unset): the API runs whole on one instance, its shared state in
 * process. Runs whatever Redis this machine has, since the server is told to use none.
 */
describe('without Redis: rate limits, lock-outs, revocation and caching in process', () => {
  const ctx = useTestServer({ REDIS_URL: '', RATE_LIMIT_READ_PER_USER: '3/3600', LOGIN_MAX_FAILURES_PER_IP: '3' });

  it('opens no Redis connection, says so at start, and /ready checks PostgreSQL only', async () => {
    expect(ctx.server.config.redisUrl).toBeUndefined();
    expect(ctx.server.redis).toBeNull();
    const warning = ctx.server.logs.find((line) => typeof line.message === 'string' && line.message.startsWith('No REDIS_URL'));
    expect(warning).toMatchObject({ level: 'WARN' });
    expect(warning?.message).toMatch(/single instance only/);
    expect(warning?.message).toMatch(/audit stream is not published/);
    expect((await ctx.api.get('/ready')).body).toEqual({ status: 'ready', checks: { postgres: 'ok' } });
  });

  it('enforces a rate limit: 429 with Retry-After after N', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const responses = [];
    for (let i = 0; i < 4; i += 1) responses.push(await ctx.api.get(`/v1/users/${user.id}`, { token: user.token }));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 429]);
    expect(responses.map((response) => response.headers.get('ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(Number(responses[3].headers.get('retry-after'))).toBeGreaterThan(3590);
  });

  it('locks an IP out of an account after the failures, even with the right password', async () => {
    const user = await seedUser(ctx.server);
    for (let i = 0; i < 3; i += 1) expect((await ctx.api.post('/v1/auth/login', { username: user.username, password: 'Wrong-passw0rd!' })).status).toBe(401);
    const locked = await ctx.api.post('/v1/auth/login', { username: user.username, password: user.password });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('refuses an access token after logout, though its session lookups were cached', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    expect((await ctx.api.get('/v1/auth/validate', { token: user.token })).status).toBe(200);
    expect((await ctx.api.get('/v1/auth/validate', { token: user.token })).status).toBe(200);
    expect((await ctx.api.post('/v1/auth/logout', undefined, { token: user.token })).status).toBe(204);
    expect((await ctx.api.get('/v1/auth/validate', { token: user.token })).status).toBe(401);
  });

  it('invalidates the cached user on PATCH: the next read sees the new value', async () => {
    const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
    const target = await seedUser(ctx.server);
    expect((await ctx.api.get(`/v1/users/${target.id}`, { token: admin.token })).body.lastName).not.toBe('InProcess');
    const hitsBefore = ctx.server.services.userCache.stats.localHits + ctx.server.services.userCache.stats.hits;
    await ctx.api.get(`/v1/users/${target.id}`, { token: admin.token });
    expect(ctx.server.services.userCache.stats.localHits + ctx.server.services.userCache.stats.hits).toBeGreaterThan(hitsBefore);
    expect((await ctx.api.patch(`/v1/users/${target.id}`, { lastName: 'InProcess' }, { token: admin.token })).status).toBe(200);
    expect((await ctx.api.get(`/v1/users/${target.id}`, { token: admin.token })).body.lastName).toBe('InProcess');
  });

  it('counts audit events for the metrics but reports no Redis failure (nothing is attempted)', () => {
    expect(ctx.server.services.auditStream.committed.get('auth.login')).toBeGreaterThan(0);
    expect(Object.fromEntries(ctx.server.services.failures.counts)).toEqual({});
  });
});
