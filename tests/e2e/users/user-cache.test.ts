import type Redis from 'ioredis';
import { USER_VIEW_FIELD_NAMES } from '../../../src/users/user-view';
import { userKey as cachedUserKey } from '../../../src/users/cache/user-cache.tier';
import { UserRole } from '../../../src/users/user-role';
import { DEFAULT_PASSWORD, login, seedUser, signedIn, userInput } from '../../support/factories';
import { dumpPrefix, rawRedis } from '../../support/redis-tools';
import { itWithRedis, REDIS_AVAILABLE } from '../../support/redis-mode';
import { useTestServer } from '../../support/use-test-server';

const USER_FIELDS = 'id username email firstName lastName phone role isActive emailVerified createdAt updatedAt lastLoginAt';
const USER = `query ($id: UUID!) { user(id: $id) { ${USER_FIELDS} } }`;
const USERS = `query { users(first: 100) { totalCount edges { node { ${USER_FIELDS} } } } }`;
const UPDATE = `mutation ($id: UUID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id lastName } }`;
const DELETE = 'mutation ($id: UUID!) { deleteUser(id: $id) }';

/** The one statement every authenticated request runs: the session, joined with its user. */
const AUTH_STATEMENT = /from "sessions" as "s0" inner join "users"/;

type View = Record<string, any> | null;
interface Views {
  rest: View;
  graphql: View;
  restList: View;
  graphqlList: View;
}

/** GraphQL spells roles as enum names; REST in lower case. */
function normalize(view: View): View {
  return view && { ...view, role: String(view.role).toLowerCase() };
}

describe('user cache: cache-aside in Redis and in process', () => {
  const ctx = useTestServer({}, { admin: true });
  let redis: Redis;

  beforeAll(() => {
    if (REDIS_AVAILABLE) redis = rawRedis();
  });
  afterAll(() => redis?.disconnect());

  const userKey = (id: string) => `${ctx.server.config.redisKeyPrefix}${cachedUserKey(id, ctx.server.services.cacheEpoch.tag() ?? "untrusted")}`;

  /**
   * Authenticates once, so the caller's own session and user are cached (authentication may read
   * them through the same caches) and what follows measures only the request under test.
   */
  const warmAuth = async (token = ctx.admin.token) => expect((await ctx.api.get('/v1/auth/validate', { token })).status).toBe(200);

  /**
   * A user created through the API, as every write the cache must know of. (seedUser writes past
   * the service, as an operator would, so cached lists may not show it until they expire.)
   */
  async function createViaApi(overrides: Record<string, unknown> = {}) {
    const input = userInput(overrides);
    const response = await ctx.api.post('/v1/users', input, { token: ctx.admin.token });
    expect(response.status).toBe(201);
    return { id: response.body.id as string, username: input.username as string, email: input.email as string, password: input.password as string };
  }

  /** The user as each read path shows it to the admin, or null where it is absent. */
  async function views(id: string): Promise<Views> {
    const rest = await ctx.api.get(`/v1/users/${id}`, { token: ctx.admin.token });
    const graphql = await ctx.api.graphql(USER, { id }, ctx.admin.token);
    const restList = await ctx.api.get('/v1/users?limit=100', { token: ctx.admin.token });
    const graphqlList = await ctx.api.graphql(USERS, {}, ctx.admin.token);
    expect([rest.status === 200 || rest.status === 404, restList.status, graphqlList.errors]).toEqual([true, 200, undefined]);
    return {
      rest: rest.status === 200 ? rest.body : null,
      graphql: normalize(graphql.data?.user ?? null),
      restList: restList.body.data.find((user: { id: string }) => user.id === id) ?? null,
      graphqlList: normalize(graphqlList.data.users.edges.map((edge: { node: View }) => edge.node).find((user: { id: string }) => user.id === id) ?? null),
    };
  }

  /** Every read path shows the user with these values. */
  async function expectEverywhere(id: string, expected: Record<string, unknown>): Promise<Views> {
    const seen = await views(id);
    expect(seen).toEqual({
      rest: expect.objectContaining(expected),
      graphql: expect.objectContaining(expected),
      restList: expect.objectContaining(expected),
      graphqlList: expect.objectContaining(expected),
    });
    return seen;
  }

  describe('what is cached', () => {
    itWithRedis('stores a read user under <prefix>user:{<id>} for at most 300 seconds', async () => {
      const target = await seedUser(ctx.server);
      expect(await redis.exists(userKey(target.id))).toBe(0);

      const response = await ctx.api.get(`/v1/users/${target.id}`, { token: ctx.admin.token });

      expect(response.status).toBe(200);
      const ttl = await redis.ttl(userKey(target.id));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(300);
      const cached = JSON.parse((await redis.get(userKey(target.id)))!);
      expect(cached).toMatchObject({ id: target.id, username: target.username, email: target.email });
      // What is shown, plus the security stamp that authentication compares (never shown).
      expect(Object.keys(cached).sort()).toEqual([...Object.keys(response.body), 'securityStamp'].sort());
      expect(response.body).not.toHaveProperty('securityStamp');
      // Never a secret or an internal mark: the stored text is the read model's fields only.
      const stored = (await redis.get(userKey(target.id)))!;
      expect(Object.keys(cached)).toEqual(USER_VIEW_FIELD_NAMES);
      expect(stored).not.toMatch(/argon2|passwordHash|password_hash|emailKey|emailIssue|deletedAt/);
    });

    it('answers a repeated read without any SQL against users', async () => {
      const target = await seedUser(ctx.server);
      await warmAuth();
      const before = ctx.server.queries.length;
      const first = await ctx.api.get(`/v1/users/${target.id}`, { token: ctx.admin.token });
      const firstStatements = ctx.server.queries.slice(before);
      const middle = ctx.server.queries.length;
      const second = await ctx.api.get(`/v1/users/${target.id}`, { token: ctx.admin.token });
      const secondStatements = ctx.server.queries.slice(middle);

      expect([first.status, second.status]).toEqual([200, 200]);
      expect(second.body).toEqual(first.body);
      // The first read went to PostgreSQL for the user; the second only authenticated the caller.
      expect(firstStatements.filter((sql) => /from "users"/.test(sql))).toHaveLength(1);
      expect(secondStatements.filter((sql) => !AUTH_STATEMENT.test(sql))).toEqual([]);
    });

    it('counts a miss for the first read and a hit for the next', async () => {
      const target = await seedUser(ctx.server);
      const stats = ctx.server.services.userCache.stats;
      const snapshot = () => ({ misses: stats.misses, hits: stats.hits + stats.localHits });
      await warmAuth();

      const s0 = snapshot();
      await ctx.api.get(`/v1/users/${target.id}`, { token: ctx.admin.token });
      const s1 = snapshot();
      await ctx.api.get(`/v1/users/${target.id}`, { token: ctx.admin.token });
      const s2 = snapshot();

      // Whatever authentication looks up is the same in both requests; the target is the difference.
      expect(s1.misses - s0.misses).toBe(1);
      expect(s2.misses - s1.misses).toBe(0);
      expect(s2.hits - s1.hits).toBe(s1.hits - s0.hits + 1);
      expect(stats.hitRate).toBeGreaterThan(0);
    });

    itWithRedis('never holds a password or a hash in any cached value', async () => {
      const created = [
        (await ctx.api.post('/v1/users', userInput({ phone: '+14155550100' }), { token: ctx.admin.token })).body.id,
        (await ctx.api.post('/v1/users', userInput())).body.id,
        (await ctx.api.graphql('mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: userInput() })).data.createUser.id,
      ];
      await ctx.api.patch(`/v1/users/${created[0]}`, { lastName: 'Changed' }, { token: ctx.admin.token });
      await ctx.api.post(`/v1/users/${created[1]}/password`, { newPassword: 'An0ther-Secret!' }, { token: ctx.admin.token });
      const self = await signedIn(ctx.server, ctx.api, UserRole.USER);
      for (const id of [...created, ctx.admin.id]) {
        await ctx.api.get(`/v1/users/${id}`, { token: ctx.admin.token });
        await ctx.api.graphql(USER, { id }, ctx.admin.token);
      }
      await ctx.api.get(`/v1/users/${self.id}`, { token: self.token });
      await ctx.api.graphql('{ me { id } }', {}, self.token);
      await ctx.api.get('/v1/users?limit=100', { token: ctx.admin.token });
      await ctx.api.get('/v1/users?q=user_&sort=-username&limit=5&page=2', { token: ctx.admin.token });
      await ctx.api.graphql(USERS, {}, ctx.admin.token);
      await ctx.api.graphql('{ users(first: 3, filter: { role: ADMIN }) { edges { node { id } } } }', {}, ctx.admin.token);

      const dump = await dumpPrefix(redis, ctx.server.config.redisKeyPrefix);
      const keys = [...dump.keys()].map((key) => key.slice(ctx.server.config.redisKeyPrefix.length));
      // The scan must have seen real cache entries, or finding nothing would prove nothing.
      expect(keys.filter((key) => key.startsWith('user:')).length).toBeGreaterThanOrEqual(5);
      expect(keys.filter((key) => key.startsWith('users:list:')).length).toBeGreaterThanOrEqual(3);
      const leaks = [...dump].filter(([, { text }]) => /argon2|password_?hash|"password"|"newPassword"/i.test(text) || text.includes(DEFAULT_PASSWORD) || text.includes('An0ther-Secret!'));
      expect(leaks.map(([key]) => key)).toEqual([]);
    });

    it('still applies visibility to a cached user: a plain user cannot read another one', async () => {
      const target = await seedUser(ctx.server);
      const plain = await signedIn(ctx.server, ctx.api, UserRole.USER);
      expect((await ctx.api.get(`/v1/users/${target.id}`, { token: ctx.admin.token })).status).toBe(200);
      // Cached now: a lookup that may not load finds it (in Redis or in process, whichever this run uses).
      expect(await ctx.server.services.userCache.getUser(target.id, async () => null)).toMatchObject({ id: target.id });

      expect((await ctx.api.get(`/v1/users/${target.id}`, { token: plain.token })).status).toBe(404);
      expect((await ctx.api.graphql(USER, { id: target.id }, plain.token)).errors?.[0].extensions.code).toBe('NOT_FOUND');
    });
  });

  describe('every write is visible on the very next read, through every door', () => {
    it('PATCH lastName: single reads and both list kinds show the new value', async () => {
      const target = await createViaApi();
      await expectEverywhere(target.id, { lastName: expect.stringMatching(/^Person/) });

      const patched = await ctx.api.patch(`/v1/users/${target.id}`, { lastName: 'Patched' }, { token: ctx.admin.token });

      expect(patched.status).toBe(200);
      await expectEverywhere(target.id, { lastName: 'Patched' });
    });

    it('PUT replaces the profile and every read path shows the replacement', async () => {
      const target = await createViaApi({ phone: '+14155550101' });
      await expectEverywhere(target.id, { phone: '+14155550101' });
      const replacement = { username: `put_${target.username}`.slice(0, 32), email: `put.${target.email}`, firstName: 'Put', lastName: 'Replaced' };

      const replaced = await ctx.api.put(`/v1/users/${target.id}`, replacement, { token: ctx.admin.token });

      expect(replaced.status).toBe(200);
      await expectEverywhere(target.id, { ...replacement, phone: null });
    });

    it('a role change is visible at once', async () => {
      const target = await createViaApi();
      await expectEverywhere(target.id, { role: 'user' });

      expect((await ctx.api.patch(`/v1/users/${target.id}`, { role: 'moderator' }, { token: ctx.admin.token })).status).toBe(200);

      await expectEverywhere(target.id, { role: 'moderator' });
    });

    it('deactivation and reactivation are visible at once', async () => {
      const target = await createViaApi();
      await expectEverywhere(target.id, { isActive: true });

      expect((await ctx.api.patch(`/v1/users/${target.id}`, { isActive: false }, { token: ctx.admin.token })).status).toBe(200);
      await expectEverywhere(target.id, { isActive: false });

      expect((await ctx.api.patch(`/v1/users/${target.id}`, { isActive: true }, { token: ctx.admin.token })).status).toBe(200);
      await expectEverywhere(target.id, { isActive: true });
    });

    it('a password change (admin reset and the owner’s own) moves updatedAt on every read path', async () => {
      const target = await createViaApi();
      const before = (await expectEverywhere(target.id, {})).rest!.updatedAt as string;

      const reset = await ctx.api.post(`/v1/users/${target.id}/password`, { newPassword: 'Reset-by-adm1n!' }, { token: ctx.admin.token });
      expect(reset.status).toBe(204);
      const afterReset = (await views(target.id)).rest!.updatedAt as string;
      expect(new Date(afterReset).getTime()).toBeGreaterThan(new Date(before).getTime());
      await expectEverywhere(target.id, { updatedAt: afterReset });

      const owner = await login(ctx.api, { username: target.username, password: 'Reset-by-adm1n!' });
      await expectEverywhere(target.id, {});
      const own = await ctx.api.post(`/v1/users/${target.id}/password`, { currentPassword: 'Reset-by-adm1n!', newPassword: 'Own-n3w-secret!' }, { token: owner.token });
      expect(own.status).toBe(204);
      const afterOwn = (await views(target.id)).rest!.updatedAt as string;
      expect(new Date(afterOwn).getTime()).toBeGreaterThan(new Date(afterReset).getTime());
      await expectEverywhere(target.id, { updatedAt: afterOwn });
    });

    it('a login is a write too: lastLoginAt is fresh on the next read', async () => {
      const target = await createViaApi();
      await expectEverywhere(target.id, { lastLoginAt: null });

      await login(ctx.api, target);

      await expectEverywhere(target.id, { lastLoginAt: expect.stringMatching(/^\d{4}-/) });
    });

    it('DELETE: the user is gone from single reads and from both lists', async () => {
      const target = await createViaApi();
      await expectEverywhere(target.id, { id: target.id });

      expect((await ctx.api.delete(`/v1/users/${target.id}`, { token: ctx.admin.token })).status).toBe(204);

      expect(await views(target.id)).toEqual({ rest: null, graphql: null, restList: null, graphqlList: null });
      expect((await ctx.api.get(`/v1/users/${target.id}`, { token: ctx.admin.token })).status).toBe(404);
      expect((await ctx.api.graphql(USER, { id: target.id }, ctx.admin.token)).errors?.[0].extensions.code).toBe('NOT_FOUND');
    });

    it('create, list, patch, list again, delete, list again', async () => {
      const listed = async () => (await ctx.api.get('/v1/users?limit=100', { token: ctx.admin.token })).body.data as { id: string; lastName: string }[];
      const created = await ctx.api.post('/v1/users', userInput({ lastName: 'Original' }), { token: ctx.admin.token });
      expect(created.status).toBe(201);
      expect((await listed()).find((user) => user.id === created.body.id)?.lastName).toBe('Original');

      await ctx.api.patch(`/v1/users/${created.body.id}`, { lastName: 'Renamed' }, { token: ctx.admin.token });
      expect((await listed()).find((user) => user.id === created.body.id)?.lastName).toBe('Renamed');

      await ctx.api.delete(`/v1/users/${created.body.id}`, { token: ctx.admin.token });
      expect((await listed()).map((user) => user.id)).not.toContain(created.body.id);
    });

    it('GraphQL writes invalidate what REST reads, and the reverse', async () => {
      const target = await createViaApi();
      await expectEverywhere(target.id, { id: target.id });

      const updated = await ctx.api.graphql(UPDATE, { id: target.id, input: { lastName: 'ViaGraphql' } }, ctx.admin.token);
      expect(updated.errors).toBeUndefined();
      await expectEverywhere(target.id, { lastName: 'ViaGraphql' });

      expect((await ctx.api.patch(`/v1/users/${target.id}`, { firstName: 'ViaRest' }, { token: ctx.admin.token })).status).toBe(200);
      await expectEverywhere(target.id, { lastName: 'ViaGraphql', firstName: 'ViaRest' });

      expect((await ctx.api.graphql(DELETE, { id: target.id }, ctx.admin.token)).data?.deleteUser).toBe(true);
      expect(await views(target.id)).toEqual({ rest: null, graphql: null, restList: null, graphqlList: null });
    });

    it('the signed-in user sees their own change through GraphQL me at once', async () => {
      const self = await signedIn(ctx.server, ctx.api, UserRole.USER);
      expect((await ctx.api.graphql('{ me { lastName } }', {}, self.token)).data.me.lastName).toMatch(/^Person/);

      expect((await ctx.api.patch(`/v1/users/${self.id}`, { lastName: 'Myself' }, { token: self.token })).status).toBe(200);

      expect((await ctx.api.graphql('{ me { lastName } }', {}, self.token)).data.me.lastName).toBe('Myself');
      expect((await ctx.api.get(`/v1/users/${self.id}`, { token: self.token })).body.lastName).toBe('Myself');
    });
  });
});

describe('user cache without the in-process layer: Redis hits', () => {
  const ctx = useTestServer({ CACHE_LOCAL_MAX_ENTRIES: '0' }, { admin: true });

  it('serves the second read of a user from Redis, counting a Redis hit and no SQL', async () => {
    const target = await seedUser(ctx.server);
    const stats = ctx.server.services.userCache.stats;
    const snapshot = () => ({ misses: stats.misses, hits: stats.hits, localHits: stats.localHits });
    expect((await ctx.api.get('/v1/auth/validate', { token: ctx.admin.token })).status).toBe(200);

    const s0 = snapshot();
    await ctx.api.get(`/v1/users/${target.id}`, { token: ctx.admin.token });
    const s1 = snapshot();
    const before = ctx.server.queries.length;
    const second = await ctx.api.get(`/v1/users/${target.id}`, { token: ctx.admin.token });
    const s2 = snapshot();

    expect(second.status).toBe(200);
    expect(second.body.id).toBe(target.id);
    expect(ctx.server.queries.slice(before).filter((sql) => !AUTH_STATEMENT.test(sql))).toEqual([]);
    expect([s1.misses - s0.misses, s2.misses - s1.misses]).toEqual([1, 0]);
    expect(s2.hits - s1.hits).toBe(s1.hits - s0.hits + 1);
    expect([s1.localHits, s2.localHits]).toEqual([0, 0]);
    // Dates survive the trip through JSON.
    expect(second.body.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('caches a list page until the next write, then reloads it', async () => {
    const stats = ctx.server.services.userCache.stats;
    const list = () => ctx.api.get('/v1/users?limit=50&sort=username', { token: ctx.admin.token });
    const first = await list();
    const misses = stats.misses;
    const before = ctx.server.queries.length;
    const second = await list();

    expect(second.body).toEqual(first.body);
    expect(stats.misses - misses).toBe(0);
    expect(ctx.server.queries.slice(before).filter((sql) => !AUTH_STATEMENT.test(sql))).toEqual([]);

    const created = await ctx.api.post('/v1/users', userInput({ username: 'aaa_first_in_order' }), { token: ctx.admin.token });
    const missesBefore = stats.misses;
    const third = await list();
    expect(stats.misses - missesBefore).toBe(1);
    expect(third.body.data[0].id).toBe(created.body.id);
    expect(third.body.pagination.total).toBe(first.body.pagination.total + 1);
  });

  it('the write-side views are fresh in Redis too: PATCH then GET shows the new value', async () => {
    const target = await seedUser(ctx.server);
    await ctx.api.get(`/v1/users/${target.id}`, { token: ctx.admin.token });
    await ctx.api.patch(`/v1/users/${target.id}`, { lastName: 'RedisOnly' }, { token: ctx.admin.token });
    expect((await ctx.api.get(`/v1/users/${target.id}`, { token: ctx.admin.token })).body.lastName).toBe('RedisOnly');
  });
});
