import { UserRole } from '../../../src/users/user-role';
import { signedIn } from '../../support/factories';
import { ApiClient } from '../../support/http';
import { useTestServer } from '../../support/use-test-server';

describe('GraphQL limits', () => {
  const ctx = useTestServer({ GRAPHQL_MAX_DEPTH: '6', GRAPHQL_MAX_ALIASES: '3', GRAPHQL_MAX_COMPLEXITY: '3000', GRAPHQL_MAX_TOKENS: '400' }, { admin: true });

  const expectLimit = (result: Awaited<ReturnType<ApiClient['graphql']>>, limit: string) => {
    expect(result.status).toBe(400);
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit });
    expect(result.errors?.[0].message).toMatch(/limit is/);
  };

  it('refuses a query nested deeper than the limit, naming it', async () => {
    const deep = 'query { auditLogs { edges { node { user { auditLogs { user { id } } } } } } }';
    expectLimit(await ctx.api.graphql(deep, {}, ctx.admin.token), 'depth');
  });

  it('refuses too many aliases', async () => {
    expectLimit(await ctx.api.graphql('query { a: me { id } b: me { id } c: me { id } d: me { id } }', {}, ctx.admin.token), 'aliases');
  });

  it('refuses a query that would cost too much, counting `first` as a multiplier', async () => {
    const costly = 'query { users(first: 100) { edges { node { id username email firstName lastName sessions { id ipAddress userAgent } } } } }';
    expectLimit(await ctx.api.graphql(costly, {}, ctx.admin.token), 'complexity');
    const cheap = 'query { users(first: 5) { edges { node { id username email firstName lastName sessions { id ipAddress userAgent } } } } }';
    expect((await ctx.api.graphql(cheap, {}, ctx.admin.token)).errors).toBeUndefined();
  });

  it('prices the same document anew whenever a variable that sets its cost changes', async () => {
    const byVariables = 'query Page($first: Int!, $withSessions: Boolean!, $q: String) { users(first: $first, filter: { q: $q }) { edges { node { id username email firstName lastName sessions @include(if: $withSessions) { id ipAddress userAgent } } } } }';
    const cheap = { first: 5, withSessions: true, q: 'a' };
    expect((await ctx.api.graphql(byVariables, cheap, ctx.admin.token)).errors).toBeUndefined();
    // Measured (and remembered) as cheap above; each of these costs more than the limit.
    expectLimit(await ctx.api.graphql(byVariables, { ...cheap, first: 100 }, ctx.admin.token), 'complexity');
    expect((await ctx.api.graphql(byVariables, { ...cheap, first: 100, withSessions: false }, ctx.admin.token)).errors).toBeUndefined();
    expectLimit(await ctx.api.graphql(byVariables, { ...cheap, first: 100, withSessions: true, q: 'b' }, ctx.admin.token), 'complexity');
    // A variable that does not change the cost (the search) shares the measurement, and still refuses.
    expectLimit(await ctx.api.graphql(byVariables, { ...cheap, first: 100, q: 'c' }, ctx.admin.token), 'complexity');
    expect((await ctx.api.graphql(byVariables, { ...cheap, q: 'd' }, ctx.admin.token)).errors).toBeUndefined();
  });

  it('refuses a document with too many tokens before validating it', async () => {
    const huge = `query { ${Array.from({ length: 200 }, () => 'me { id }').join(' ')} }`;
    const result = await ctx.api.graphql(huge, {}, ctx.admin.token);
    expect(result.status).toBe(400);
    expect(result.errors?.[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(result.errors?.[0].message).toMatch(/more that 400 tokens/i);
  });

  it('runs no resolver for a refused query', async () => {
    const statementsFor = async (query: string) => {
      const before = ctx.server.queries.length;
      await ctx.api.graphql(query, {}, ctx.admin.token);
      return ctx.server.queries.length - before;
    };
    const authenticationOnly = await statementsFor('query { __typename }');
    const refused = await statementsFor('query { a: users { totalCount } b: users { totalCount } c: users { totalCount } d: users { totalCount } }');
    expect(refused).toBe(authenticationOnly);
  });

  it('refuses batched HTTP requests', async () => {
    const response = await ctx.api.post('/graphql', [{ query: '{ __typename }' }, { query: '{ __typename }' }]);
    expect(response.status).toBe(400);
  });

  it('refuses a simple GET or form POST that could be a CSRF attempt, with the request id like every error', async () => {
    const form = await ctx.api.request('POST', '/graphql', { rawBody: 'query={__typename}', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const get = await ctx.api.get('/graphql?query=%7B__typename%7D', { headers: { 'x-request-id': 'csrf-check-1' } });
    for (const response of [form, get]) {
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([
        expect.objectContaining({ message: expect.stringMatching(/Cross-Site Request Forgery/), extensions: { code: 'BAD_REQUEST', requestId: response.headers.get('x-request-id') } }),
      ]);
    }
    expect(get.body.errors[0].extensions.requestId).toBe('csrf-check-1');
  });

  it('puts the request id on errors raised before the operation runs: an unreadable token, a body that is no GraphQL request', async () => {
    const badToken = await ctx.api.request('POST', '/graphql', { body: { query: '{ __typename }' }, headers: { authorization: 'Bearer not-a-token' } });
    const notARequest = await ctx.api.request('POST', '/graphql', { body: { nothing: 'here' } });
    for (const response of [badToken, notARequest]) {
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.body.errors[0].extensions.requestId).toBe(response.headers.get('x-request-id'));
    }
    expect(badToken.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('GraphQL in production', () => {
  const ctx = useTestServer({ NODE_ENV: 'production' });

  it('turns introspection off', async () => {
    const result = await ctx.api.graphql('query { __schema { types { name } } }');
    expect(result.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(result.data).toBeUndefined();
  });

  it('hides field suggestions', async () => {
    const result = await ctx.api.graphql('query { usr(id: "x") { id } }');
    expect(result.errors?.[0].message).not.toMatch(/Did you mean/);
  });

  it('serves no landing page', async () => {
    const response = await ctx.api.get('/graphql', { headers: { accept: 'text/html' } });
    expect(response.text).not.toMatch(/sandbox|embeddable/i);
  });
});

describe('GraphQL in development', () => {
  const ctx = useTestServer({ NODE_ENV: 'development' });

  it('offers introspection and the Apollo Sandbox page', async () => {
    expect((await ctx.api.graphql('query { __schema { queryType { name } } }')).data.__schema.queryType.name).toBe('Query');
    const page = await ctx.api.get('/graphql', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/sandbox/i);
  });

  it('serves the real queries of the schema within the defaults', async () => {
    const result = await ctx.api.graphql(
      'query Everyone { users(first: 100) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id username email sessions { id ipAddress } } } } }',
      {},
      (await signedIn(ctx.server, ctx.api, UserRole.ADMIN)).token,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.users.totalCount).toBeGreaterThanOrEqual(1);
  });

  it('suggests field names to developers', async () => {
    const result = await ctx.api.graphql('query { usr(id: "x") { id } }');
    expect(result.errors?.[0].message).toMatch(/Did you mean "user"/);
  });
});
