import { seedUser, signedIn } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

describe('the request context forks the ORM only for requests that use it', () => {
  const ctx = useTestServer({}, { admin: true });

  afterEach(() => jest.restoreAllMocks());

  it('answers a read served by the caches without forking an EntityManager, and forks on a miss', async () => {
    const target = await seedUser(ctx.server);
    // Warm the caller's session and user, and the target.
    expect((await ctx.api.get(`/v1/users/${target.id}`, { token: ctx.admin.token })).status).toBe(200);
    const fork = jest.spyOn(ctx.server.orm.em, 'fork');

    expect((await ctx.api.get(`/v1/users/${target.id}`, { token: ctx.admin.token })).status).toBe(200);
    expect(fork).not.toHaveBeenCalled();

    const other = await seedUser(ctx.server);
    fork.mockClear();
    const miss = await ctx.api.get(`/v1/users/${other.id}`, { token: ctx.admin.token });
    expect(miss.status).toBe(200);
    expect(miss.body).toMatchObject({ id: other.id, username: other.username });
    expect(fork).toHaveBeenCalledTimes(1);
  });

  it('still checks the token of every request: a bad or revoked one is refused without a fork', async () => {
    const fork = jest.spyOn(ctx.server.orm.em, 'fork');
    expect((await ctx.api.get(`/v1/users/${ctx.admin.id}`, { token: `${ctx.admin.token}x` })).status).toBe(401);
    expect(fork).not.toHaveBeenCalled();

    const user = await signedIn(ctx.server, ctx.api);
    expect((await ctx.api.get(`/v1/users/${user.id}`, { token: user.token })).status).toBe(200);
    expect((await ctx.api.post('/v1/auth/logout', {}, { token: user.token })).status).toBe(204);
    expect((await ctx.api.get(`/v1/users/${user.id}`, { token: user.token })).status).toBe(401);
  });
});
