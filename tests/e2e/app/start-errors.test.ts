import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ApiProcess, baseEnv, buildApi, type BuiltApi, SharedStores } from '../../support/api-process';
import { freePort } from '../../support/redis-tools';

// A port nothing listens on: connections to it are refused.
const closedPort = freePort;

jest.setTimeout(120_000);

const PRELOAD = join(__dirname, '..', '..', 'support', 'report-loaded-modules.js');

interface Run {
  code: number | null;
  stderr: string;
  loaded: string[];
}

/**
 * What `npm start` prints when something is wrong, from the compiled entry point in a child process,
 * with only the environment the test gives it.
 */
describe('start-up errors name the setting and what to check', () => {
  let build: BuiltApi;
  const stores = new SharedStores();

  beforeAll(async () => {
    [build] = await Promise.all([buildApi(), stores.create()]);
  });
  afterAll(async () => {
    build?.remove();
    await stores.remove();
  });

  function run(env: Record<string, string>): Promise<Run> {
    return new Promise((resolve) => {
      execFile(process.execPath, ['-r', PRELOAD, build.main], { env: { PATH: process.env.PATH ?? '', ...env } }, (error, _stdout, stderr) => {
        const loadedLine = stderr.split('\n').find((line) => line.startsWith('LOADED '));
        resolve({
          code: error ? ((error as { code?: number }).code ?? null) : 0,
          stderr: stderr.replace(/^LOADED .*\n?/m, ''),
          loaded: loadedLine ? JSON.parse(loadedLine.slice('LOADED '.length)) : [],
        });
      });
    });
  }

  it('a bad variable: every one named, exit 2, before express, Apollo, MikroORM or the drivers are even loaded', async () => {
    const result = await run({ PORT: 'eighty', JWT_ALGORITHM: 'none', DATABASE_URL: 'mysql://nope' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Invalid configuration: /);
    for (const name of ['PORT', 'JWT_ALGORITHM', 'DATABASE_URL']) expect(result.stderr).toContain(name);
    expect(result.loaded).toEqual([]);
  });

  it('a PostgreSQL that does not answer: DATABASE_URL named with its password masked, and what to check; exit 1', async () => {
    const port = await closedPort();
    const result = await run({ NODE_ENV: 'test', PORT: '0', DATABASE_URL: `postgres://app:Sup3r-secret@127.0.0.1:${port}/user_api` });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Failed to start: PostgreSQL does not answer at DATABASE_URL=postgres://app:***@127.0.0.1:${port}/user_api`);
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr).toContain(`Check that PostgreSQL runs and accepts TCP connections on 127.0.0.1:${port}`);
    expect(result.stderr).not.toContain('Sup3r-secret');
  });

  it('PostgreSQL refusing the credentials says so and points at the user and password', async () => {
    const url = new URL(stores.databaseUrl);
    url.username = 'no_such_role_here';
    url.password = 'Wr0ng-password';
    const result = await run({ NODE_ENV: 'test', PORT: '0', DATABASE_URL: url.toString() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/refused the credentials: .*no_such_role_here/);
    expect(result.stderr).toContain('Check the user name and password in DATABASE_URL');
    expect(result.stderr).not.toContain('Wr0ng-password');
  });

  it.each([
    ['REDIS_URL', (port: number) => ({ REDIS_URL: `redis://:R3dis-secret@127.0.0.1:${port}` }), (port: number) => `Redis does not answer at REDIS_URL=redis://:***@127.0.0.1:${port}`],
    ['REDIS_CLUSTER_NODES', (port: number) => ({ REDIS_CLUSTER_NODES: `127.0.0.1:${port}` }), (port: number) => `Redis Cluster does not answer at REDIS_CLUSTER_NODES=127.0.0.1:${port}`],
  ])('a %s that does not answer: a warning naming it (password masked) and what to check; the API still starts', async (_name, settings, expected) => {
    const redisPort = await closedPort();
    const port = await freePort();
    // The machine's Redis (baseEnv) is replaced by the one that does not answer.
    const { REDIS_URL: _machineRedis, ...base } = baseEnv(stores, port);
    const env: Record<string, string> = { ...base, ...settings(redisPort) };
    const api = await ApiProcess.start(build.main, port, env);
    try {
      const warning = await api.waitForLog((line) => typeof line.message === 'string' && line.message.includes('does not answer'));
      expect(warning).toMatchObject({ level: 'WARN' });
      expect(warning.message).toContain(expected(redisPort));
      expect(warning.message).toMatch(/ECONNREFUSED|connect|closed/i);
      expect(warning.message).toContain('Check that');
      expect(JSON.stringify(api.logs)).not.toContain('R3dis-secret');
      expect((await fetch(`${api.url}/health`)).status).toBe(200);
    } finally {
      await api.kill();
    }
  });
});
