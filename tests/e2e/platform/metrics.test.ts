import { UserRole } from '../../../src/users/user-role';
import { DEFAULT_PASSWORD, signedIn, userInput } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+-]+|NaN|Nan|\+Inf|-Inf)$/;

/** Parses the Prometheus text format strictly: every non-comment line must be a sample. */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample: ${line}`);
    samples.set(`${match[1]}${match[2] ?? ''}`, Number(match[3]));
  }
  return samples;
}

const sum = (samples: Map<string, number>, prefix: string) =>
  [...samples].filter(([key]) => key.startsWith(prefix)).reduce((total, [, value]) => total + value, 0);

describe('metrics behind a token', () => {
  const token = 'metrics-token-0123456789';
  const ctx = useTestServer({ METRICS_TOKEN: token });

  const scrape = async () => {
    const response = await ctx.api.get('/metrics', { token });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    return parseExposition(response.text);
  };

  it('refuses scrapes without the token', async () => {
    expect((await ctx.api.get('/metrics')).status).toBe(401);
    expect((await ctx.api.get('/metrics', { token: 'wrong-token-0123456789' })).status).toBe(401);
  });

  it('exposes process, HTTP, GraphQL, cache, audit and pool metrics that move with traffic', async () => {
    const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
    const before = await scrape();
    const created = await ctx.api.post('/v1/users', userInput());
    await ctx.api.post('/v1/auth/login', { username: created.body.username, password: 'Wrong-passw0rd!' });
    await ctx.api.post('/v1/auth/login', { username: created.body.username, password: DEFAULT_PASSWORD });
    await ctx.api.get(`/v1/users/${created.body.id}`, { token: admin.token });
    await ctx.api.get(`/v1/users/${created.body.id}`, { token: admin.token });
    await ctx.api.graphql('query Me { me { id } }', {}, admin.token);
    const after = await scrape();

    expect(after.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(after.get('http_requests_total{method="POST",route="/v1/users",status="201"}')).toBe((before.get('http_requests_total{method="POST",route="/v1/users",status="201"}') ?? 0) + 1);
    expect(after.get('http_requests_total{method="GET",route="/v1/users/:id",status="200"}')).toBeGreaterThanOrEqual(2);
    expect(sum(after, 'http_request_duration_seconds_count{method="GET",route="/v1/users/:id"')).toBeGreaterThanOrEqual(2);
    expect(after.get('graphql_operations_total{operation="Me",outcome="ok"}')).toBe(1);
    expect(after.get('audit_events{action="user.created"}')).toBeGreaterThanOrEqual(1);
    expect(after.get('audit_events{action="auth.login_failed"}')).toBe((before.get('audit_events{action="auth.login_failed"}') ?? 0) + 1);
    expect(after.get('audit_events{action="auth.login"}')).toBe((before.get('audit_events{action="auth.login"}') ?? 0) + 1);
    expect(sum(after, 'cache_lookups{result="hit"}') + sum(after, 'cache_lookups{result="local_hit"}')).toBeGreaterThan(sum(before, 'cache_lookups{result="hit"}') + sum(before, 'cache_lookups{result="local_hit"}'));
    expect(after.has('db_pool_connections{state="used"}')).toBe(true);
    expect(after.has('http_active_connections')).toBe(true);
    expect(after.has('rate_limit_rejections')).toBe(true);
    // Nothing hashes between requests: the logins' hashes ran and none is left waiting.
    expect(after.get('password_hashes{state="running"}')).toBe(0);
    expect(after.get('password_hashes{state="waiting"}')).toBe(0);
  });

  it('labels by route pattern, never by raw path with ids', async () => {
    const text = (await ctx.api.get('/metrics', { token })).text;
    expect(text).not.toMatch(/route="\/v1\/users\/[0-9a-f]{8}-/);
  });
});

describe('metrics on their own port', () => {
  const ctx = useTestServer({ METRICS_PORT: '0' });

  it('serves /metrics on the metrics port and not on the API port', async () => {
    expect(ctx.server.metricsUrl).toBeDefined();
    const scrape = await fetch(ctx.server.metricsUrl as string);
    expect(scrape.status).toBe(200);
    expect(parseExposition(await scrape.text()).size).toBeGreaterThan(10);
    expect((await ctx.api.get('/metrics')).status).toBe(404);
  });
});

describe('metrics in production without a token or port', () => {
  const ctx = useTestServer({ NODE_ENV: 'production' });

  it('are not served publicly', async () => {
    expect((await ctx.api.get('/metrics')).status).toBe(404);
  });
});
