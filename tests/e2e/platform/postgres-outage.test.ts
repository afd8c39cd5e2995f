import { Client } from 'pg';
import { UserRole } from '../../../src/users/user-role';
import { login, seedUser, signedIn, type SeededUser, type SignedIn, userInput } from '../../support/factories';
import { ApiClient, type HttpResponse } from '../../support/http';
import { describeWithPostgresTools, DisposablePostgres } from '../../support/private-postgres';
import { expectProblem, expectStatus, sleep } from '../../support/problem';
import { freePort } from '../../support/redis-tools';
import { startTestServer, type TestServer } from '../../support/test-server';
import { REDIS_READY_CHECK } from '../../support/redis-mode';

jest.setTimeout(60_000);

/** Polls until `probe` holds or the deadline passes; returns the last value seen either way. */
async function eventually<T>(probe: () => Promise<T>, holds: (value: T) => boolean, deadlineMs: number): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (holds(value) || Date.now() > deadline) return value;
    await sleep(100);
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

/** An outage must be answered at once, not after a pool or socket timeout. */
const QUICK_MS = 3000;

/**
 * The API runs against a PostgreSQL cluster of its own (not the machine's shared server), which the
 * test stops with `pg_ctl stop -m fast` and starts again on the same port, as a restart or a
 * failover would look to the API: connections terminated (57P01), then refused, then accepted again.
 */
describeWithPostgresTools('PostgreSQL restarts under a running API')('PostgreSQL restarts under a running API', () => {
  let postgres: DisposablePostgres;
  let server: TestServer;
  let api: ApiClient;
  let admin: SignedIn;
  /** Never read through the API before the outage, so no cache can answer for it. */
  let unread: SeededUser;
  /** Signed in before the outage, token never presented: its session is only in PostgreSQL. */
  let freshToken: string;
  let freshUser: SeededUser;
  let logsAtStop = 0;

  const unexpectedErrorsSince = (from: number) => server.logs.slice(from).filter((line) => line.message === 'Unexpected error');
  const serverErrorsSince = (from: number) =>
    server.logs.slice(from).filter((line) => typeof line.status === 'number' && line.status >= 500 && line.status !== 503);

  /** What anything wrote to the console behind the logger's back. */
  const consoleLines: string[] = [];

  beforeAll(async () => {
    for (const method of ['log', 'warn', 'error'] as const) {
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void consoleLines.push(args.map(String).join(' ')));
    }
    postgres = new DisposablePostgres(await freePort());
    await postgres.start();
    // No in-process user cache, so a read that misses Redis must go to PostgreSQL.
    server = await startTestServer({ DATABASE_URL: postgres.url('uma_outage'), CACHE_LOCAL_MAX_ENTRIES: '0' });
    api = new ApiClient(server.url);
    admin = await signedIn(server, api, UserRole.ADMIN);
    unread = await seedUser(server);
    freshUser = await seedUser(server);
    ({ token: freshToken } = await login(api, freshUser));
  });
  afterAll(async () => {
    // stop() also drops the server's (never created) database on the shared cluster: a no-op there.
    await server?.stop();
    await postgres?.destroy();
    jest.restoreAllMocks();
  });

  it('before the outage, reads, writes and /ready work against the private cluster', async () => {
    expect((await api.get('/ready')).body).toEqual({ status: 'ready', checks: { postgres: 'ok', ...REDIS_READY_CHECK } });
    expectStatus(await api.get(`/v1/users/${admin.id}`, { token: admin.token }), 200);
    const client = new Client({ connectionString: postgres.url('uma_outage') });
    await client.connect();
    try {
      const { rows } = await client.query('select count(*)::int as n from users');
      expect(rows[0].n).toBe(3);
    } finally {
      await client.end();
    }
  });

  it('a write waiting inside a transaction when PostgreSQL stops answers 503, not 500', async () => {
    // Hold the user's row so the API's PATCH waits on the lock, connection and transaction open.
    const locker = new Client({ connectionString: postgres.url('uma_outage') });
    locker.on('error', () => undefined);
    await locker.connect();
    await locker.query('begin');
    await locker.query('select 1 from users where id = $1 for update', [unread.id]);
    const pending = timed(() => api.patch(`/v1/users/${unread.id}`, { lastName: 'Blocked' }, { token: admin.token }));
    const waiting = await eventually(
      async () => (await locker.query(`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = 'uma_outage'`)).rows[0].n as number,
      (n) => n > 0,
      5000,
    );
    expect(waiting).toBe(1);

    logsAtStop = server.logs.length;
    await postgres.stop();

    const { value: blocked, ms } = await pending;
    expectProblem(blocked, 503);
    expect(blocked.body).toMatchObject({ type: '/problems/service-unavailable', title: 'Service unavailable' });
    expect(ms).toBeLessThan(10_000);
    await locker.end().catch(() => undefined);
  });

  it('with PostgreSQL down, REST requests that need it answer 503 problem+json at once', async () => {
    const cases: [string, () => Promise<HttpResponse>][] = [
      ['read of an uncached user', () => api.get(`/v1/users/${unread.id}`, { token: admin.token })],
      ['write', () => api.patch(`/v1/users/${unread.id}`, { lastName: 'DuringOutage' }, { token: admin.token })],
      ['list', () => api.get('/v1/users?limit=5&q=nobody', { token: admin.token })],
      ['sign-up', () => api.post('/v1/users', userInput())],
      ['login with the right password', () => api.post('/v1/auth/login', { username: freshUser.username, password: freshUser.password })],
      // The session behind this token was never cached: not being able to check it is not "signed out".
      ['token whose session is only in PostgreSQL', () => api.get('/v1/auth/validate', { token: freshToken })],
    ];
    for (const [name, send] of cases) {
      const { value: response, ms } = await timed(send);
      expect({ name, status: response.status }).toEqual({ name, status: 503 });
      expectProblem(response, 503);
      expect(response.body).toMatchObject({ type: '/problems/service-unavailable', detail: 'The database is unavailable.' });
      expect({ name, quick: ms < QUICK_MS }).toEqual({ name, quick: true });
    }
    expect(unexpectedErrorsSince(logsAtStop)).toEqual([]);
    expect(serverErrorsSince(logsAtStop)).toEqual([]);
  });

  it('with PostgreSQL down, GraphQL answers SERVICE_UNAVAILABLE', async () => {
    const { value: read, ms } = await timed(() => api.graphql(`query($id: UUID!) { user(id: $id) { id lastName } }`, { id: unread.id }, admin.token));
    expect(read.errors?.map((error) => error.extensions.code)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(ms).toBeLessThan(QUICK_MS);
    const me = await api.graphql('{ me { id } }', {}, freshToken);
    expect(me.errors?.map((error) => error.extensions.code)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(unexpectedErrorsSince(logsAtStop)).toEqual([]);
  });

  it('/ready says PostgreSQL is failing (and Redis is fine), quickly', async () => {
    const { value: ready, ms } = await timed(() => api.get('/ready'));
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'unavailable', checks: { postgres: 'failing', ...REDIS_READY_CHECK } });
    expect(ms).toBeLessThan(QUICK_MS);
    expect((await api.get('/health')).status).toBe(200);
  });

  it('after PostgreSQL restarts, the same process reads, writes and signs in again', async () => {
    await postgres.start();
    const ready = await eventually(async () => (await api.get('/ready')).status, (status) => status === 200, 15_000);
    expect(ready).toBe(200);

    const read = await api.get(`/v1/users/${unread.id}`, { token: admin.token });
    expectStatus(read, 200);
    // Neither the PATCH cut by the stop nor the one refused during the outage was written.
    expect(read.body.lastName).toBe(unread.username.replace(/^user_/, 'Person'));

    const patched = await api.patch(`/v1/users/${unread.id}`, { lastName: 'AfterRestart' }, { token: admin.token });
    expectStatus(patched, 200);
    expect((await api.get(`/v1/users/${unread.id}`, { token: admin.token })).body.lastName).toBe('AfterRestart');

    // The token that could not be checked during the outage was never revoked.
    expectStatus(await api.get('/v1/auth/validate', { token: freshToken }), 200);
    expectStatus(await api.post('/v1/auth/login', { username: freshUser.username, password: freshUser.password }), 200);
    expectStatus(await api.post('/v1/users', userInput()), 201);
    const me = await api.graphql('{ me { id } }', {}, freshToken);
    expect(me.errors).toBeUndefined();
    expect(me.data.me.id).toBe(freshUser.id);
    expect(unexpectedErrorsSince(logsAtStop)).toEqual([]);
    expect(serverErrorsSince(logsAtStop)).toEqual([]);
  });

  it('wrote nothing outside the JSON log through the outage: the driver warnings went to the logger', () => {
    expect(consoleLines).toEqual([]);
    expect(server.logs.some((line) => line.component === 'database-driver' && line.level === 'WARN')).toBe(true);
  });
});
