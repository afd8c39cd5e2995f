import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UserRole } from '../../../src/users/user-role';
import { ApiProcess, buildApi, type BuiltApi } from '../../support/api-process';
import { sql } from '../../support/auth';
import { signedIn } from '../../support/factories';
import { ApiClient } from '../../support/http';
import { freePort } from '../../support/redis-tools';
import { REDIS_AVAILABLE, REDIS_URL, startTestServer, type TestServer } from '../../support/test-server';

jest.setTimeout(180_000);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a compiled operator command as `npm run admin:...` does, with only the given environment. */
function runCommand(built: BuiltApi, script: string, args: string[], env: Record<string, string>, stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [join(dirname(built.main), 'scripts', `${script}.js`), ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin ?? '');
  });
}

describe('npm run admin:create and admin:reset-password', () => {
  let built: BuiltApi;
  beforeAll(async () => {
    built = await buildApi();
  });
  afterAll(() => built?.remove());

  describe('against a running service', () => {
    let server: TestServer;
    let api: ApiClient;
    let env: Record<string, string>;

    beforeAll(async () => {
      server = await startTestServer();
      api = new ApiClient(server.url);
      env = { DATABASE_URL: server.config.databaseUrl as string, NODE_ENV: 'test', ARGON2_MEMORY_KIB: '1024', ARGON2_ITERATIONS: '1', ...(REDIS_AVAILABLE ? { REDIS_URL } : {}) };
    });
    afterAll(() => server?.stop());

    it('creates an admin from ADMIN_PASSWORD, audited, who can sign in and act as admin', async () => {
      const run = await runCommand(built, 'admin-create', ['--username', 'rescue', '--email', 'rescue@example.com'], { ...env, ADMIN_PASSWORD: 'Rescue-passw0rd!' });
      expect(run).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Created admin rescue \(/) });
      expect(run.stdout).not.toContain('Rescue-passw0rd!');
      const login = await api.post('/v1/auth/login', { username: 'rescue', password: 'Rescue-passw0rd!' });
      expect(login.status).toBe(200);
      expect((await api.get('/v1/users', { token: login.body.accessToken })).status).toBe(200);
      const [audit] = await sql(server, "select user_id, ip_address, new_values from audit_logs where action = 'user.created' and entity_id = (select id from users where username = 'rescue')");
      expect(audit).toEqual({ user_id: null, ip_address: 'cli', new_values: expect.objectContaining({ role: 'admin', via: 'cli' }) });
    });

    it('refuses a taken name, a weak password and missing arguments, printing no hash', async () => {
      const taken = await runCommand(built, 'admin-create', ['--username', 'rescue', '--email', 'other@example.com'], { ...env, ADMIN_PASSWORD: 'Rescue-passw0rd!' });
      expect(taken).toMatchObject({ code: 1, stderr: 'A user with this username already exists.\n' });
      const weak = await runCommand(built, 'admin-create', ['--username', 'weakling', '--email', 'weak@example.com'], { ...env, ADMIN_PASSWORD: 'weak' });
      expect(weak.code).toBe(1);
      expect(weak.stderr).toMatch(/^password: /);
      expect((await runCommand(built, 'admin-create', [], env)).code).toBe(2);
      expect(`${taken.stderr}${weak.stderr}`).not.toContain('$argon2');
    });

    it('resets a password from stdin: the running service refuses the old sessions at once, the new password works, audited', async () => {
      const user = await signedIn(server, api, UserRole.ADMIN);
      expect((await api.get('/v1/auth/validate', { token: user.token })).status).toBe(200);
      const run = await runCommand(built, 'admin-reset-password', ['--login', user.email.toUpperCase(), '--password-stdin'], env, 'Reset-passw0rd!\n');
      expect(run).toMatchObject({ code: 0, stdout: expect.stringMatching(/ended 1 session\(s\)/) });
      expect((await api.get('/v1/auth/validate', { token: user.token })).status).toBe(401);
      expect((await api.post('/v1/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
      expect((await api.post('/v1/auth/login', { username: user.username, password: user.password })).status).toBe(401);
      expect((await api.post('/v1/auth/login', { username: user.username, password: 'Reset-passw0rd!' })).status).toBe(200);
      const [audit] = await sql(server, "select ip_address, new_values from audit_logs where action = 'auth.password_changed' and entity_id = ?", [user.id]);
      expect(audit).toEqual({ ip_address: 'cli', new_values: { via: 'cli', sessionsEnded: 1 } });
    });

    it('lets a locked-out admin back in: the reset clears the lock-out the running service holds', async () => {
      const admin = await signedIn(server, api, UserRole.ADMIN);
      const tryLogin = (password: string) => api.post('/v1/auth/login', { username: admin.username, password });
      // LOGIN_MAX_FAILURES_PER_IP defaults to 5, for LOGIN_LOCKOUT_SECONDS (15 minutes).
      for (let i = 0; i < 5; i += 1) expect((await tryLogin('Wrong-passw0rd!')).status).toBe(401);
      expect((await tryLogin(admin.password)).status).toBe(429);
      const run = await runCommand(built, 'admin-reset-password', ['--login', admin.username, '--password-stdin'], env, 'Unlocked-passw0rd!\n');
      expect(run.code).toBe(0);
      expect((await tryLogin('Unlocked-passw0rd!')).status).toBe(200);
    });

    it('generates a password when none is given and prints it once', async () => {
      const user = await signedIn(server, api, UserRole.USER);
      const run = await runCommand(built, 'admin-reset-password', ['--login', user.username], env);
      expect(run.code).toBe(0);
      const printed = /Password \(shown once, change it after signing in\): (\S+)/.exec(run.stdout)?.[1] as string;
      expect(run.stdout.split(printed)).toHaveLength(2);
      expect((await api.post('/v1/auth/login', { username: user.username, password: printed })).status).toBe(200);
      expect((await runCommand(built, 'admin-reset-password', ['--login', 'nobody_here'], env)).stderr).toMatch(/No live account/);
    });
  });

  describe('against the embedded PostgreSQL of a zero-setup start, with the service stopped', () => {
    let dataDir: string;
    let api: ApiProcess | undefined;

    beforeAll(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'uma-admin-cli-'));
      chmodSync(dataDir, 0o755);
    });
    afterAll(async () => {
      await api?.kill();
      const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
      if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGINT');
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('creates the admin in DATA_DIR’s database, which the service then serves', async () => {
      const env = { DATA_DIR: dataDir, NODE_ENV: 'development', ARGON2_MEMORY_KIB: '1024', ARGON2_ITERATIONS: '1' };
      const run = await runCommand(built, 'admin-create', ['--username', 'offline', '--email', 'offline@example.com'], env);
      expect(run.code).toBe(0);
      const password = /Password \(shown once, change it after signing in\): (\S+)/.exec(run.stdout)?.[1] as string;
      // The command stopped the embedded server it started.
      expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
      const port = await freePort();
      api = await ApiProcess.start(built.main, port, { ...env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ADMIN_GENERATE: 'false' });
      const login = await new ApiClient(api.url).post('/v1/auth/login', { username: 'offline', password });
      expect(login.status).toBe(200);
      expect((await new ApiClient(api.url).get('/v1/auth/validate', { token: login.body.accessToken })).body.user.role).toBe('admin');
      api.signal('SIGTERM');
      await api.exited;
    });
  });
});
