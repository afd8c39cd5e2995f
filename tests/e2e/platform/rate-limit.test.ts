import { UserRole } from '../../../src/users/user-role';
import { signedIn, userInput } from '../../support/factories';
import { ApiClient } from '../../support/http';
import { startTestServer } from '../../support/test-server';
import { useTestServer } from '../../support/use-test-server';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ME = 'query { me { id } }';

describe('rate limiting shared by REST and GraphQL', () => {
  const ctx = useTestServer({ RATE_LIMIT_READ_PER_USER: '4/3600', RATE_LIMIT_SIGNUP_PER_IP: '3/3600', RATE_LIMIT_AUTH_PER_IP: '100/60' });

  it('refuses the request after the limit through REST, with headers and a problem+json 429', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const statuses: number[] = [];
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 5; i += 1) {
      const response = await ctx.api.get(`/v1/users/${user.id}`, { token: user.token });
      statuses.push(response.status);
      remaining.push(response.headers.get('ratelimit-remaining'));
      if (response.status === 429) {
        expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(response.body).toMatchObject({ status: 429, title: 'Too many requests' });
      }
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    expect(remaining.slice(0, 4)).toEqual(['3', '2', '1', '0']);
  });

  it('refuses through GraphQL with RATE_LIMITED and retryAfter', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 5; i += 1) {
      const result = await ctx.api.graphql(ME, {}, user.token);
      codes.push(result.errors?.[0]?.extensions.code);
      if (result.errors) expect(result.errors[0].extensions.retryAfter).toEqual(expect.any(Number));
    }
    expect(codes).toEqual([undefined, undefined, undefined, undefined, 'RATE_LIMITED']);
  });

  it("the served schema describes each @rateLimit bucket with this instance's limits", async () => {
    const result = await ctx.api.graphql('{ __type(name: "RateLimitBucket") { enumValues { name description } } }');
    const descriptions = Object.fromEntries(result.data.__type.enumValues.map((value: { name: string; description: string }) => [value.name, value.description]));
    expect(Object.keys(descriptions)).toEqual(['AUTH', 'SIGNUP', 'READ', 'WRITE', 'EMAIL']);
    expect(descriptions.EMAIL).toContain('(RATE_LIMIT_EMAIL_PER_IP)');
    expect(descriptions.EMAIL).toContain('3 per 3600 s (RATE_LIMIT_EMAIL_PER_ADDRESS)');
    expect(descriptions.AUTH).toContain('100 per 60 s (RATE_LIMIT_AUTH_PER_IP)');
    expect(descriptions.SIGNUP).toContain('3 per 3600 s (RATE_LIMIT_SIGNUP_PER_IP)');
    expect(descriptions.READ).toContain('per user when signed in, 4 per 3600 s (RATE_LIMIT_READ_PER_USER)');
  });

  it('counts REST and GraphQL calls against the same bucket', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    expect((await ctx.api.get(`/v1/users/${user.id}`, { token: user.token })).status).toBe(200);
    expect((await ctx.api.graphql(ME, {}, user.token)).errors).toBeUndefined();
    expect((await ctx.api.get(`/v1/users/${user.id}`, { token: user.token })).status).toBe(200);
    expect((await ctx.api.graphql(ME, {}, user.token)).errors).toBeUndefined();
    expect((await ctx.api.get(`/v1/users/${user.id}`, { token: user.token })).status).toBe(429);
    expect((await ctx.api.graphql(ME, {}, user.token)).errors?.[0].extensions.code).toBe('RATE_LIMITED');
  });

  it('counts each aliased root field, so aliases cannot multiply the budget', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const result = await ctx.api.graphql('query { a: me { id } b: me { id } c: me { id } d: me { id } e: me { id } }', {}, user.token);
    const limited = (result.errors ?? []).filter((error) => error.extensions.code === 'RATE_LIMITED');
    expect(limited).toHaveLength(1);
  });

  it('limits anonymous sign-ups per client IP across both doors', async () => {
    const first = await ctx.api.post('/v1/users', userInput());
    const second = await ctx.api.graphql('mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: userInput() });
    const third = await ctx.api.post('/v1/users', userInput());
    const fourth = await ctx.api.post('/v1/users', userInput());
    expect([first.status, second.errors, third.status, fourth.status]).toEqual([201, undefined, 201, 429]);
  });
});

describe('the window slides', () => {
  // A window long enough that the requests' own duration, however busy the machine, is small next to it.
  const WINDOW_MS = 4000;
  const ctx = useTestServer({ RATE_LIMIT_READ_PER_USER: `3/${WINDOW_MS / 1000}` });
  const until = async (time: number) => {
    while (Date.now() < time) await sleep(Math.min(time - Date.now(), 100));
  };

  it('admits no double burst across a window boundary, and frees capacity as old requests age out', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const timedRead = async () => {
      const sent = Date.now();
      const { status } = await ctx.api.get(`/v1/users/${user.id}`, { token: user.token });
      return { status, sent, answered: Date.now() };
    };
    // Each request is counted at some moment between its sending and its answer.
    const a = await timedRead();
    expect(a.status).toBe(200);
    await until(a.answered + WINDOW_MS / 2);
    const [b, c] = [await timedRead(), await timedRead()];
    expect([b.status, c.status]).toEqual([200, 200]);
    // A has left the window, B and C have not: one place. A fixed window would have reset by now and admitted a second burst.
    await until(a.answered + WINDOW_MS + 100);
    const [d, e] = [await timedRead(), await timedRead()];
    expect([d.status, e.status]).toEqual([200, 429]);
    // Only if E was counted before B left the window does its 429 prove anything: it was, unless the machine stalled for seconds.
    expect(e.answered).toBeLessThan(b.sent + WINDOW_MS);
    // B and C have left, D has not: two places.
    await until(c.answered + WINDOW_MS + 100);
    const [f, g] = [await timedRead(), await timedRead()];
    expect([f.status, g.status]).toEqual([200, 200]);
  });
});

describe('client IP behind proxies', () => {
  const attempts = async (api: ApiClient, forwardedFor: string) =>
    (await api.post('/v1/auth/login', { username: 'nobody', password: 'Whatever-1!' }, { headers: { 'x-forwarded-for': forwardedFor } })).status;

  it('ignores X-Forwarded-For unless the proxy is trusted, so clients cannot pick their own bucket', async () => {
    const server = await startTestServer({ RATE_LIMIT_AUTH_PER_IP: '2/60' });
    try {
      const api = new ApiClient(server.url);
      expect([await attempts(api, '203.0.113.1'), await attempts(api, '203.0.113.2'), await attempts(api, '203.0.113.3')]).toEqual([401, 401, 429]);
    } finally {
      await server.stop();
    }
  });

  it('keys on the forwarded client address when TRUST_PROXY names the proxy', async () => {
    const server = await startTestServer({ RATE_LIMIT_AUTH_PER_IP: '2/60', TRUST_PROXY: 'loopback' });
    try {
      const api = new ApiClient(server.url);
      expect([await attempts(api, '203.0.113.1'), await attempts(api, '203.0.113.1'), await attempts(api, '203.0.113.1')]).toEqual([401, 401, 429]);
      expect(await attempts(api, '203.0.113.2')).toBe(401);
    } finally {
      await server.stop();
    }
  });
});
