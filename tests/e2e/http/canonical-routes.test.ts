import { UserRole } from '../../../src/users/user-role';
import { DEFAULT_PASSWORD, seedUser, signedIn, userInput } from '../../support/factories';
import { expectProblem } from '../../support/problem';
import { useTestServer } from '../../support/use-test-server';

/** Prometheus samples of one metric, as `labels -> value`. */
function samples(text: string, metric: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${metric}(\\{[^}]*\\}) (\\S+)$`).exec(line);
    if (match) found.set(match[1], Number(match[2]));
  }
  return found;
}

/**
 * One spelling per operation: REST routes are case-sensitive and strict about trailing slashes, so
 * `/v1/AUTH/login` is no login (404) and cannot be used to reach the login handler through another
 * rate bucket. The bucket is chosen by the route that matched, and metrics label by its template.
 */
describe('canonical REST routes', () => {
  const token = 'metrics-token-0123456789';
  const ctx = useTestServer({ RATE_LIMIT_AUTH_PER_IP: '3/60', RATE_LIMIT_SIGNUP_PER_IP: '2/3600', RATE_LIMIT_WRITE_PER_IP: '1000/3600', METRICS_TOKEN: token });

  it('answers 404 to other spellings of real routes, without reaching their handlers', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const credentials = { username: user.username, password: user.password };
    const spellings: [string, string, unknown][] = [
      ['POST', '/v1/AUTH/login', credentials],
      ['POST', '/v1/Auth/Login', credentials],
      ['POST', '/v1/auth/login/', credentials],
      ['POST', '/v1/auth//login', credentials],
      ['POST', '/v1/Auth/Refresh', { refreshToken: user.refreshToken }],
      ['POST', '/V1/auth/login', credentials],
      ['POST', '/v1/Users', userInput()],
      ['GET', `/v1/Users/${user.id}`, undefined],
      ['GET', `/v1/users/${user.id}/`, undefined],
      ['GET', '/v1/auth/Validate', undefined],
    ];
    for (const [method, path, body] of spellings) {
      const response = await ctx.api.request(method, path, { body, token: path.includes('alidate') || method === 'GET' ? user.token : undefined });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
      expectProblem(response, 404);
    }
    // None of them logged in, refreshed or signed up.
    const audit = await ctx.api.get(`/v1/users/${user.id}/audit-logs`, { token: (await signedIn(ctx.server, ctx.api, UserRole.ADMIN)).token });
    expect(audit.body.data.filter((entry: { action: string }) => entry.action === 'auth.login')).toHaveLength(1);
  });

  it('counts logins against the auth bucket whatever else is tried, and sign-ups against the sign-up bucket', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    // The auth bucket is per IP and shared with earlier tests' logins: drain it with the canonical route.
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      await ctx.api.post('/v1/AUTH/login', { username: user.username, password: DEFAULT_PASSWORD });
      statuses.push((await ctx.api.post('/v1/auth/login', { username: user.username, password: DEFAULT_PASSWORD })).status);
    }
    expect(statuses.slice(-2)).toEqual([429, 429]);
    expect((await ctx.api.post('/v1/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(429);

    const signups = [];
    for (let i = 0; i < 3; i += 1) signups.push((await ctx.api.post('/v1/users', userInput())).status);
    // The collection with a trailing slash is the same route, in the same bucket.
    signups.push((await ctx.api.post('/v1/users/', userInput())).status);
    expect(signups).toEqual([201, 201, 429, 429]);
  });

  it('labels metrics by the matched route template, 401 and 429 included', async () => {
    const user = await seedUser(ctx.server);
    await ctx.api.get('/v1/auth/validate', { token: 'not-a-token' });
    // Until refused: the auth and sign-up buckets are per IP, and the other tests may have used them.
    for (let i = 0; i < 4; i += 1) await ctx.api.post('/v1/auth/login', { username: user.username, password: 'Wrong-passw0rd!' });
    for (let i = 0; i < 3; i += 1) await ctx.api.post('/v1/users/', userInput());
    await ctx.api.get('/v1/AUTH/validate');
    const text = (await ctx.api.get('/metrics', { token })).text;
    const requests = samples(text, 'http_requests_total');
    const routes = new Set([...requests.keys()].map((labels) => /route="([^"]*)"/.exec(labels)?.[1]));
    expect(requests.get('{method="GET",route="/v1/auth/validate",status="401"}')).toBeGreaterThanOrEqual(1);
    expect(requests.get('{method="POST",route="/v1/auth/login",status="429"}')).toBeGreaterThanOrEqual(1);
    expect(requests.get('{method="POST",route="/v1/users",status="429"}')).toBeGreaterThanOrEqual(1);
    expect(requests.get('{method="GET",route="unmatched",status="404"}')).toBeGreaterThanOrEqual(1);
    // Never the handler's own path without its mount, never a raw spelling.
    expect([...routes].filter((route) => route !== undefined && !/^(\/v1\/|\/graphql$|\/metrics$|unmatched$)/.test(route))).toEqual([]);
    expect(routes.has('/login')).toBe(false);
  });
});
