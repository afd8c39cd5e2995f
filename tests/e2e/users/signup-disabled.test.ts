import { UserRole } from '../../../src/users/user-role';
import { sql } from '../../support/auth';
import { signedIn, userInput } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

describe('SIGNUP_ENABLED=false', () => {
  const ctx = useTestServer({ SIGNUP_ENABLED: 'false' });

  it('refuses anonymous sign-up over REST with 403 and creates nothing', async () => {
    const input = userInput();
    const response = await ctx.api.post('/v1/users', input);
    expect(response.status).toBe(403);
    expect(response.body.type).toBe('/problems/forbidden');
    expect(await sql(ctx.server, 'select 1 from users where username = ?', [input.username])).toEqual([]);
  });

  it('refuses anonymous sign-up over GraphQL with FORBIDDEN', async () => {
    const response = await ctx.api.graphql('mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: userInput() });
    expect(response.data).toBeNull();
    expect(response.errors?.[0].extensions.code).toBe('FORBIDDEN');
  });

  it('still lets an admin create accounts', async () => {
    const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
    const response = await ctx.api.post('/v1/users', userInput(), { token: admin.token });
    expect(response.status).toBe(201);
    expect(response.body.role).toBe('user');
  });
});
