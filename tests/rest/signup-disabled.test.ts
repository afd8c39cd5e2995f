import { UserRole } from '../../src/entities/user-role';
import { sql } from '../support/auth';
import { signedIn, userInput } from '../support/factories';
import { ApiClient } from '../support/http';
import { startTestServer, type TestServer } from '../support/test-server';

describe('SIGNUP_ENABLED=false', () => {
  let server: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startTestServer({ SIGNUP_ENABLED: 'false' });
    api = new ApiClient(server.url);
  });
  afterAll(() => server.stop());

  it('refuses anonymous sign-up over REST with 403 and creates nothing', async () => {
    const input = userInput();
    const response = await api.post('/v1/users', input);
    expect(response.status).toBe(403);
    expect(response.body.type).toBe('/problems/forbidden');
    expect(await sql(server, 'select 1 from users where username = ?', [input.username])).toEqual([]);
  });

  it('refuses anonymous sign-up over GraphQL with FORBIDDEN', async () => {
    const response = await api.graphql('mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: userInput() });
    expect(response.data).toBeNull();
    expect(response.errors?.[0].extensions.code).toBe('FORBIDDEN');
  });

  it('still lets an admin create accounts', async () => {
    const admin = await signedIn(server, api, UserRole.ADMIN);
    const response = await api.post('/v1/users', userInput(), { token: admin.token });
    expect(response.status).toBe(201);
    expect(response.body.role).toBe('user');
  });
});
