import { readdirSync, readFileSync } from 'node:fs';
import { type ApiProcess, useApiProcesses } from '../../support/api-process';
import { userInput } from '../../support/factories';

jest.setTimeout(120_000);

/** libuv names its pool's threads; they exist once the pool has started. */
function poolThreads(pid: number): number {
  return readdirSync(`/proc/${pid}/task`).filter((task) => readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim() === 'libuv-worker').length;
}

/**
 * `node dist/main.js` sizes libuv's thread pool itself, before the pool starts: room for the
 * password hashes it runs at once (ARGON2_CONCURRENCY, the cores by default) beside libuv's
 * default four for file and DNS work. Without it every machine hashes on at most four threads.
 */
describe('the thread pool of node dist/main.js', () => {
  const { start } = useApiProcesses();

  /** Starts the API and has it hash a password (a sign-up), so its pool has started. */
  async function hashingApi(env: Record<string, string>): Promise<ApiProcess> {
    const api = await start(env);
    const signup = await fetch(`${api.url}/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(userInput()) });
    expect(signup.status).toBe(201);
    return api;
  }

  it('holds the hashes ARGON2_CONCURRENCY allows beside libuv\'s four threads', async () => {
    const api = await hashingApi({ ARGON2_CONCURRENCY: '5' });
    expect(poolThreads(api.pid)).toBe(9);
  });

  it('keeps the size an operator gives in UV_THREADPOOL_SIZE', async () => {
    const api = await hashingApi({ ARGON2_CONCURRENCY: '5', UV_THREADPOOL_SIZE: '3' });
    expect(poolThreads(api.pid)).toBe(3);
  });
});
