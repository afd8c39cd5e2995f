import { randomBytes, randomUUID } from 'node:crypto';
import { UserRole } from '../../../src/users/user-role';
import { seedUser, type SeededUser, signedIn, type SignedIn, userInput } from '../../support/factories';
import type { GraphQLErrorShape } from '../../support/http';
import { fieldNames, sleep } from '../../support/problem';
import { useTestServer } from '../../support/use-test-server';

const USER_FIELDS = 'id username email firstName lastName phone role isActive emailVerified createdAt updatedAt lastLoginAt';

const USER_QUERY = `query User($id: UUID!) { user(id: $id) { ${USER_FIELDS} } }`;
const ME_QUERY = `query { me { ${USER_FIELDS} } }`;
const USERS_QUERY = `
  query Users($filter: UserFilterInput, $first: Int!, $after: String, $orderBy: UserOrderInput) {
    users(filter: $filter, first: $first, after: $after, orderBy: $orderBy) {
      edges { cursor node { id username lastName } }
      pageInfo { hasNextPage endCursor }
      totalCount
    }
  }`;
const CREATE_USER = `mutation Create($input: CreateUserInput!) { createUser(input: $input) { ${USER_FIELDS} } }`;
const UPDATE_USER = `mutation Update($id: UUID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { ${USER_FIELDS} } }`;
const DELETE_USER = `mutation Delete($id: UUID!) { deleteUser(id: $id) }`;

const newTag = () => `g${randomBytes(5).toString('hex')}`;

/** The single error of a failed operation, with its code. */
function onlyError(result: { errors?: GraphQLErrorShape[] }, code: string): GraphQLErrorShape {
  expect(result.errors).toHaveLength(1);
  const [error] = result.errors!;
  expect({ code: error.extensions.code, message: error.message }).toMatchObject({ code });
  return error;
}

describe('GraphQL users', () => {
  const ctx = useTestServer({}, { admin: true });
  let moderator: SignedIn;

  beforeAll(async () => {
    moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
  });

  describe('user(id) and me', () => {
    it('returns a user to admins, moderators and the user themselves', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER, { phone: '+14155550123' });
      for (const token of [ctx.admin.token, moderator.token, user.token]) {
        const result = await ctx.api.graphql(USER_QUERY, { id: user.id }, token);
        expect(result.errors).toBeUndefined();
        expect(result.data.user).toEqual({
          id: user.id,
          username: user.username,
          email: user.email,
          firstName: 'Test',
          lastName: expect.any(String),
          phone: '+14155550123',
          role: 'USER',
          isActive: true,
          emailVerified: false,
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
          lastLoginAt: expect.any(String),
        });
      }
    });

    it('me returns the signed-in user', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
      const result = await ctx.api.graphql(ME_QUERY, {}, user.token);
      expect(result.errors).toBeUndefined();
      expect(result.data.me).toMatchObject({ id: user.id, username: user.username, role: 'MODERATOR' });
    });

    it('answers NOT_FOUND for a missing user, a deleted user and another user seen by a plain user', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
      const other = await seedUser(ctx.server);
      const deleted = await seedUser(ctx.server);
      expect((await ctx.api.graphql(DELETE_USER, { id: deleted.id }, ctx.admin.token)).data).toEqual({ deleteUser: true });

      const missing = await ctx.api.graphql(USER_QUERY, { id: randomUUID() }, ctx.admin.token);
      expect(missing.data).toBeNull();
      expect(onlyError(missing, 'NOT_FOUND').path).toEqual(['user']);
      onlyError(await ctx.api.graphql(USER_QUERY, { id: deleted.id }, ctx.admin.token), 'NOT_FOUND');
      onlyError(await ctx.api.graphql(USER_QUERY, { id: other.id }, user.token), 'NOT_FOUND');
    });

    it('answers BAD_USER_INPUT for a malformed id', async () => {
      onlyError(await ctx.api.graphql(USER_QUERY, { id: 'not-a-uuid' }, ctx.admin.token), 'BAD_USER_INPUT');
    });

    it('answers UNAUTHENTICATED without a token on user and me', async () => {
      const user = await seedUser(ctx.server);
      const result = await ctx.api.graphql(USER_QUERY, { id: user.id });
      expect(result.data).toBeNull();
      onlyError(result, 'UNAUTHENTICATED');
      onlyError(await ctx.api.graphql(ME_QUERY), 'UNAUTHENTICATED');
    });

    it('answers UNAUTHENTICATED for a bad token', async () => {
      const result = await ctx.api.graphql(ME_QUERY, {}, 'not.a.token');
      expect(result.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('users connection', () => {
    it('walks every page with after, each user exactly once and in order', async () => {
      const tag = newTag();
      const seeded: SeededUser[] = [];
      for (const letter of ['e', 'c', 'a', 'd', 'b']) seeded.push(await seedUser(ctx.server, { username: `${tag}_${letter}` }));
      const expected = [...seeded].sort((a, b) => (a.username < b.username ? -1 : 1)).map((user) => user.id);

      const seen: string[] = [];
      let after: string | null = null;
      const hasNext: boolean[] = [];
      for (let guard = 0; guard < 10; guard += 1) {
        const result: any = await ctx.api.graphql(USERS_QUERY, { filter: { q: tag }, first: 2, after, orderBy: { field: 'USERNAME', direction: 'ASC' } }, ctx.admin.token);
        expect(result.errors).toBeUndefined();
        const connection = result.data.users;
        expect(connection.totalCount).toBe(5);
        seen.push(...connection.edges.map((edge: any) => edge.node.id));
        for (const edge of connection.edges) expect(edge.cursor).toEqual(expect.any(String));
        expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)?.cursor ?? null);
        hasNext.push(connection.pageInfo.hasNextPage);
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      expect(hasNext).toEqual([true, true, false]);
      expect(seen).toEqual(expected);
    });

    it('orders descending and breaks ties by id', async () => {
      const tag = newTag();
      const seeded = await Promise.all(Array.from({ length: 5 }, () => seedUser(ctx.server, { lastName: tag })));
      const seen: string[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 10; guard += 1) {
        const result: any = await ctx.api.graphql(USERS_QUERY, { filter: { q: tag }, first: 2, after, orderBy: { field: 'LAST_NAME', direction: 'DESC' } }, moderator.token);
        expect(result.errors).toBeUndefined();
        seen.push(...result.data.users.edges.map((edge: any) => edge.node.id));
        if (!result.data.users.pageInfo.hasNextPage) break;
        after = result.data.users.pageInfo.endCursor;
      }
      expect(seen).toEqual(seeded.map((user) => user.id).sort().reverse());
    });

    it('defaults to newest first and filters like REST', async () => {
      const tag = newTag();
      const older = await seedUser(ctx.server, { lastName: tag, role: UserRole.MODERATOR, emailVerified: true });
      await sleep(5);
      const newer = await seedUser(ctx.server, { lastName: tag, isActive: false });
      const all: any = await ctx.api.graphql(USERS_QUERY, { filter: { q: tag.toUpperCase() }, first: 10 }, ctx.admin.token);
      expect(all.data.users.edges.map((edge: any) => edge.node.id)).toEqual([newer.id, older.id]);

      for (const [filter, expected] of [
        [{ role: 'MODERATOR' }, [older.id]],
        [{ isActive: false }, [newer.id]],
        [{ emailVerified: true }, [older.id]],
        [{ createdBefore: new Date(Date.now() - 60_000).toISOString() }, []],
      ] as const) {
        const result: any = await ctx.api.graphql(USERS_QUERY, { filter: { q: tag, ...filter }, first: 10 }, ctx.admin.token);
        expect(result.errors).toBeUndefined();
        expect(result.data.users.edges.map((edge: any) => edge.node.id)).toEqual(expected);
        expect(result.data.users.totalCount).toBe(expected.length);
      }
    });

    it('gives an empty connection for no matches', async () => {
      const result: any = await ctx.api.graphql(USERS_QUERY, { filter: { q: newTag() }, first: 5 }, ctx.admin.token);
      expect(result.errors).toBeUndefined();
      expect(result.data.users).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: 0 });
    });

    it('accepts first: 100 and answers first: 101 and first: 0 with BAD_USER_INPUT', async () => {
      const ok: any = await ctx.api.graphql(USERS_QUERY, { first: 100 }, ctx.admin.token);
      expect(ok.errors).toBeUndefined();
      for (const first of [101, 0, -1]) {
        const result = await ctx.api.graphql(USERS_QUERY, { first }, ctx.admin.token);
        const error = onlyError(result, 'BAD_USER_INPUT');
        expect(fieldNames(error.extensions.errors)).toEqual(['first']);
      }
    });

    it.each([
      ['plain garbage', 'garbage!!'],
      ['base64 of non-JSON', Buffer.from('not json').toString('base64url')],
      ['base64 of a JSON object', Buffer.from('{"a":1}').toString('base64url')],
      ['base64 of a JSON number', Buffer.from('42').toString('base64url')],
      ['base64 of a JSON array of the wrong length', Buffer.from('[1,2,3,4,5]').toString('base64url')],
    ])('answers a garbage after cursor (%s) with BAD_USER_INPUT, not INTERNAL_SERVER_ERROR', async (_name, after) => {
      const result = await ctx.api.graphql(USERS_QUERY, { first: 2, after, orderBy: { field: 'USERNAME', direction: 'ASC' } }, ctx.admin.token);
      const error = onlyError(result, 'BAD_USER_INPUT');
      expect(fieldNames(error.extensions.errors)).toEqual(['after']);
    });

    it('answers a cursor of a text ordering used on a date ordering with BAD_USER_INPUT, not INTERNAL_SERVER_ERROR', async () => {
      const tag = newTag();
      await seedUser(ctx.server, { lastName: tag });
      await seedUser(ctx.server, { lastName: tag });
      const page: any = await ctx.api.graphql(USERS_QUERY, { filter: { q: tag }, first: 1, orderBy: { field: 'USERNAME', direction: 'ASC' } }, ctx.admin.token);
      const cursor = page.data.users.pageInfo.endCursor;
      expect(cursor).toEqual(expect.any(String));
      for (const field of ['CREATED_AT', 'UPDATED_AT']) {
        const result = await ctx.api.graphql(USERS_QUERY, { filter: { q: tag }, first: 1, after: cursor, orderBy: { field, direction: 'DESC' } }, ctx.admin.token);
        expect(fieldNames(onlyError(result, 'BAD_USER_INPUT').extensions.errors)).toEqual(['after']);
      }
    });

    it.each(['CREATED_AT', 'UPDATED_AT', 'USERNAME', 'EMAIL', 'LAST_NAME'])('walks pages of one user ordered by %s', async (field) => {
      const tag = newTag();
      const seeded: SeededUser[] = [];
      for (let index = 0; index < 3; index += 1) {
        seeded.push(await seedUser(ctx.server, { lastName: `${tag}${index}` }));
        await sleep(3);
      }
      const seen: string[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 6; guard += 1) {
        const result: any = await ctx.api.graphql(USERS_QUERY, { filter: { q: tag }, first: 1, after, orderBy: { field, direction: 'ASC' } }, ctx.admin.token);
        expect(result.errors).toBeUndefined();
        seen.push(...result.data.users.edges.map((edge: any) => edge.node.id));
        if (!result.data.users.pageInfo.hasNextPage) break;
        after = result.data.users.pageInfo.endCursor;
      }
      expect(seen).toHaveLength(3);
      expect([...seen].sort()).toEqual(seeded.map((user) => user.id).sort());
      if (field !== 'USERNAME' && field !== 'EMAIL') expect(seen).toEqual(seeded.map((user) => user.id));
    });

    it('answers bad filters with BAD_USER_INPUT naming them', async () => {
      const now = new Date().toISOString();
      const result = await ctx.api.graphql(USERS_QUERY, { filter: { createdAfter: now, createdBefore: now }, first: 5 }, ctx.admin.token);
      expect(fieldNames(onlyError(result, 'BAD_USER_INPUT').extensions.errors)).toEqual(['createdBefore']);
      const long = await ctx.api.graphql(USERS_QUERY, { filter: { q: 'q'.repeat(101) }, first: 5 }, ctx.admin.token);
      expect(fieldNames(onlyError(long, 'BAD_USER_INPUT').extensions.errors)).toEqual(['q']);
    });

    it('answers UNAUTHENTICATED without a token and FORBIDDEN for a plain user', async () => {
      const anonymous = await ctx.api.graphql(USERS_QUERY, { first: 5 });
      expect(anonymous.data).toBeNull();
      onlyError(anonymous, 'UNAUTHENTICATED');
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
      const forbidden = await ctx.api.graphql(USERS_QUERY, { first: 5 }, user.token);
      expect(forbidden.data).toBeNull();
      onlyError(forbidden, 'FORBIDDEN');
    });
  });

  describe('createUser', () => {
    it('signs up without a token and returns the user', async () => {
      const input = userInput({ email: `MiXeD_${newTag()}@Example.com`, phone: '+14155550123' });
      const result = await ctx.api.graphql(CREATE_USER, { input });
      expect(result.errors).toBeUndefined();
      expect(result.data.createUser).toEqual({
        id: expect.any(String),
        username: input.username,
        email: input.email.toLowerCase(),
        firstName: input.firstName,
        lastName: input.lastName,
        phone: '+14155550123',
        role: 'USER',
        isActive: true,
        emailVerified: false,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        lastLoginAt: null,
      });
      const fetched = await ctx.api.graphql(USER_QUERY, { id: result.data.createUser.id }, ctx.admin.token);
      expect(fetched.data.user).toEqual(result.data.createUser);
    });

    it('lets an admin create a moderator, and refuses the same from anonymous sign-up', async () => {
      const asAdmin = await ctx.api.graphql(CREATE_USER, { input: userInput({ role: 'MODERATOR', emailVerified: true }) }, ctx.admin.token);
      expect(asAdmin.errors).toBeUndefined();
      expect(asAdmin.data.createUser).toMatchObject({ role: 'MODERATOR', emailVerified: true });
      onlyError(await ctx.api.graphql(CREATE_USER, { input: userInput({ role: 'ADMIN' }) }), 'FORBIDDEN');
    });

    it('answers BAD_USER_INPUT listing every failing field', async () => {
      const result = await ctx.api.graphql(CREATE_USER, { input: userInput({ username: 'x', password: 'weak', firstName: ' ', lastName: 'l'.repeat(101), phone: '555' }) });
      expect(result.data).toBeNull();
      const error = onlyError(result, 'BAD_USER_INPUT');
      expect(fieldNames(error.extensions.errors)).toEqual(['firstName', 'lastName', 'password', 'phone', 'username']);
    });

    it('answers BAD_USER_INPUT for a password equal to the username', async () => {
      const username = `Same_Pass1${randomBytes(2).toString('hex')}`;
      const error = onlyError(await ctx.api.graphql(CREATE_USER, { input: userInput({ username, password: username }) }), 'BAD_USER_INPUT');
      expect(fieldNames(error.extensions.errors)).toEqual(['password']);
    });

    it('answers CONFLICT naming the field for a duplicate username or email in another letter case', async () => {
      const existing = await seedUser(ctx.server, { username: `Taken_${newTag()}` });
      const byName = onlyError(await ctx.api.graphql(CREATE_USER, { input: userInput({ username: existing.username.toLowerCase() }) }), 'CONFLICT');
      expect(byName.extensions.field).toBe('username');
      const byEmail = onlyError(await ctx.api.graphql(CREATE_USER, { input: userInput({ email: existing.email.toUpperCase() }) }), 'CONFLICT');
      expect(byEmail.extensions.field).toBe('email');
    });
  });

  describe('updateUser', () => {
    it('changes the given fields only and clears phone with null', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER, { phone: '+14155550123' });
      const before = (await ctx.api.graphql(USER_QUERY, { id: user.id }, user.token)).data.user;
      const result = await ctx.api.graphql(UPDATE_USER, { id: user.id, input: { firstName: ' Grace ', phone: null } }, user.token);
      expect(result.errors).toBeUndefined();
      expect(result.data.updateUser).toEqual({ ...before, firstName: 'Grace', phone: null, updatedAt: expect.any(String) });
      const after = await ctx.api.graphql(USER_QUERY, { id: user.id }, ctx.admin.token);
      expect(after.data.user).toMatchObject({ firstName: 'Grace', phone: null, lastName: before.lastName });
    });

    it('leaves phone alone when it is not given', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER, { phone: '+14155550123' });
      const result = await ctx.api.graphql(UPDATE_USER, { id: user.id, input: { lastName: 'Hopper' } }, user.token);
      expect(result.errors).toBeUndefined();
      expect(result.data.updateUser).toMatchObject({ lastName: 'Hopper', phone: '+14155550123' });
    });

    it('answers BAD_USER_INPUT for username: null and bad values', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
      const nulled = onlyError(await ctx.api.graphql(UPDATE_USER, { id: user.id, input: { username: null } }, user.token), 'BAD_USER_INPUT');
      expect(fieldNames(nulled.extensions.errors)).toEqual(['username']);
      const bad = onlyError(await ctx.api.graphql(UPDATE_USER, { id: user.id, input: { username: 'a b', phone: '12' } }, user.token), 'BAD_USER_INPUT');
      expect(fieldNames(bad.extensions.errors)).toEqual(['phone', 'username']);
      expect((await ctx.api.graphql(USER_QUERY, { id: user.id }, user.token)).data.user.username).toBe(user.username);
    });

    it('answers NOT_FOUND for another user seen by a plain user, FORBIDDEN for their own role, CONFLICT for a taken name', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
      const other = await seedUser(ctx.server);
      onlyError(await ctx.api.graphql(UPDATE_USER, { id: other.id, input: { firstName: 'X' } }, user.token), 'NOT_FOUND');
      onlyError(await ctx.api.graphql(UPDATE_USER, { id: user.id, input: { role: 'ADMIN' } }, user.token), 'FORBIDDEN');
      const conflict = onlyError(await ctx.api.graphql(UPDATE_USER, { id: user.id, input: { username: other.username.toUpperCase() } }, user.token), 'CONFLICT');
      expect(conflict.extensions.field).toBe('username');
    });

    it('answers UNAUTHENTICATED without a token', async () => {
      const user = await seedUser(ctx.server);
      onlyError(await ctx.api.graphql(UPDATE_USER, { id: user.id, input: { firstName: 'X' } }), 'UNAUTHENTICATED');
    });
  });

  describe('deleteUser', () => {
    it('returns true and the user is gone afterwards', async () => {
      const user = await seedUser(ctx.server);
      const result = await ctx.api.graphql(DELETE_USER, { id: user.id }, ctx.admin.token);
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({ deleteUser: true });
      onlyError(await ctx.api.graphql(USER_QUERY, { id: user.id }, ctx.admin.token), 'NOT_FOUND');
      onlyError(await ctx.api.graphql(DELETE_USER, { id: user.id }, ctx.admin.token), 'NOT_FOUND');
      const list: any = await ctx.api.graphql(USERS_QUERY, { filter: { q: user.username }, first: 5 }, ctx.admin.token);
      expect(list.data.users.totalCount).toBe(0);
    });

    it('answers NOT_FOUND when a plain user deletes someone else', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
      const other = await seedUser(ctx.server);
      onlyError(await ctx.api.graphql(DELETE_USER, { id: other.id }, user.token), 'NOT_FOUND');
      expect((await ctx.api.graphql(USER_QUERY, { id: other.id }, ctx.admin.token)).data.user.id).toBe(other.id);
    });
  });

  describe('schema', () => {
    it('never exposes a password hash or deletion mark on User or its inputs', async () => {
      const result = await ctx.api.graphql(`{
        user: __type(name: "User") { fields { name } }
        create: __type(name: "CreateUserInput") { inputFields { name } }
        update: __type(name: "UpdateUserInput") { inputFields { name } }
      }`);
      expect(result.errors).toBeUndefined();
      const userFields: string[] = result.data.user.fields.map((field: { name: string }) => field.name);
      expect(userFields).toEqual(expect.arrayContaining(USER_FIELDS.split(' ')));
      for (const names of [userFields, result.data.create.inputFields.map((f: any) => f.name), result.data.update.inputFields.map((f: any) => f.name)]) {
        expect(names.filter((name: string) => /hash|deleted|salt/i.test(name))).toEqual([]);
      }
      expect(userFields.filter((name) => /password/i.test(name))).toEqual([]);
      for (const names of [result.data.create.inputFields.map((f: any) => f.name), result.data.update.inputFields.map((f: any) => f.name)]) {
        expect(names).not.toContain('deletedAt');
      }
    });

    it('rejects asking for passwordHash as a validation error', async () => {
      const user = await seedUser(ctx.server);
      const result = await ctx.api.graphql(`query($id: UUID!) { user(id: $id) { id passwordHash } }`, { id: user.id }, ctx.admin.token);
      expect(result.errors?.[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(result.data).toBeUndefined();
    });
  });
});
