import { UserRole } from '../../../src/users/user-role';
import {
  EXPECTED_STATUS,
  graphqlCodeFor,
  MATRIX_CASES,
  type MatrixAction,
  type MatrixSetup,
  observe,
  PASSWORD_CHANGE,
  PROFILE_CHANGE,
  setUpMatrix,
} from '../../support/authorization-matrix';
import { seedUser, signedIn, userInput } from '../../support/factories';
import type { GraphQLErrorShape } from '../../support/http';
import { useTestServer } from '../../support/use-test-server';

const UPDATE = 'mutation($id: UUID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }';

/** The same table as the REST matrix, through the GraphQL queries and mutations. */
describe('GraphQL authorization matrix', () => {
  const ctx = useTestServer();

  type GqlResult = { data?: any; errors?: GraphQLErrorShape[] };
  const run = (setup: MatrixSetup, query: string, variables: Record<string, unknown> = {}) => ctx.api.graphql(query, variables, setup.actor?.token);

  const call: Record<MatrixAction, (setup: MatrixSetup) => Promise<GqlResult>> = {
    'GET user': (s) => run(s, 'query($id: UUID!) { user(id: $id) { id } }', { id: s.target.id }),
    'list users': (s) => run(s, '{ users(first: 5) { totalCount } }'),
    'PATCH profile': (s) => run(s, UPDATE, { id: s.target.id, input: PROFILE_CHANGE }),
    'PATCH role': (s) => run(s, UPDATE, { id: s.target.id, input: { role: 'MODERATOR' } }),
    'PATCH isActive': (s) => run(s, UPDATE, { id: s.target.id, input: { isActive: false } }),
    'PATCH emailVerified': (s) => run(s, UPDATE, { id: s.target.id, input: { emailVerified: true } }),
    'DELETE user': (s) => run(s, 'mutation($id: UUID!) { deleteUser(id: $id) }', { id: s.target.id }),
    'create user with role admin': (s) => run(s, 'mutation($input: CreateUserInput!) { createUser(input: $input) { id role } }', { input: { ...s.newAdmin, role: 'ADMIN' } }),
    'change password': (s) => run(s, 'mutation($userId: UUID!, $input: ChangePasswordInput!) { changePassword(userId: $userId, input: $input) }', { userId: s.target.id, input: PASSWORD_CHANGE }),
    'list sessions': (s) => run(s, 'query($userId: UUID!) { sessions(userId: $userId) { id } }', { userId: s.target.id }),
  };

  describe.each(Object.keys(EXPECTED_STATUS) as MatrixAction[])('%s', (action) => {
    it.each(MATRIX_CASES.filter(([a]) => a === action).map(([, role, status]) => [role, graphqlCodeFor(status) ?? 'OK'] as const))('as %s -> %s', async (role, code) => {
      const setup = await setUpMatrix(ctx.server, ctx.api, role);
      const before = await observe(ctx.server, action, setup);

      const response = await call[action](setup);
      const after = await observe(ctx.server, action, setup);
      if (code === 'OK') {
        expect(response.errors).toBeUndefined();
        expect(response.data).toEqual(expect.any(Object));
        expect(Object.values(response.data)[0]).not.toBeNull();
        if (before !== undefined) expect(after).not.toEqual(before);
      } else {
        expect(response.data).toBeNull();
        expect(response.errors?.map((error) => error.extensions.code)).toEqual([code]);
        expect(after).toEqual(before);
      }
    });
  });

  describe('edge cases of the rules', () => {
    const codeOf = (response: GqlResult) => response.errors?.[0]?.extensions.code;

    it('a moderator may not deactivate an admin, but may deactivate another moderator', async () => {
      const moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
      const admin = await seedUser(ctx.server, { role: UserRole.ADMIN });
      const other = await seedUser(ctx.server, { role: UserRole.MODERATOR });
      expect(codeOf(await ctx.api.graphql(UPDATE, { id: admin.id, input: { isActive: false } }, moderator.token))).toBe('FORBIDDEN');
      expect((await ctx.api.graphql(UPDATE, { id: other.id, input: { isActive: false } }, moderator.token)).errors).toBeUndefined();
    });

    it('an admin may not change their own role or status', async () => {
      const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      expect(codeOf(await ctx.api.graphql(UPDATE, { id: admin.id, input: { role: 'USER' } }, admin.token))).toBe('FORBIDDEN');
      expect(codeOf(await ctx.api.graphql(UPDATE, { id: admin.id, input: { isActive: false } }, admin.token))).toBe('FORBIDDEN');
    });

    it('anonymous createUser is sign-up and makes a plain user', async () => {
      const response = await ctx.api.graphql('mutation($input: CreateUserInput!) { createUser(input: $input) { role isActive } }', { input: userInput() });
      expect(response.data).toEqual({ createUser: { role: 'USER', isActive: true } });
    });

    it('a plain user asking for another user gets NOT_FOUND, as for a missing id', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const other = await seedUser(ctx.server);
      const existing = await ctx.api.graphql('query($id: UUID!) { user(id: $id) { id } }', { id: other.id }, user.token);
      const missing = await ctx.api.graphql('query($id: UUID!) { user(id: $id) { id } }', { id: '00000000-0000-4000-8000-000000000000' }, user.token);
      expect(codeOf(existing)).toBe('NOT_FOUND');
      expect(existing.errors?.[0].message).toBe(missing.errors?.[0].message);
    });
  });
});
