import type Redis from 'ioredis';
import { userKey as cachedUserKey } from '../../../src/users/cache/user-cache.tier';
import { UserRole } from '../../../src/users/user-role';
import { login, signedIn, type SignedIn, userInput } from '../../support/factories';
import { ApiClient } from '../../support/http';
import { describeWithRedisBinaries, DisposableRedis, freePort, rawRedis } from '../../support/redis-tools';
import { startTestServer, type TestServer } from '../../support/test-server';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually<T>(probe: () => Promise<T>, holds: (value: T) => boolean, deadlineMs: number): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (holds(value) || Date.now() > deadline) return value;
    await sleep(50);
  }
}

const USER_FIELDS = 'id lastName role isActive';

/** Request log lines with a 5xx status written since `from`. */
function serverErrorsSince(server: TestServer, from: number): Record<string, unknown>[] {
  return server.logs.slice(from).filter((line) => typeof line.status === 'number' && line.status >= 500);
}

function failureCount(server: TestServer): number {
  return [...server.services.failures.counts.values()].reduce((sum, count) => sum + count, 0);
}

describeWithRedisBinaries('Redis dies mid-flight and comes back', () => {
  let redisServer: DisposableRedis;
  let server: TestServer;
  let api: ApiClient;
  let admin: SignedIn;
  let user: SignedIn;
  let logsAtKill = 0;

  beforeAll(async () => {
    redisServer = new DisposableRedis(await freePort());
    await redisServer.start();
    server = await startTestServer({ REDIS_URL: redisServer.url });
    api = new ApiClient(server.url);
    admin = await signedIn(server, api, UserRole.ADMIN);
    user = await signedIn(server, api, UserRole.USER);
  });
  afterAll(async () => {
    await redisServer?.kill();
    await server?.stop();
  });

  const userKey = (id: string) => `${server.config.redisKeyPrefix}${cachedUserKey(id, server.services.cacheEpoch.tag() ?? "untrusted")}`;

  async function withOwnRedis<T>(work: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = rawRedis(redisServer.url);
    try {
      return await work(redis);
    } finally {
      redis.disconnect();
    }
  }

  it('before the outage, reads fill the cache in that Redis', async () => {
    expect((await api.get(`/v1/users/${user.id}`, { token: admin.token })).status).toBe(200);
    expect(await withOwnRedis((redis) => redis.exists(userKey(user.id)))).toBe(1);
    expect((await api.get('/ready')).status).toBe(200);
  });

  it('with Redis killed, tokens still work and reads answer 200 from PostgreSQL', async () => {
    const failuresBefore = failureCount(server);
    await redisServer.kill();
    logsAtKill = server.logs.length;

    const single = await api.get(`/v1/users/${user.id}`, { token: admin.token });
    const own = await api.get(`/v1/users/${user.id}`, { token: user.token });
    const list = await api.get('/v1/users?limit=100', { token: admin.token });
    const me = await api.graphql(`{ me { ${USER_FIELDS} } }`, {}, user.token);
    const users = await api.graphql(`{ users(first: 100) { edges { node { ${USER_FIELDS} } } } }`, {}, admin.token);

    expect([single.status, own.status, list.status]).toEqual([200, 200, 200]);
    expect(single.body.id).toBe(user.id);
    expect(list.body.data.map((entry: { id: string }) => entry.id)).toEqual(expect.arrayContaining([user.id, admin.id]));
    expect(me.errors).toBeUndefined();
    expect(me.data.me.id).toBe(user.id);
    expect(users.errors).toBeUndefined();
    expect(users.data.users.edges.map((edge: { node: { id: string } }) => edge.node.id)).toContain(user.id);
    expect(failureCount(server)).toBeGreaterThan(failuresBefore);
    expect(serverErrorsSince(server, logsAtKill)).toEqual([]);
  });

  it('writes still succeed and are visible on the next read', async () => {
    const patched = await api.patch(`/v1/users/${user.id}`, { lastName: 'DuringOutage' }, { token: admin.token });
    expect(patched.status).toBe(200);
    expect((await api.get(`/v1/users/${user.id}`, { token: admin.token })).body.lastName).toBe('DuringOutage');
    expect((await api.get(`/v1/users/${user.id}`, { token: user.token })).body.lastName).toBe('DuringOutage');
    expect((await api.graphql(`{ me { lastName } }`, {}, user.token)).data?.me.lastName).toBe('DuringOutage');
    const listed = await api.get('/v1/users?limit=100', { token: admin.token });
    expect(listed.body.data.find((entry: { id: string }) => entry.id === user.id)?.lastName).toBe('DuringOutage');

    const created = await api.post('/v1/users', userInput(), { token: admin.token });
    expect(created.status).toBe(201);
    const deactivated = await api.patch(`/v1/users/${created.body.id}`, { isActive: false }, { token: admin.token });
    expect(deactivated.status).toBe(200);
    expect((await api.get(`/v1/users/${created.body.id}`, { token: admin.token })).body.isActive).toBe(false);
    expect((await api.delete(`/v1/users/${created.body.id}`, { token: admin.token })).status).toBe(204);
    expect((await api.get(`/v1/users/${created.body.id}`, { token: admin.token })).status).toBe(404);
    expect(serverErrorsSince(server, logsAtKill)).toEqual([]);
  });

  it('sign-in and sign-out still work, and a signed-out token is refused (the session is checked in PostgreSQL)', async () => {
    const extra = await api.post('/v1/users', userInput(), { token: admin.token });
    const credentials = { username: extra.body.username as string, password: userInput().password as string };
    const { token } = await login(api, credentials);
    expect((await api.get('/v1/auth/validate', { token })).status).toBe(200);

    expect((await api.post('/v1/auth/logout', undefined, { token })).status).toBe(204);

    expect((await api.get('/v1/auth/validate', { token })).status).toBe(401);
    expect((await api.post('/v1/auth/login', { ...credentials, password: 'Wrong-passw0rd!' })).status).toBe(401);
    expect(serverErrorsSince(server, logsAtKill)).toEqual([]);
  });

  it('/ready stays ready and says Redis is degraded (the API still serves), and the failures were counted by component', async () => {
    const ready = await api.get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'degraded' } });
    const counts = Object.fromEntries(server.services.failures.counts);
    // The caches are not even read while Redis is untrusted; what failed was what had to reach it.
    expect(counts).toEqual(
      expect.objectContaining({
        'session-cache': expect.any(Number),
        'cache-invalidate': expect.any(Number),
        'rate-limit': expect.any(Number),
        'audit-stream': expect.any(Number),
      }),
    );
    // Each lost invalidation moved the revocation epoch, so nothing cached before it is believed again.
    const [{ epoch }] = await server.orm.em.fork().getConnection().execute('select epoch::int as epoch from revocation_epoch');
    expect(epoch).toBeGreaterThan(1);
  });

  it('after Redis restarts on the same port, the API caches again', async () => {
    await redisServer.start();
    const ready = await eventually(async () => (await api.get('/ready')).body, (body) => body.checks.redis === 'ok', 10_000);
    expect(ready).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });

    const read = await eventually(
      async () => {
        await api.get(`/v1/users/${user.id}`, { token: admin.token });
        return withOwnRedis((redis) => redis.exists(userKey(user.id)));
      },
      (exists) => exists === 1,
      5_000,
    );
    expect(read).toBe(1);
    const cached = JSON.parse((await withOwnRedis((redis) => redis.get(userKey(user.id))))!);
    expect(cached.lastName).toBe('DuringOutage');

    // The subscriber is back on its channel, so other instances' invalidations arrive again.
    const channel = `${server.config.redisKeyPrefix}user-invalidations`;
    const subscribers = await eventually(
      async () => Number(((await withOwnRedis((redis) => redis.pubsub('NUMSUB', channel))) as [string, number])[1]),
      (count) => count === 1,
      5_000,
    );
    expect(subscribers).toBe(1);
    expect(serverErrorsSince(server, logsAtKill)).toEqual([]);
  });
});

describeWithRedisBinaries('an instance that starts while Redis is down', () => {
  let redisServer: DisposableRedis;
  let server: TestServer;

  beforeAll(async () => {
    redisServer = new DisposableRedis(await freePort());
    server = await startTestServer({ REDIS_URL: redisServer.url });
  });
  afterAll(async () => {
    await redisServer?.kill();
    await server?.stop();
  });

  it('serves without Redis, then subscribes to invalidations once Redis appears', async () => {
    const api = new ApiClient(server.url);
    const created = await api.post('/v1/users', userInput());
    expect(created.status).toBe(201);
    expect((await api.get('/ready')).body).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'degraded' } });

    await redisServer.start();
    const ready = await eventually(async () => (await api.get('/ready')).body, (body) => body.checks.redis === 'ok', 10_000);
    expect(ready).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });

    const channel = `${server.config.redisKeyPrefix}user-invalidations`;
    const redis = rawRedis(redisServer.url);
    try {
      const subscribers = await eventually(async () => Number(((await redis.pubsub('NUMSUB', channel)) as [string, number])[1]), (count) => count === 1, 5_000);
      expect(subscribers).toBe(1);
    } finally {
      redis.disconnect();
    }
  });
});

describeWithRedisBinaries('Redis down with RATE_LIMIT_FAIL_CLOSED=true', () => {
  let redisServer: DisposableRedis;
  let server: TestServer;

  beforeAll(async () => {
    redisServer = new DisposableRedis(await freePort());
    await redisServer.start();
    server = await startTestServer({ REDIS_URL: redisServer.url, RATE_LIMIT_FAIL_CLOSED: 'true' });
  });
  afterAll(async () => {
    await redisServer?.kill();
    await server?.stop();
  });

  it('refuses requests with 503 problem+json instead of serving them unlimited', async () => {
    const api = new ApiClient(server.url);
    const user = await signedIn(server, api, UserRole.USER);
    expect((await api.get(`/v1/users/${user.id}`, { token: user.token })).status).toBe(200);

    expect((await api.get('/ready')).body).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
    await redisServer.kill();

    // Redis is essential here: without it every limited request is refused, so the instance is not ready.
    const ready = await api.get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'unavailable', checks: { postgres: 'ok', redis: 'failing' } });
    const refused = await api.get(`/v1/users/${user.id}`, { token: user.token });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ status: 503, title: 'Service unavailable' });
    const write = await api.patch(`/v1/users/${user.id}`, { lastName: 'NotWritten' }, { token: user.token });
    expect(write.status).toBe(503);
    const graphql = await api.graphql('{ me { id } }', {}, user.token);
    expect(graphql.errors?.[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
    expect(server.services.failures.counts.get('rate-limit')).toBeGreaterThan(0);
  });
});
