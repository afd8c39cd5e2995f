import { randomBytes } from 'node:crypto';
import { UserRole } from '../../../src/users/user-role';
import { seedUser, type SeededUser, signedIn, type SignedIn } from '../../support/factories';
import { expectProblem, expectStatus, fieldNames, PUBLIC_USER_FIELDS, sleep } from '../../support/problem';
import { useTestServer } from '../../support/use-test-server';

/** A tag no other test's users contain, so `q=tag` sees only this test's users. */
const newTag = () => `t${randomBytes(5).toString('hex')}`;

describe('REST GET /v1/users', () => {
  const ctx = useTestServer({}, { admin: true });
  let moderator: SignedIn;

  beforeAll(async () => {
    moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
  });

  async function list(query: Record<string, string | number | boolean>, token = ctx.admin.token) {
    const search = new URLSearchParams(Object.entries(query).map(([key, value]): [string, string] => [key, String(value)]));
    return ctx.api.get(`/v1/users?${search}`, { token });
  }

  async function listIds(query: Record<string, string | number | boolean>): Promise<string[]> {
    const response = await list({ limit: 100, ...query });
    expectStatus(response, 200);
    return response.body.data.map((user: { id: string }) => user.id);
  }

  /** Seeds users one by one, a few ms apart, so their createdAt values differ. */
  async function seedInOrder(overrides: Record<string, unknown>[]): Promise<SeededUser[]> {
    const users: SeededUser[] = [];
    for (const override of overrides) {
      users.push(await seedUser(ctx.server, override));
      await sleep(5);
    }
    return users;
  }

  const ids = (users: { id: string }[]) => users.map((user) => user.id);
  const sortedIds = (users: { id: string }[]) => ids(users).sort();

  describe('shape and access', () => {
    it('answers admins and moderators with data and pagination', async () => {
      const tag = newTag();
      const seeded = await seedInOrder([{ lastName: tag }, { lastName: tag }]);
      for (const token of [ctx.admin.token, moderator.token]) {
        const response = await list({ q: tag }, token);
        expectStatus(response, 200);
        expect(Object.keys(response.body).sort()).toEqual(['data', 'pagination']);
        expect(response.body.pagination).toEqual({ page: 1, limit: 20, total: 2, totalPages: 1 });
        expect(response.body.data).toHaveLength(2);
        for (const user of response.body.data) expect(Object.keys(user).sort()).toEqual(PUBLIC_USER_FIELDS);
        // The default order is newest first.
        expect(ids(response.body.data)).toEqual(ids(seeded).reverse());
      }
    });

    it('answers a plain user with 403', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
      const problem = expectProblem(await list({}, user.token), 403);
      expect(problem.type).toBe('/problems/forbidden');
    });

    it('answers a caller without a token with 401', async () => {
      const response = await ctx.api.get('/v1/users');
      const problem = expectProblem(response, 401);
      expect(problem.type).toBe('/problems/unauthenticated');
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('answers an unknown query parameter with 422 naming it', async () => {
      const problem = expectProblem(await list({ search: 'x', offset: 3 }), 422);
      expect(fieldNames(problem.errors)).toEqual(['offset', 'search']);
    });

    it('answers a repeated query parameter with 422', async () => {
      const problem = expectProblem(await ctx.api.get('/v1/users?role=user&role=admin', { token: ctx.admin.token }), 422);
      expect(fieldNames(problem.errors)).toEqual(['role']);
    });
  });

  describe('pagination', () => {
    it('gives an empty page for no matches', async () => {
      const response = await list({ q: newTag() });
      expectStatus(response, 200);
      expect(response.body).toEqual({ data: [], pagination: { page: 1, limit: 20, total: 0, totalPages: 0 } });
    });

    it('pages through with a partial last page and an empty page past the end', async () => {
      const tag = newTag();
      const seeded = await seedInOrder(Array.from({ length: 5 }, () => ({ lastName: tag })));
      const newestFirst = ids(seeded).reverse();

      const pages = [];
      for (const page of [1, 2, 3]) {
        const response = await list({ q: tag, limit: 2, page });
        expectStatus(response, 200);
        expect(response.body.pagination).toEqual({ page, limit: 2, total: 5, totalPages: 3 });
        pages.push(ids(response.body.data));
      }
      expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
      expect(pages.flat()).toEqual(newestFirst);

      const past = await list({ q: tag, limit: 2, page: 4 });
      expectStatus(past, 200);
      expect(past.body).toEqual({ data: [], pagination: { page: 4, limit: 2, total: 5, totalPages: 3 } });
    });

    it('accepts limit=100 and limit=1', async () => {
      const tag = newTag();
      await seedInOrder([{ lastName: tag }, { lastName: tag }]);
      const hundred = await list({ q: tag, limit: 100 });
      expectStatus(hundred, 200);
      expect(hundred.body.pagination).toEqual({ page: 1, limit: 100, total: 2, totalPages: 1 });
      const one = await list({ q: tag, limit: 1 });
      expect(one.body.data).toHaveLength(1);
      expect(one.body.pagination).toEqual({ page: 1, limit: 1, total: 2, totalPages: 2 });
    });

    it.each([
      [{ limit: 101 }, 'limit'],
      [{ limit: 0 }, 'limit'],
      [{ limit: -1 }, 'limit'],
      [{ limit: '2.5' }, 'limit'],
      [{ page: 0 }, 'page'],
      [{ page: 'abc' }, 'page'],
      [{ page: '' }, 'page'],
    ])('answers %j with 422 on %s', async (query, field) => {
      const problem = expectProblem(await list(query), 422);
      expect(fieldNames(problem.errors)).toEqual([field]);
    });

    it('reports every bad parameter at once', async () => {
      const problem = expectProblem(await list({ page: 'abc', limit: 101, sort: 'password', isActive: 'yes' }), 422);
      expect(fieldNames(problem.errors)).toEqual(expect.arrayContaining(['isActive', 'page', 'sort']));
    });
  });

  describe('filters', () => {
    it('q matches username, email, first and last name in any letter case', async () => {
      const tag = newTag();
      const upper = tag.toUpperCase();
      const [byUsername, byEmail, byFirstName, byLastName] = await seedInOrder([
        { username: `U_${upper}` },
        { email: `${tag}.mail@example.com` },
        { firstName: `First${upper}` },
        { lastName: `Last${tag}` },
      ]);
      const unrelated = await seedUser(ctx.server, { lastName: 'Unrelated' });

      for (const q of [tag, upper, `${tag.slice(0, 4)}${upper.slice(4)}`]) {
        const found = await listIds({ q });
        expect(found.sort()).toEqual(sortedIds([byUsername, byEmail, byFirstName, byLastName]));
        expect(found).not.toContain(unrelated.id);
      }
      expect(await listIds({ q: `U_${tag}` })).toEqual([byUsername.id]);
      expect(await listIds({ q: `${tag}.mail@` })).toEqual([byEmail.id]);
      expect(await listIds({ q: `first${tag}` })).toEqual([byFirstName.id]);
      expect(await listIds({ q: `LAST${upper}` })).toEqual([byLastName.id]);
    });

    it("q treats '%' and '_' as literal characters", async () => {
      const tag = newTag();
      const [percent, notPercent, underscore, notUnderscore] = await seedInOrder([
        { lastName: `${tag}%off` },
        { lastName: `${tag}Xoff` },
        { lastName: `${tag}_a` },
        { lastName: `${tag}Ya` },
      ]);
      expect(await listIds({ q: `${tag}%` })).toEqual([percent.id]);
      expect(await listIds({ q: `${tag}_` })).toEqual([underscore.id]);
      expect(await listIds({ q: `${tag}%off` })).toEqual([percent.id]);
      expect(await listIds({ q: `${tag}_a` })).toEqual([underscore.id]);
      expect((await listIds({ q: tag })).sort()).toEqual(sortedIds([percent, notPercent, underscore, notUnderscore]));
    });

    it('q treats a backslash as a literal character', async () => {
      const tag = newTag();
      const [slashed] = await seedInOrder([{ lastName: `${tag}\\x` }, { lastName: `${tag}x` }]);
      expect(await listIds({ q: `${tag}\\` })).toEqual([slashed.id]);
    });

    it('filters by role', async () => {
      const tag = newTag();
      const [asAdmin, asModerator, asUser] = await seedInOrder([
        { lastName: tag, role: UserRole.ADMIN },
        { lastName: tag, role: UserRole.MODERATOR },
        { lastName: tag, role: UserRole.USER },
      ]);
      expect(await listIds({ q: tag, role: 'admin' })).toEqual([asAdmin.id]);
      expect(await listIds({ q: tag, role: 'moderator' })).toEqual([asModerator.id]);
      expect(await listIds({ q: tag, role: 'user' })).toEqual([asUser.id]);
      expect(fieldNames(expectProblem(await list({ q: tag, role: 'superuser' }), 422).errors)).toEqual(['role']);
    });

    it('filters by isActive and emailVerified', async () => {
      const tag = newTag();
      const [activeVerified, activeUnverified, inactiveVerified, inactiveUnverified] = await seedInOrder([
        { lastName: tag, isActive: true, emailVerified: true },
        { lastName: tag, isActive: true, emailVerified: false },
        { lastName: tag, isActive: false, emailVerified: true },
        { lastName: tag, isActive: false, emailVerified: false },
      ]);
      expect((await listIds({ q: tag, isActive: true })).sort()).toEqual(sortedIds([activeVerified, activeUnverified]));
      expect((await listIds({ q: tag, isActive: false })).sort()).toEqual(sortedIds([inactiveVerified, inactiveUnverified]));
      expect((await listIds({ q: tag, emailVerified: true })).sort()).toEqual(sortedIds([activeVerified, inactiveVerified]));
      expect((await listIds({ q: tag, emailVerified: false })).sort()).toEqual(sortedIds([activeUnverified, inactiveUnverified]));
      expect(await listIds({ q: tag, isActive: false, emailVerified: false })).toEqual([inactiveUnverified.id]);
      expect(fieldNames(expectProblem(await list({ isActive: 'yes', emailVerified: '1' }), 422).errors)).toEqual(['emailVerified', 'isActive']);
    });

    it('filters by createdAfter (inclusive) and createdBefore (exclusive)', async () => {
      const tag = newTag();
      await seedInOrder([{ lastName: tag }, { lastName: tag }, { lastName: tag }]);
      const all = (await list({ q: tag, sort: 'createdAt' })).body.data as { id: string; createdAt: string }[];
      expect(all).toHaveLength(3);
      const [first, second, third] = all;
      expect(new Set(all.map((user) => user.createdAt)).size).toBe(3);

      expect(await listIds({ q: tag, sort: 'createdAt', createdAfter: second.createdAt })).toEqual([second.id, third.id]);
      expect(await listIds({ q: tag, sort: 'createdAt', createdBefore: second.createdAt })).toEqual([first.id]);
      expect(await listIds({ q: tag, createdAfter: second.createdAt, createdBefore: third.createdAt })).toEqual([second.id]);
      expect(await listIds({ q: tag, createdAfter: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
      // An offset other than Z names the same instant.
      const plusTwo = new Date(new Date(second.createdAt).getTime() + 2 * 3600_000).toISOString().replace('Z', '+02:00');
      expect(await listIds({ q: tag, sort: 'createdAt', createdAfter: plusTwo })).toEqual([second.id, third.id]);
    });

    it('answers bad or contradictory dates with 422', async () => {
      expect(fieldNames(expectProblem(await list({ createdAfter: 'yesterday', createdBefore: '2026-13-45' }), 422).errors)).toEqual(['createdAfter', 'createdBefore']);
      const now = new Date().toISOString();
      expect(fieldNames(expectProblem(await list({ createdAfter: now, createdBefore: now }), 422).errors)).toEqual(['createdBefore']);
    });

    it('combines every filter', async () => {
      const tag = newTag();
      const [match] = await seedInOrder([
        { lastName: tag, role: UserRole.MODERATOR, isActive: true, emailVerified: true },
        { lastName: tag, role: UserRole.USER, isActive: true, emailVerified: true },
        { lastName: tag, role: UserRole.MODERATOR, isActive: false, emailVerified: true },
        { lastName: tag, role: UserRole.MODERATOR, isActive: true, emailVerified: false },
        { lastName: `other${newTag()}`, role: UserRole.MODERATOR, isActive: true, emailVerified: true },
      ]);
      const from = new Date(Date.now() - 60_000).toISOString();
      const to = new Date(Date.now() + 60_000).toISOString();
      const response = await list({ q: tag, role: 'moderator', isActive: true, emailVerified: true, createdAfter: from, createdBefore: to });
      expectStatus(response, 200);
      expect(ids(response.body.data)).toEqual([match.id]);
      expect(response.body.pagination.total).toBe(1);
    });

    it('ignores an empty q', async () => {
      const response = await list({ q: '  ', limit: 1 });
      expectStatus(response, 200);
      expect(response.body.pagination.total).toBeGreaterThanOrEqual(2);
    });
  });

  describe('sorting', () => {
    /**
     * Four users whose creation, update, username, email and lastName orders all differ:
     * created 0,1,2,3; updated 2,0,3,1; username 1,3,0,2; email 2,0,3,1 reversed; lastName 3,1,2,0.
     */
    let tag: string;
    let users: SeededUser[];
    const expected: Record<string, number[]> = {
      createdAt: [0, 1, 2, 3],
      updatedAt: [2, 0, 3, 1],
      username: [1, 3, 0, 2],
      email: [1, 3, 0, 2].reverse(),
      lastName: [3, 1, 2, 0],
    };

    beforeAll(async () => {
      tag = newTag();
      users = await seedInOrder([
        { username: `${tag}_c`, email: `b_${tag}@example.com`, lastName: `${tag}-d` },
        { username: `${tag}_a`, email: `d_${tag}@example.com`, lastName: `${tag}-b` },
        { username: `${tag}_d`, email: `a_${tag}@example.com`, lastName: `${tag}-c` },
        { username: `${tag}_b`, email: `c_${tag}@example.com`, lastName: `${tag}-a` },
      ]);
      for (const index of expected.updatedAt) {
        expectStatus(await ctx.api.patch(`/v1/users/${users[index].id}`, { firstName: `Updated${index}` }, { token: ctx.admin.token }), 200);
        await sleep(5);
      }
    });

    it.each(['createdAt', 'updatedAt', 'username', 'email', 'lastName'])('sorts by %s ascending and descending', async (field) => {
      const ascending = expected[field].map((index) => users[index].id);
      expect(await listIds({ q: tag, sort: field })).toEqual(ascending);
      expect(await listIds({ q: tag, sort: `-${field}` })).toEqual([...ascending].reverse());
    });

    it('answers an unknown sort field with 422', async () => {
      for (const sort of ['password', 'passwordHash', '+username', 'username,email', '--email']) {
        expect(fieldNames(expectProblem(await list({ sort }), 422).errors)).toEqual(['sort']);
      }
    });

    it('breaks ties by id, so paging with limit 2 gives every user exactly once', async () => {
      const sameName = newTag();
      const seeded = await Promise.all(Array.from({ length: 7 }, () => seedUser(ctx.server, { lastName: sameName })));
      for (const [sort, direction] of [['lastName', 1], ['-lastName', -1]] as const) {
        const seen: string[] = [];
        for (let page = 1; page <= 5; page += 1) {
          const response = await list({ q: sameName, sort, limit: 2, page });
          expectStatus(response, 200);
          expect(response.body.pagination).toMatchObject({ total: 7, totalPages: 4 });
          seen.push(...ids(response.body.data));
        }
        expect(seen).toHaveLength(7);
        expect(new Set(seen).size).toBe(7);
        const byId = sortedIds(seeded);
        expect(seen).toEqual(direction === 1 ? byId : byId.reverse());
      }
    });
  });
});
