import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStrongPassword } from 'class-validator';
import { ensureGeneratedAdmin, generateAdminPassword } from '../../../src/users/bootstrap-admin';
import { startServer } from '../../../src/app/server';
import { PASSWORD_MAX, PASSWORD_MIN } from '../../../src/users/user.rules';
import { createLogger } from '../../../src/platform/observability/logger';
import { sql } from '../../support/auth';
import { ApiClient } from '../../support/http';
import { startTestServer, type TestServer } from '../../support/test-server';

function readCredentials(file: string): { username: string; email: string; password: string } {
  const fields = Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
  );
  return { username: fields.username, email: fields.email, password: fields.password };
}

describe('generateAdminPassword', () => {
  it('always meets the password policy', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const password = generateAdminPassword();
      expect(password.length).toBeGreaterThanOrEqual(PASSWORD_MIN);
      expect(password.length).toBeLessThanOrEqual(PASSWORD_MAX);
      expect(isStrongPassword(password, { minLength: PASSWORD_MIN, minLowercase: 1, minUppercase: 1, minNumbers: 1, minSymbols: 1 })).toBe(true);
      seen.add(password);
    }
    expect(seen.size).toBe(500);
  });
});

describe('first admin with a generated password (no ADMIN_PASSWORD)', () => {
  let dataDir: string;
  let server: TestServer;
  let api: ApiClient;
  let file: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'uma-first-admin-'));
    // Test servers generate nothing unless asked: ADMIN_GENERATE is on by default in development only.
    server = await startTestServer({ ADMIN_GENERATE: 'true', ADMIN_EMAIL: 'Boss@Example.com', DATA_DIR: dataDir });
    api = new ApiClient(server.url);
    file = join(dataDir, 'first-admin.txt');
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates the admin and writes its credentials to a file only its owner can read', async () => {
    expect(server.firstAdminFile).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const credentials = readCredentials(file);
    expect(credentials).toEqual({ username: 'admin', email: 'boss@example.com', password: expect.any(String) });
    expect(await sql(server, "select username, email, role, email_verified from users where role = 'admin'")).toEqual([
      { username: 'admin', email: 'boss@example.com', role: 'admin', email_verified: true },
    ]);
    // Nothing else lies around in the directory: the temporary file was renamed into place.
    expect(readdirSync(dataDir)).toEqual(['first-admin.txt']);
  });

  it('the password in the file signs in as admin', async () => {
    const { password } = readCredentials(file);
    const login = await api.post('/v1/auth/login', { username: 'admin', password });
    expect(login.status).toBe(200);
    expect((await api.get('/v1/auth/validate', { token: login.body.accessToken })).body.user).toMatchObject({ username: 'admin', role: 'admin' });
  });

  it('logs where the file is, never the password', () => {
    const { password } = readCredentials(file);
    const created = server.logs.find((line) => line.message === 'Created the first admin with a generated password');
    expect(created).toMatchObject({ username: 'admin', credentialsFile: file });
    expect(JSON.stringify(server.logs)).not.toContain(password);
  });

  it('a second start against the same database creates no other admin and leaves the file alone', async () => {
    const before = readFileSync(file, 'utf8');
    const second = await startServer({ ...server.config, port: 0 }, { logger: createLogger('silent') });
    try {
      expect(second.firstAdminFile).toBeUndefined();
    } finally {
      await second.close();
    }
    expect(await ensureGeneratedAdmin(server.orm, server.services, server.config.generatedAdmin!)).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(await sql(server, "select count(*)::int as n from users where role = 'admin'")).toEqual([{ n: 1 }]);
  });

  it('two instances starting at once create one admin between them', async () => {
    await sql(server, "delete from users where role = 'admin'");
    rmSync(file);
    const results = await Promise.all([1, 2].map(() => ensureGeneratedAdmin(server.orm, server.services, server.config.generatedAdmin!)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await sql(server, "select count(*)::int as n from users where role = 'admin'")).toEqual([{ n: 1 }]);
    expect((await api.post('/v1/auth/login', { username: 'admin', password: readCredentials(file).password })).status).toBe(200);
    expect(readdirSync(dataDir)).toEqual(['first-admin.txt']);
  });
});
