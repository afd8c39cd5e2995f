import { UserRole } from '../../src/entities/user-role';
import { signedIn } from '../support/factories';
import { ApiClient } from '../support/http';
import { startTestServer, type TestServer } from '../support/test-server';

describe('GraphQL limits', () => {
  let server: TestServer;
  let api: ApiClient;
  let adminToken: string;

  beforeAll(async () => {
    server = await startTestServer({ GRAPHQL_MAX_DEPTH: '6', GRAPHQL_MAX_ALIASES: '3', GRAPHQL_MAX_COMPLEXITY: '3000', GRAPHQL_MAX_TOKENS: '400' });
    api = new ApiClient(server.url);
    adminToken = (await signedIn(server, api, UserRole.ADMIN)).token;
  });
  afterAll(() => server.stop());

  const expectLimit = (result: Awaited<ReturnType<ApiClient['graphql']>>, limit: string) => {
    expect(result.status).toBe(400);
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit });
    expect(result.errors?.[0].message).toMatch(/limit is/);
  };

  it('refuses a query nested deeper than the limit, naming it', async () => {
    const deep = 'query { auditLogs { edges { node { user { auditLogs { user { id } } } } } } }';
    expectLimit(await api.graphql(deep, {}, adminToken), 'depth');
  });

  it('refuses too many aliases', async () => {
    expectLimit(await api.graphql('query { a: me { id } b: me { id } c: me { id } d: me { id } }', {}, adminToken), 'aliases');
  });

  it('refuses a query that would cost too much, counting `first` as a multiplier', async () => {
    const costly = 'query { users(first: 100) { edges { node { id username email firstName lastName sessions { id ipAddress userAgent } } } } }';
    expectLimit(await api.graphql(costly, {}, adminToken), 'complexity');
    const cheap = 'query { users(first: 5) { edges { node { id username email firstName lastName sessions { id ipAddress userAgent } } } } }';
    expect((await api.graphql(cheap, {}, adminToken)).errors).toBeUndefined();
  });

  it('prices the same document anew whenever a variable that sets its cost changes', async () => {
    const byVariables = 'query Page($first: Int!, $withSessions: Boolean!, $q: String) { users(first: $first, filter: { q: $q }) { edges { node { id username email firstName lastName sessions @include(if: $withSessions) { id ipAddress userAgent } } } } }';
    const cheap = { first: 5, withSessions: true, q: 'a' };
    expect((await api.graphql(byVariables, cheap, adminToken)).errors).toBeUndefined();
    // Measured (and remembered) as cheap above; each of these costs more than the limit.
    expectLimit(await api.graphql(byVariables, { ...cheap, first: 100 }, adminToken), 'complexity');
    expect((await api.graphql(byVariables, { ...cheap, first: 100, withSessions: false }, adminToken)).errors).toBeUndefined();
    expectLimit(await api.graphql(byVariables, { ...cheap, first: 100, withSessions: true, q: 'b' }, adminToken), 'complexity');
    // A variable that does not change the cost (the search) shares the measurement, and still refuses.
    expectLimit(await api.graphql(byVariables, { ...cheap, first: 100, q: 'c' }, adminToken), 'complexity');
    expect((await api.graphql(byVariables, { ...cheap, q: 'd' }, adminToken)).errors).toBeUndefined();
  });

  it('refuses a document with too many tokens before validating it', async () => {
    const huge = `query { ${Array.from({ length: 200 }, () => 'me { id }').join(' ')} }`;
    const result = await api.graphql(huge, {}, adminToken);
    expect(result.status).toBe(400);
    expect(result.errors?.[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(result.errors?.[0].message).toMatch(/more that 400 tokens/i);
  });

  it('runs no resolver for a refused query', async () => {
    const statementsFor = async (query: string) => {
      const before = server.queries.length;
      await api.graphql(query, {}, adminToken);
      return server.queries.length - before;
    };
    const authenticationOnly = await statementsFor('query { __typename }');
    const refused = await statementsFor('query { a: users { totalCount } b: users { totalCount } c: users { totalCount } d: users { totalCount } }');
    expect(refused).toBe(authenticationOnly);
  });

  it('refuses batched HTTP requests', async () => {
    const response = await api.post('/graphql', [{ query: '{ __typename }' }, { query: '{ __typename }' }]);
    expect(response.status).toBe(400);
  });

  it('refuses a simple GET or form POST that could be a CSRF attempt', async () => {
    const response = await api.request('POST', '/graphql', { rawBody: 'query={__typename}', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });
});

describe('GraphQL in production', () => {
  let server: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startTestServer({ NODE_ENV: 'production' });
    api = new ApiClient(server.url);
  });
  afterAll(() => server.stop());

  it('turns introspection off', async () => {
    const result = await api.graphql('query { __schema { types { name } } }');
    expect(result.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(result.data).toBeUndefined();
  });

  it('hides field suggestions', async () => {
    const result = await api.graphql('query { usr(id: "x") { id } }');
    expect(result.errors?.[0].message).not.toMatch(/Did you mean/);
  });

  it('serves no landing page', async () => {
    const response = await api.get('/graphql', { headers: { accept: 'text/html' } });
    expect(response.text).not.toMatch(/sandbox|embeddable/i);
  });
});

describe('GraphQL in development', () => {
  let server: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startTestServer({ NODE_ENV: 'development' });
    api = new ApiClient(server.url);
  });
  afterAll(() => server.stop());

  it('offers introspection and the Apollo Sandbox page', async () => {
    expect((await api.graphql('query { __schema { queryType { name } } }')).data.__schema.queryType.name).toBe('Query');
    const page = await api.get('/graphql', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/sandbox/i);
  });

  it('serves the real queries of the schema within the defaults', async () => {
    const result = await api.graphql(
      'query Everyone { users(first: 100) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id username email sessions { id ipAddress } } } } }',
      {},
      (await signedIn(server, api, UserRole.ADMIN)).token,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.users.totalCount).toBeGreaterThanOrEqual(1);
  });

  it('suggests field names to developers', async () => {
    const result = await api.graphql('query { usr(id: "x") { id } }');
    expect(result.errors?.[0].message).toMatch(/Did you mean "user"/);
  });
});
