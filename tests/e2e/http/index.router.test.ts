import { useTestServer } from '../../support/use-test-server';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('GET / in development', () => {
  const ctx = useTestServer({ NODE_ENV: 'development', ADMIN_GENERATE: 'false' });

  it('answers API clients (curl sends Accept: */*) with the links as JSON and the package version', async () => {
    for (const accept of ['*/*', 'application/json']) {
      const response = await ctx.api.get('/', { headers: { accept } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('vary')).toMatch(/Accept/i);
      expect(response.body).toMatchObject({ name: 'user-management-api', version: require('../../../package.json').version });
      expect(response.body.links.map((link: { href: string }) => link.href)).toEqual(['/graphql', '/graphiql', '/docs', '/openapi.json', '/v1', '/health', '/ready']);
    }
  });

  it('answers a browser with an HTML page linking GraphQL (Sandbox), GraphiQL, the docs and health', async () => {
    const response = await ctx.api.get('/', { headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    for (const href of ['/graphql', '/graphiql', '/docs', '/health']) expect(response.text).toContain(`<a href="${href}">`);
    expect(response.text).toContain('Apollo Sandbox');
  });

  it('links only what it serves: every link answers', async () => {
    const { body } = await ctx.api.get('/');
    for (const { href } of body.links.filter((link: { rel: string }) => link.rel !== 'rest')) {
      const response = await ctx.api.get(href, { headers: { accept: BROWSER_ACCEPT } });
      expect({ href, status: response.status }).toEqual({ href, status: 200 });
    }
  });
});

describe('GET / in production', () => {
  const ctx = useTestServer({ NODE_ENV: 'production' });

  it('is JSON only, even for a browser, and lists no IDE', async () => {
    const response = await ctx.api.get('/', { headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const hrefs = response.body.links.map((link: { href: string }) => link.href);
    expect(hrefs).toEqual(['/graphql', '/docs', '/openapi.json', '/v1', '/health', '/ready']);
    expect((await ctx.api.get('/graphiql')).status).toBe(404);
  });
});
