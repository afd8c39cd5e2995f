import type Redis from 'ioredis';
import { type RunningServer, startServer } from '../../../src/app/server';
import { UserRole } from '../../../src/users/user-role';
import { createLogger } from '../../../src/platform/observability/logger';
import { login, signedIn, type SignedIn, userInput } from '../../support/factories';
import { ApiClient } from '../../support/http';
import { rawRedis } from '../../support/redis-tools';
import { startTestServer, type TestServer } from '../../support/test-server';
import { describeWithRedis } from '../../support/redis-mode';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `probe` holds or the deadline passes; returns the last value seen either way. */
async function eventually<T>(probe: () => Promise<T>, holds: (value: T) => boolean, deadlineMs: number): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (holds(value) || Date.now() > deadline) return value;
    await sleep(10);
  }
}

/** Two instances of the API behind one database and one Redis key prefix, as behind a load balancer. */
async function startPair(env: Record<string, string> = {}): Promise<{ a: TestServer; b: RunningServer }> {
  const a = await startTestServer(env);
  const b = await startServer({ ...a.config, port: 0, migrateOnStart: false }, { logger: createLogger('silent') });
  return { a, b };
}

describeWithRedis('two instances: caches stay coherent, tokens are revoked everywhere', () => {
  let a: TestServer;
  let b: RunningServer;
  let apiA: ApiClient;
  let apiB: ApiClient;
  let admin: SignedIn;
  let redis: Redis;

  beforeAll(async () => {
    ({ a, b } = await startPair());
    apiA = new ApiClient(a.url);
    apiB = new ApiClient(b.url);
    admin = await signedIn(a, apiA, UserRole.ADMIN);
    redis = rawRedis();
  });
  afterAll(async () => {
    redis?.disconnect();
    await b?.close();
    await a?.stop();
  });

  async function createViaA() {
    const input = userInput();
    const created = await apiA.post('/v1/users', input, { token: admin.token });
    expect(created.status).toBe(201);
    return { id: created.body.id as string, username: input.username as string, password: input.password as string };
  }

  it('both instances listen on the same invalidation channel', async () => {
    const channel = `${a.config.redisKeyPrefix}user-invalidations`;
    const counts = await eventually(
      async () => (await redis.pubsub('NUMSUB', channel)) as [string, number],
      ([, count]) => Number(count) >= 2,
      2000,
    );
    expect(Number(counts[1])).toBe(2);
  });

  it('a user held in B’s in-process cache is read fresh on B right after A updates it', async () => {
    const target = await createViaA();
    const readOnB = () => apiB.get(`/v1/users/${target.id}`, { token: admin.token });
    expect((await readOnB()).body.lastName).toMatch(/^Person/);
    // Proves B now answers from its own memory: the next read there touches neither Redis nor PostgreSQL.
    const stats = b.services.userCache.stats;
    const before = { localHits: stats.localHits, hits: stats.hits, misses: stats.misses };
    expect((await readOnB()).status).toBe(200);
    expect(stats.localHits - before.localHits).toBeGreaterThanOrEqual(1);
    expect([stats.hits - before.hits, stats.misses - before.misses]).toEqual([0, 0]);

    const patched = await apiA.patch(`/v1/users/${target.id}`, { lastName: 'UpdatedOnA' }, { token: admin.token });
    expect(patched.status).toBe(200);

    const seen = await eventually(async () => (await readOnB()).body.lastName, (lastName) => lastName === 'UpdatedOnA', 200);
    expect(seen).toBe('UpdatedOnA');
    const graphql = await apiB.graphql('query ($id: UUID!) { user(id: $id) { lastName } }', { id: target.id }, admin.token);
    expect(graphql.data?.user.lastName).toBe('UpdatedOnA');
  });

  it('a deletion on A is seen on B, in single reads and in lists', async () => {
    const target = await createViaA();
    expect((await apiB.get(`/v1/users/${target.id}`, { token: admin.token })).status).toBe(200);
    expect((await apiB.get('/v1/users?limit=100', { token: admin.token })).body.data.map((user: { id: string }) => user.id)).toContain(target.id);

    expect((await apiA.delete(`/v1/users/${target.id}`, { token: admin.token })).status).toBe(204);

    const status = await eventually(async () => (await apiB.get(`/v1/users/${target.id}`, { token: admin.token })).status, (code) => code === 404, 200);
    expect(status).toBe(404);
    expect((await apiB.get('/v1/users?limit=100', { token: admin.token })).body.data.map((user: { id: string }) => user.id)).not.toContain(target.id);
  });

  it('a write on B is seen on A the same way', async () => {
    const target = await createViaA();
    expect((await apiA.get(`/v1/users/${target.id}`, { token: admin.token })).status).toBe(200);
    expect((await apiA.get(`/v1/users/${target.id}`, { token: admin.token })).status).toBe(200);

    expect((await apiB.patch(`/v1/users/${target.id}`, { role: 'moderator' }, { token: admin.token })).status).toBe(200);

    const role = await eventually(async () => (await apiA.get(`/v1/users/${target.id}`, { token: admin.token })).body.role, (value) => value === 'moderator', 200);
    expect(role).toBe('moderator');
  });

  it('a logout on A makes the token useless on B', async () => {
    const target = await createViaA();
    const { token } = await login(apiA, target);
    expect((await apiB.get('/v1/auth/validate', { token })).status).toBe(200);
    expect((await apiB.graphql('{ me { id } }', {}, token)).data?.me.id).toBe(target.id);

    expect((await apiA.post('/v1/auth/logout', undefined, { token })).status).toBe(204);

    expect((await apiB.get('/v1/auth/validate', { token })).status).toBe(401);
    expect((await apiB.get(`/v1/users/${target.id}`, { token })).status).toBe(401);
    expect((await apiB.graphql('{ me { id } }', {}, token)).errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describeWithRedis('two instances: one rate limit', () => {
  let a: TestServer;
  let b: RunningServer;

  beforeAll(async () => {
    ({ a, b } = await startPair({ RATE_LIMIT_READ_PER_USER: '4/3600' }));
  });
  afterAll(async () => {
    await b?.close();
    await a?.stop();
  });

  it('2 reads on A and 2 on B spend the whole budget: the 5th is refused on either', async () => {
    const apiA = new ApiClient(a.url);
    const apiB = new ApiClient(b.url);
    const user = await signedIn(a, apiA, UserRole.USER);
    const readOn = async (api: ApiClient) => (await api.get(`/v1/users/${user.id}`, { token: user.token })).status;

    expect([await readOn(apiA), await readOn(apiA), await readOn(apiB), await readOn(apiB)]).toEqual([200, 200, 200, 200]);
    expect(await readOn(apiA)).toBe(429);
    expect(await readOn(apiB)).toBe(429);
    expect((await apiB.graphql('{ me { id } }', {}, user.token)).errors?.[0].extensions.code).toBe('RATE_LIMITED');
  });

  it('another user keeps their own budget on both instances', async () => {
    const apiA = new ApiClient(a.url);
    const apiB = new ApiClient(b.url);
    const other = await signedIn(a, apiA, UserRole.USER);
    const statuses = [];
    for (const api of [apiB, apiA, apiB, apiA, apiB]) statuses.push((await api.get(`/v1/users/${other.id}`, { token: other.token })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });
});
