import { randomBytes } from 'node:crypto';
import { UserRole } from '../../../src/users/user-role';
import { seedUser, type SeededUser, signedIn, userInput } from '../../support/factories';
import { expectProblem, expectStatus, fieldNames, PUBLIC_USER_FIELDS, sleep } from '../../support/problem';
import { useTestServer } from '../../support/use-test-server';

const USER_FIELDS = PUBLIC_USER_FIELDS.join(' ');
const USER_QUERY = `query User($id: UUID!) { user(id: $id) { ${USER_FIELDS} } }`;
const USERS_QUERY = `
  query Users($filter: UserFilterInput, $first: Int!, $after: String, $orderBy: UserOrderInput) {
    users(filter: $filter, first: $first, after: $after, orderBy: $orderBy) {
      edges { node { id } }
      pageInfo { hasNextPage endCursor }
      totalCount
    }
  }`;
const CREATE_USER = `mutation Create($input: CreateUserInput!) { createUser(input: $input) { ${USER_FIELDS} } }`;
const UPDATE_USER = `mutation Update($id: UUID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { ${USER_FIELDS} } }`;

const newTag = () => `p${randomBytes(5).toString('hex')}`;

/** GraphQL names enum values in upper case (USER); REST sends the stored value (user). */
function sameRepresentation(user: Record<string, any>): Record<string, any> {
  return { ...user, role: String(user.role).toLowerCase() };
}

/** A REST sort parameter and the GraphQL orderBy that means the same. */
const ORDERINGS = [
  ['createdAt', { field: 'CREATED_AT', direction: 'ASC' }],
  ['-createdAt', { field: 'CREATED_AT', direction: 'DESC' }],
  ['updatedAt', { field: 'UPDATED_AT', direction: 'ASC' }],
  ['-updatedAt', { field: 'UPDATED_AT', direction: 'DESC' }],
  ['username', { field: 'USERNAME', direction: 'ASC' }],
  ['-username', { field: 'USERNAME', direction: 'DESC' }],
  ['email', { field: 'EMAIL', direction: 'ASC' }],
  ['-email', { field: 'EMAIL', direction: 'DESC' }],
  ['lastName', { field: 'LAST_NAME', direction: 'ASC' }],
  ['-lastName', { field: 'LAST_NAME', direction: 'DESC' }],
] as const;

describe('REST and GraphQL agree', () => {
  const ctx = useTestServer({}, { admin: true });

  async function restIds(query: Record<string, string>): Promise<string[]> {
    const response = await ctx.api.get(`/v1/users?${new URLSearchParams({ limit: '100', ...query })}`, { token: ctx.admin.token });
    expectStatus(response, 200);
    return response.body.data.map((user: { id: string }) => user.id);
  }

  async function graphqlIds(variables: Record<string, unknown>): Promise<string[]> {
    const result: any = await ctx.api.graphql(USERS_QUERY, { first: 100, ...variables }, ctx.admin.token);
    expect(result.errors).toBeUndefined();
    return result.data.users.edges.map((edge: any) => edge.node.id);
  }

  describe('one user through either door', () => {
    it('a user created through REST reads the same through GraphQL, field by field', async () => {
      const created = await ctx.api.post('/v1/users', userInput({ phone: '+14155550123', email: `Rest_${newTag()}@Example.com` }));
      expectStatus(created, 201);

      const fetched = await ctx.api.graphql(USER_QUERY, { id: created.body.id }, ctx.admin.token);
      expect(fetched.errors).toBeUndefined();
      expect(Object.keys(fetched.data.user).sort()).toEqual(Object.keys(created.body).sort());
      for (const field of PUBLIC_USER_FIELDS) {
        expect({ field, value: sameRepresentation(fetched.data.user)[field] }).toEqual({ field, value: sameRepresentation(created.body)[field] });
      }
    });

    it('a user created through GraphQL reads the same through REST, field by field', async () => {
      const created = await ctx.api.graphql(CREATE_USER, { input: userInput({ phone: '+4930123456', email: `Gql_${newTag()}@Example.com` }) });
      expect(created.errors).toBeUndefined();

      const fetched = await ctx.api.get(`/v1/users/${created.data.createUser.id}`, { token: ctx.admin.token });
      expectStatus(fetched, 200);
      expect(Object.keys(fetched.body).sort()).toEqual(Object.keys(created.data.createUser).sort());
      for (const field of PUBLIC_USER_FIELDS) {
        expect({ field, value: sameRepresentation(fetched.body)[field] }).toEqual({ field, value: sameRepresentation(created.data.createUser)[field] });
      }
    });

    it('the same sign-up through each door stores the same values', async () => {
      const tag = newTag();
      const body = { firstName: ' Ada ', lastName: 'Lovelace ', phone: '+14155550123', password: 'Analytical-3ngine' };
      const viaRest = await ctx.api.post('/v1/users', { ...body, username: ` rest_${tag} `, email: `REST_${tag}@EXAMPLE.COM` });
      const viaGraphql = await ctx.api.graphql(CREATE_USER, { input: { ...body, username: ` gql_${tag} `, email: `GQL_${tag}@EXAMPLE.COM` } });
      expectStatus(viaRest, 201);
      expect(viaGraphql.errors).toBeUndefined();

      const rest = sameRepresentation(viaRest.body);
      const graphql = sameRepresentation(viaGraphql.data.createUser);
      expect(rest.username).toBe(`rest_${tag}`);
      expect(graphql.username).toBe(`gql_${tag}`);
      expect(rest.email).toBe(`rest_${tag}@example.com`);
      expect(graphql.email).toBe(`gql_${tag}@example.com`);
      const comparable = ({ id: _id, username: _u, email: _e, createdAt: _c, updatedAt: _up, ...rest }: Record<string, any>) => rest;
      expect(comparable(graphql)).toEqual(comparable(rest));
      expect(comparable(rest)).toEqual({ firstName: 'Ada', lastName: 'Lovelace', phone: '+14155550123', role: 'user', isActive: true, emailVerified: false, pendingEmail: null, lastLoginAt: null, version: 1 });
    });

    it('an update through one door is what the other door reads', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER, { phone: '+14155550123' });

      const patched = await ctx.api.patch(`/v1/users/${user.id}`, { firstName: 'Patched', phone: null }, { token: user.token, headers: { 'content-type': 'application/merge-patch+json' } });
      expectStatus(patched, 200);
      const readByGraphql = await ctx.api.graphql(USER_QUERY, { id: user.id }, user.token);
      expect(sameRepresentation(readByGraphql.data.user)).toEqual(sameRepresentation(patched.body));

      const updated = await ctx.api.graphql(UPDATE_USER, { id: user.id, input: { lastName: 'Updated', phone: '+33123456789' } }, user.token);
      expect(updated.errors).toBeUndefined();
      const readByRest = await ctx.api.get(`/v1/users/${user.id}`, { token: user.token });
      expect(sameRepresentation(readByRest.body)).toEqual(sameRepresentation(updated.data.updateUser));
      expect(readByRest.body).toMatchObject({ firstName: 'Patched', lastName: 'Updated', phone: '+33123456789' });
    });
  });

  describe('lists', () => {
    let tag: string;
    let users: SeededUser[];

    beforeAll(async () => {
      tag = newTag();
      const specs = [
        { username: `${tag}_e`, email: `c_${tag}@example.com`, lastName: `${tag}-b`, role: UserRole.USER, emailVerified: true },
        { username: `${tag}_b`, email: `e_${tag}@example.com`, lastName: `${tag}-a`, role: UserRole.MODERATOR },
        { username: `${tag}_d`, email: `a_${tag}@example.com`, lastName: `${tag}-b`, role: UserRole.USER, isActive: false },
        { username: `${tag}_a`, email: `d_${tag}@example.com`, lastName: `${tag}-a`, role: UserRole.USER, emailVerified: true },
        { username: `${tag}_c`, email: `b_${tag}@example.com`, lastName: `${tag}-b`, role: UserRole.ADMIN },
        { username: `${tag}_f`, email: `f_${tag}@example.com`, lastName: `${tag}-a`, role: UserRole.USER },
      ];
      users = [];
      for (const spec of specs) {
        users.push(await seedUser(ctx.server, spec));
        await sleep(3);
      }
      // Updates in another order than creation, so updatedAt differs from createdAt order.
      for (const index of [3, 0, 5]) {
        expectStatus(await ctx.api.patch(`/v1/users/${users[index].id}`, { firstName: `Touched${index}` }, { token: ctx.admin.token }), 200);
        await sleep(3);
      }
    });

    it.each(ORDERINGS)('sort=%s gives the same ids in the same order', async (sort, orderBy) => {
      const rest = await restIds({ q: tag, sort });
      const graphql = await graphqlIds({ filter: { q: tag }, orderBy });
      expect(rest).toHaveLength(users.length);
      expect(graphql).toEqual(rest);
    });

    it.each([
      [{ role: 'user' }, { role: 'USER' }],
      [{ role: 'moderator' }, { role: 'MODERATOR' }],
      [{ isActive: 'false' }, { isActive: false }],
      [{ emailVerified: 'true' }, { emailVerified: true }],
      [{ role: 'user', isActive: 'true', emailVerified: 'false' }, { role: 'USER', isActive: true, emailVerified: false }],
    ])('filter %j gives the same ids in the same order', async (restFilter, graphqlFilter) => {
      for (const [sort, orderBy] of [ORDERINGS[5], ORDERINGS[8]]) {
        const rest = await restIds({ q: tag, ...restFilter, sort });
        const graphql = await graphqlIds({ filter: { q: tag, ...graphqlFilter }, orderBy });
        expect(rest.length).toBeGreaterThan(0);
        expect(graphql).toEqual(rest);
      }
    });

    it('q in another letter case, with createdAfter, gives the same ids', async () => {
      const all = (await ctx.api.get(`/v1/users?${new URLSearchParams({ q: tag, sort: 'createdAt' })}`, { token: ctx.admin.token })).body.data;
      const from = all[2].createdAt;
      const rest = await restIds({ q: tag.toUpperCase(), createdAfter: from, sort: 'createdAt' });
      const graphql = await graphqlIds({ filter: { q: tag.toUpperCase(), createdAfter: from }, orderBy: ORDERINGS[0][1] });
      expect(rest).toEqual(users.slice(2).map((user) => user.id));
      expect(graphql).toEqual(rest);
    });

    it('REST pages and GraphQL cursor pages walk the same sequence', async () => {
      const restSequence: string[] = [];
      for (let page = 1; page <= 3; page += 1) restSequence.push(...(await restIds({ q: tag, sort: 'lastName', limit: '2', page: String(page) })));

      const graphqlSequence: string[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 5; guard += 1) {
        const result: any = await ctx.api.graphql(USERS_QUERY, { filter: { q: tag }, orderBy: ORDERINGS[8][1], first: 2, after }, ctx.admin.token);
        expect(result.errors).toBeUndefined();
        expect(result.data.users.totalCount).toBe(users.length);
        graphqlSequence.push(...result.data.users.edges.map((edge: any) => edge.node.id));
        if (!result.data.users.pageInfo.hasNextPage) break;
        after = result.data.users.pageInfo.endCursor;
      }
      expect(restSequence).toHaveLength(users.length);
      expect(graphqlSequence).toEqual(restSequence);
    });
  });

  describe('invalid input', () => {
    /** REST's `errors` and GraphQL's `extensions.errors` for the same create body. */
    async function bothRejectCreate(input: Record<string, unknown>) {
      const rest = expectProblem(await ctx.api.post('/v1/users', input), 422);
      const graphql = await ctx.api.graphql(CREATE_USER, { input });
      expect(graphql.errors).toHaveLength(1);
      expect(graphql.errors![0].extensions.code).toBe('BAD_USER_INPUT');
      return { rest: rest.errors, graphql: graphql.errors![0].extensions.errors };
    }

    it.each([
      ['several bad fields', { username: 'no', password: 'weak', firstName: '  ', lastName: 'x'.repeat(101), phone: '0049301234' }],
      ['a bad username', { username: 'has space' }],
      ['a password without a digit', { password: 'No-digits-here' }],
      ['a password over 128 characters', { password: `Aa1!${'x'.repeat(125)}` }],
      ['an empty lastName', { lastName: '' }],
      ['a phone without +', { phone: '14155550123' }],
    ])('create with %s is refused by both with the same fields and messages', async (_name, override) => {
      const { rest, graphql } = await bothRejectCreate(userInput(override));
      expect(fieldNames(graphql)).toEqual(fieldNames(rest));
      expect(fieldNames(rest)).toEqual(Object.keys(override).sort());
      expect(graphql).toEqual(rest);
    });

    it('a password equal to the username is refused by both on password', async () => {
      const username = `Same_Pass1${randomBytes(2).toString('hex')}`;
      const { rest, graphql } = await bothRejectCreate(userInput({ username, password: username }));
      expect(fieldNames(rest)).toEqual(['password']);
      expect(graphql).toEqual(rest);
    });

    it('an update with username: null and a bad phone is refused by both with the same fields', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
      const input = { username: null, phone: '12345' };
      const rest = expectProblem(await ctx.api.patch(`/v1/users/${user.id}`, input, { token: user.token }), 422);
      const graphql = await ctx.api.graphql(UPDATE_USER, { id: user.id, input }, user.token);
      expect(graphql.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
      expect(fieldNames(rest.errors)).toEqual(['phone', 'username']);
      expect(graphql.errors![0].extensions.errors).toEqual(rest.errors);
    });

    it('an invalid email is refused by both, naming email', async () => {
      const input = userInput({ email: 'not-an-email' });
      const rest = expectProblem(await ctx.api.post('/v1/users', input), 422);
      expect(fieldNames(rest.errors)).toEqual(['email']);
      // GraphQL's EmailAddress scalar refuses it while coercing variables, before the service runs,
      // and the error still names the field the way a ValidationError does.
      const graphql = await ctx.api.graphql(CREATE_USER, { input });
      expect(graphql.errors).toHaveLength(1);
      expect(graphql.errors![0].extensions.code).toBe('BAD_USER_INPUT');
      expect(fieldNames(graphql.errors![0].extensions.errors)).toEqual(['email']);
    });

    it('a malformed id is refused by both, naming id', async () => {
      const rest = await ctx.api.get('/v1/users/not-a-uuid', { token: ctx.admin.token });
      expect(rest.status).toBe(400);
      const graphql = await ctx.api.graphql('query($id: UUID!) { user(id: $id) { id } }', { id: 'not-a-uuid' }, ctx.admin.token);
      expect(graphql.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', errors: [{ field: 'id' }] });
    });

    it('a duplicate username is a conflict on username through both', async () => {
      const existing = await seedUser(ctx.server, { username: `Dupe_${newTag()}` });
      const input = userInput({ username: existing.username.toLowerCase() });
      const rest = expectProblem(await ctx.api.post('/v1/users', input), 409);
      const graphql = await ctx.api.graphql(CREATE_USER, { input: { ...input, email: `other_${input.email}` } });
      expect(graphql.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'username' });
      expect(rest.field).toBe('username');
      expect(graphql.errors![0].message).toBe(rest.detail);
    });

    it('a missing user is not found through both, with the same message', async () => {
      const id = '00000000-0000-4000-8000-000000000000';
      const rest = expectProblem(await ctx.api.get(`/v1/users/${id}`, { token: ctx.admin.token }), 404);
      const graphql = await ctx.api.graphql(USER_QUERY, { id }, ctx.admin.token);
      expect(graphql.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
      expect(graphql.errors![0].message).toBe(rest.detail);
    });
  });
});
