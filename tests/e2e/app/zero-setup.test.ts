import { migrationsList } from '../../../src/migrations';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiProcess, buildApi, type BuiltApi } from '../../support/api-process';
import { ApiClient } from '../../support/http';
import { freePort } from '../../support/redis-tools';
import { eventually } from '../../support/scratch-database';

jest.setTimeout(120_000);

const isBanner = (line: Record<string, unknown>) => typeof line.message === 'string' && line.message.startsWith('User API listening');

/**
 * `npm start` on a machine with nothing installed: no DATABASE_URL, no REDIS_URL. The compiled app
 * runs as a child process, as `node dist/main.js` does, with its own DATA_DIR.
 */
describe('zero setup: no DATABASE_URL starts an embedded PostgreSQL in DATA_DIR', () => {
  let built: BuiltApi;
  let dataDir: string;
  let env: Record<string, string>;
  let api: ApiProcess | undefined;
  const alice = { username: 'alice', email: 'alice@example.com', password: 'Wonder-land1!', firstName: 'Alice', lastName: 'Liddell' };

  beforeAll(async () => {
    built = await buildApi();
    dataDir = mkdtempSync(join(tmpdir(), 'uma-zero-setup-'));
    // Run as root, PostgreSQL runs as the postgres user, which must be able to enter the directory.
    chmodSync(dataDir, 0o755);
    env = { NODE_ENV: 'development', HOST: '127.0.0.1', PORT: String(await freePort()), DATA_DIR: dataDir, LOG_LEVEL: 'info', ARGON2_MEMORY_KIB: '1024', ARGON2_ITERATIONS: '1' };
  });
  afterAll(async () => {
    await api?.kill();
    // Should a failure have left the embedded server running, stop it (SIGINT: fast shutdown).
    const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
    if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGINT');
    built?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function stopGracefully(process: ApiProcess): Promise<void> {
    process.signal('SIGTERM');
    expect((await process.exited).code).toBe(0);
    // The embedded PostgreSQL went with it.
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  }

  it('first start: initialises the cluster, migrates, creates the first admin and says where everything is', async () => {
    api = await ApiProcess.start(built.main, Number(env.PORT), env);
    expect(api.logs.find((line) => line.message === 'Applied migrations')?.migrations).toEqual(migrationsList.map((migration) => migration.name));
    const banner = api.logs.find(isBanner)!;
    expect(banner.banner).toMatchObject({
      database: `embedded PostgreSQL 16 in ${join(dataDir, 'postgres')}`,
      redis: expect.stringMatching(/^none: in-process/),
      firstAdminCredentials: join(dataDir, 'first-admin.txt'),
      docs: `${api.url}/docs`,
      health: `${api.url}/health`,
      mail: `files in ${join(dataDir, 'mail')}, listed at ${api.url}/dev/mail`,
    });
    // Printed to a pipe, the banner is one clean JSON line: a one-line message, the rest as fields.
    expect(banner.message).toBe(`User API listening on 127.0.0.1:${env.PORT} only`);
    expect(api.stderr).toBe('');
    expect(statSync(join(dataDir, 'first-admin.txt')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'postgres-password')).mode & 0o777).toBe(0o600);
  });

  it('serves requests from it: the generated admin signs in, a user signs up', async () => {
    const client = new ApiClient(api!.url);
    const password = /^password: (.+)$/m.exec(readFileSync(join(dataDir, 'first-admin.txt'), 'utf8'))![1];
    const admin = await client.post('/v1/auth/login', { username: 'admin', password });
    expect(admin.status).toBe(200);
    expect((await client.post('/v1/users', alice)).status).toBe(201);
    // The newcomer's sign-up mail waits at /dev/mail, and its link verifies the address.
    let welcome: { to: string; links: string[] } | undefined;
    await eventually(async () => {
      welcome = (await client.get('/dev/mail.json')).body.data.find((mail: { to: string }) => mail.to === alice.email);
      expect(welcome).toBeDefined();
    });
    const token = new URL(welcome!.links[0]).searchParams.get('token');
    expect((await client.post('/v1/auth/email/verify', { token })).status).toBe(200);
    const listed = await client.get('/v1/users?q=alice', { token: admin.body.accessToken });
    expect(listed.body.data.map((user: { username: string }) => user.username)).toEqual(['alice']);
    expect((await client.get('/ready')).body).toMatchObject({ status: 'ready', checks: { postgres: 'ok' } });
    // Where the password is was logged; the password itself never.
    expect(JSON.stringify(api!.logs) + api!.stderr).not.toContain(password);
    await stopGracefully(api!);
  });

  it('second start: the data is still there, nothing is migrated or created again', async () => {
    const credentials = readFileSync(join(dataDir, 'first-admin.txt'), 'utf8');
    api = await ApiProcess.start(built.main, Number(env.PORT), env);
    expect(api.logs.filter((line) => line.message === 'Applied migrations')).toEqual([]);
    expect(api.logs.filter((line) => String(line.message).startsWith('Created the first admin'))).toEqual([]);
    // The banner still points at the file: its owner may not have read it yet.
    expect((api.logs.find(isBanner)?.banner as Record<string, unknown>).firstAdminCredentials).toBe(join(dataDir, 'first-admin.txt'));
    expect(readFileSync(join(dataDir, 'first-admin.txt'), 'utf8')).toBe(credentials);
    const client = new ApiClient(api.url);
    expect((await client.post('/v1/auth/login', { username: 'alice', password: alice.password })).status).toBe(200);
    await stopGracefully(api);
  });
});
