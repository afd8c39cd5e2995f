import { Client } from 'pg';
import { UserRole } from '../../../src/users/user-role';
import { DEFAULT_PASSWORD, login, type SignedIn, signedIn, userInput } from '../../support/factories';
import { ApiClient, type HttpResponse } from '../../support/http';
import { describeWithPostgresTools, DisposablePostgres } from '../../support/private-postgres';
import { expectStatus, sleep } from '../../support/problem';
import { freePort } from '../../support/redis-tools';
import { startTestServer, type TestServer } from '../../support/test-server';

jest.setTimeout(120_000);

const STICKY_SECONDS = 3;
const DATABASE = 'uma_replicas';
const METRICS_TOKEN = 'replica-metrics-token-0123456789';

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/**
 * A real primary and a real streaming hot-standby replica of it (pg_basebackup -R), both private
 * clusters on loopback ports, under the real API with DATABASE_READ_URLS pointing at the replica.
 * Pausing WAL replay on the replica freezes what it can show, so every read can be told apart:
 * a row written after the pause is visible only on the primary.
 */
describeWithPostgresTools('read replicas')('read replicas', () => {
  let primary: DisposablePostgres;
  let replica: DisposablePostgres;
  let primarySql: Client;
  let replicaSql: Client;
  let server: TestServer;
  let api: ApiClient;
  let admin: SignedIn;
  let moderator: SignedIn;

  const countOn = async (client: Client, username: string) =>
    (await client.query('select count(*)::int as n from users where username = $1', [username])).rows[0].n as number;
  // Lists are cached by query, not by reader: a distinct `limit` gives each read its own cache entry.
  const listTotal = async (reader: SignedIn, q: string, limit = 20) => {
    const response = await api.get(`/v1/users?q=${encodeURIComponent(q)}&limit=${limit}`, { token: reader.token });
    expectStatus(response, 200);
    return response.body.pagination.total as number;
  };
  const graphqlTotal = async (reader: SignedIn, q: string, first = 10) => {
    const result = await api.graphql<{ users: { totalCount: number } }>('query($q: String, $first: Int) { users(first: $first, filter: { q: $q }) { totalCount } }', { q, first }, reader.token);
    expect(result.errors).toBeUndefined();
    return result.data!.users.totalCount;
  };
  const auditTotal = async (reader: SignedIn, entityId: string) => {
    const response = await api.get(`/v1/audit-logs?action=user.created&entityId=${entityId}`, { token: reader.token });
    expectStatus(response, 200);
    return response.body.pagination.total as number;
  };

  /** Waits until the replica has replayed everything the primary has written so far. */
  async function replicaCaughtUp(): Promise<void> {
    const { lsn } = (await primarySql.query('select pg_current_wal_lsn()::text as lsn')).rows[0];
    const deadline = Date.now() + 20_000;
    while ((await replicaSql.query('select pg_last_wal_replay_lsn() >= $1::pg_lsn as done', [lsn])).rows[0].done !== true) {
      if (Date.now() > deadline) throw new Error('the replica did not catch up within 20 s');
      await sleep(50);
    }
  }

  async function pauseReplay(): Promise<void> {
    await replicaSql.query('select pg_wal_replay_pause()');
    const deadline = Date.now() + 10_000;
    while ((await replicaSql.query('select pg_get_wal_replay_pause_state() as state')).rows[0].state !== 'paused') {
      if (Date.now() > deadline) throw new Error('WAL replay did not pause');
      await sleep(50);
    }
  }

  /** Lets every writer's primary-after-write window run out. */
  const outlastStickiness = () => sleep(STICKY_SECONDS * 1000 + 500);

  beforeAll(async () => {
    primary = new DisposablePostgres(await freePort());
    await primary.start();
    primarySql = await connect(primary.url());
    await primarySql.query(`create database ${DATABASE}`);
    await primarySql.end();
    primarySql = await connect(primary.url(DATABASE));
    replica = new DisposablePostgres(await freePort(), primary);
    await replica.start();
    replicaSql = await connect(replica.url(DATABASE));
    expect((await replicaSql.query('select pg_is_in_recovery() as standby')).rows[0].standby).toBe(true);

    server = await startTestServer({
      DATABASE_URL: primary.url(DATABASE),
      DATABASE_READ_URLS: replica.url(DATABASE),
      DATABASE_READ_STICKY_SECONDS: String(STICKY_SECONDS),
      // No in-process user layer: a read that misses Redis must reach PostgreSQL.
      CACHE_LOCAL_MAX_ENTRIES: '0',
      METRICS_TOKEN: METRICS_TOKEN,
    });
    api = new ApiClient(server.url);
    admin = await signedIn(server, api, UserRole.ADMIN);
    moderator = await signedIn(server, api, UserRole.MODERATOR);
    await replicaCaughtUp();
    await outlastStickiness();
  });

  afterAll(async () => {
    try {
      await server?.stop();
      await primarySql?.end().catch(() => undefined);
      await replicaSql?.end().catch(() => undefined);
    } finally {
      await replica?.destroy();
      await primary?.destroy();
    }
  });

  // A failed test must not leave replay paused for the next one (the replica may be stopped by then).
  afterEach(async () => {
    await replicaSql?.query('select pg_wal_replay_resume()').catch(() => undefined);
  });

  it('reports the replica on /ready', async () => {
    const ready = await api.get('/ready');
    expectStatus(ready, 200);
    expect(ready.body.checks).toMatchObject({ postgres: 'ok', 'postgres:replica-1': 'ok' });
  });

  it('serves lists and search from the replica, writes from the primary, and the writer its own writes', async () => {
    await pauseReplay();
    const input = userInput();
    const created = await api.post('/v1/users', input, { token: admin.token });
    expectStatus(created, 201);
    const writtenAt = Date.now();

    // The writer reads its write (from the primary) while the mark lasts: users and audit trail alike.
    expect(await listTotal(admin, input.username, 11)).toBe(1);
    expect(await auditTotal(admin, created.body.id)).toBe(1);
    expect(await countOn(primarySql, input.username)).toBe(1);
    expect(await countOn(replicaSql, input.username)).toBe(0);

    // Anyone else's list and search is the replica's: the new user is not there yet.
    expect(await listTotal(moderator, input.username, 12)).toBe(0);
    expect(await graphqlTotal(moderator, input.username, 12)).toBe(0);
    expect(server.queries.some((sql) => /via read connection 'replica-1'/.test(sql))).toBe(true);

    // Once the mark is gone the writer reads the replica too: the 1 above was the primary's answer.
    await sleep(Math.max(0, writtenAt + STICKY_SECONDS * 1000 + 500 - Date.now()));
    expect(await listTotal(admin, input.username, 13)).toBe(0);
    expect(await auditTotal(admin, created.body.id)).toBe(0);

    // Replay resumes and the replica catches up. The same queries as the moderator's above, with no
    // write since (the list version is unchanged): 1 shows their replica answers were not cached.
    await replicaSql.query('select pg_wal_replay_resume()');
    await replicaCaughtUp();
    expect(await listTotal(moderator, input.username, 12)).toBe(1);
    expect(await graphqlTotal(moderator, input.username, 12)).toBe(1);
    expect(await auditTotal(admin, created.body.id)).toBe(1);
  });

  it('reads one user, logins, tokens and refreshes from the primary while the replica lags', async () => {
    const fresh = userInput();
    await pauseReplay();
    const created = await api.post('/v1/users', fresh, { token: admin.token });
    expectStatus(created, 201);
    await outlastStickiness();

    // A user the replica has never seen can log in, be read, and refresh twice in a row.
    const signIn = await api.post('/v1/auth/login', { username: fresh.username, password: DEFAULT_PASSWORD });
    expectStatus(signIn, 200);
    expectStatus(await api.get(`/v1/users/${created.body.id}`, { token: moderator.token }), 200);
    const first = await api.post('/v1/auth/refresh', { refreshToken: signIn.body.refreshToken });
    expectStatus(first, 200);
    // On a replica the session would still hold the first token's hash: reuse detection would end it.
    const second = await api.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken });
    expectStatus(second, 200);
    expectStatus(await api.get('/v1/auth/validate', { token: second.body.accessToken }), 200);
  });

  it('refuses a deactivated user and an old password at once, whatever the replica still holds', async () => {
    const victim = await signedIn(server, api, UserRole.USER);
    const changer = await signedIn(server, api, UserRole.USER);
    await replicaCaughtUp();
    await pauseReplay();

    const deactivated = await api.patch(`/v1/users/${victim.id}`, { isActive: false }, { token: admin.token, headers: { 'content-type': 'application/merge-patch+json' } });
    expectStatus(deactivated, 200);
    expect((await replicaSql.query('select is_active from users where id = $1', [victim.id])).rows[0].is_active).toBe(true);
    expectStatus(await api.get('/v1/auth/validate', { token: victim.token }), 401);

    const newPassword = 'Another-h0rse-battery';
    const changed = await api.post(`/v1/users/${changer.id}/password`, { currentPassword: changer.password, newPassword }, { token: changer.token });
    expectStatus(changed, 204);
    expectStatus(await api.post('/v1/auth/login', { username: changer.username, password: changer.password }), 401);
    await login(api, { username: changer.username, password: newPassword });
  });

  it('falls back to the primary when the replica stops, and stays ready', async () => {
    const input = userInput();
    expectStatus(await api.post('/v1/users', input, { token: admin.token }), 201);
    await outlastStickiness();
    const logsBefore = server.logs.length;
    await replica.stop();

    const answers: HttpResponse[] = [];
    for (let i = 0; i < 3; i += 1) answers.push(await api.get(`/v1/users?q=${input.username}`, { token: moderator.token }));
    for (const answer of answers) {
      expectStatus(answer, 200);
      expect(answer.body.pagination.total).toBe(1);
    }
    expect(await graphqlTotal(moderator, input.username)).toBe(1);

    const ready = await api.get('/ready');
    expectStatus(ready, 200);
    expect(ready.body.checks).toMatchObject({ postgres: 'ok', 'postgres:replica-1': 'failing' });
    const metrics = await api.get('/metrics', { token: METRICS_TOKEN });
    expect(metrics.text).toMatch(/db_routed_reads\{target="replica_fallback"\} [1-9]/);
    expect(server.logs.slice(logsBefore).filter((line) => typeof line.status === 'number' && line.status >= 500)).toEqual([]);
    expect(server.logs.slice(logsBefore).some((line) => line.message === 'Read replica failed; reading from the primary')).toBe(true);
  });
});
