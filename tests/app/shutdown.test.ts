import { ApiProcess, baseEnv, buildApi, type BuiltApi, httpRequest, probe, SharedStores, SplitRequest } from '../support/api-process';
import { userInput } from '../support/factories';
import { sleep } from '../support/problem';
import { freePort } from '../support/redis-tools';
import { REDIS_READY_CHECK } from '../support/redis-mode';

jest.setTimeout(60_000);

/** Long enough for the server to have read what was sent (and far shorter than any timeout at play). */
const SETTLE_MS = 300;

/**
 * The real entry point, `node dist/main.js`, in a child process, receiving the signals an
 * orchestrator sends. Requests are held open across the signal by sending them in two parts.
 */
describe('graceful shutdown of node dist/main.js', () => {
  let build: BuiltApi | undefined;
  const stores = new SharedStores();
  const processes: ApiProcess[] = [];

  beforeAll(async () => {
    [build] = await Promise.all([buildApi(), stores.create()]);
  }, 180_000);
  afterAll(async () => {
    try {
      await Promise.allSettled(processes.map((api) => api.kill()));
    } finally {
      try {
        await stores.remove();
      } finally {
        build?.remove();
      }
    }
  });

  async function startApi(env: Record<string, string> = {}): Promise<ApiProcess> {
    const port = await freePort();
    const api = await ApiProcess.start(build!.main, port, { ...baseEnv(stores, port), ...env });
    processes.push(api);
    return api;
  }

  it('SIGTERM: /ready turns 503, new connections are refused, the in-flight login still succeeds, exit 0', async () => {
    // A production-grade argon2 cost makes the login do seconds of real work after the signal.
    const api = await startApi({ ARGON2_MEMORY_KIB: '262144', ARGON2_ITERATIONS: '8' });
    const input = userInput();
    const signup = await fetch(`${api.url}/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
    expect(signup.status).toBe(201);

    // A login missing its last body byte, and a readiness check missing the end of its headers.
    const loginText = httpRequest('POST', '/v1/auth/login', { username: input.username, password: input.password });
    const login = new SplitRequest(api.port, loginText.slice(0, -1), loginText.slice(-1));
    const readyText = httpRequest('GET', '/ready');
    const ready = new SplitRequest(api.port, readyText.slice(0, -2), readyText.slice(-2));
    await Promise.all([login.send(), ready.send()]);
    await sleep(SETTLE_MS);

    const signalledAt = Date.now();
    api.signal('SIGTERM');
    await api.waitForLog((line) => line.message === 'Shutting down' && line.signal === 'SIGTERM', 5000);
    await sleep(100);

    // Nobody new gets in...
    const fresh = await probe(`${api.url}/ready`);
    expect(['refused', 503]).toContain(fresh.refused ? 'refused' : fresh.status);
    expect(api.running).toBe(true);

    // ...but what was already in flight completes, and says it is the last on its connection.
    ready.finish();
    login.finish();
    const readyAnswer = await ready.response;
    expect(readyAnswer.status).toBe(503);
    expect(JSON.parse(readyAnswer.body)).toEqual({ status: 'unavailable', checks: { postgres: 'ok', ...REDIS_READY_CHECK, shutdown: 'failing' } });
    expect(readyAnswer.headers.connection).toBe('close');

    const loginAnswer = await login.response;
    expect(loginAnswer.status).toBe(200);
    expect(JSON.parse(loginAnswer.body)).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String), tokenType: 'Bearer' });
    expect(loginAnswer.headers.connection).toBe('close');

    const exit = await api.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.at - signalledAt).toBeLessThan(10_000);

    // The login was served after shutdown began, with real work to do, and nothing was cut.
    const shutdownLine = api.logs.findIndex((line) => line.message === 'Shutting down');
    const loginLine = api.logs.findIndex((line) => line.path === '/v1/auth/login');
    expect(loginLine).toBeGreaterThan(shutdownLine);
    expect(api.logs[loginLine]).toMatchObject({ status: 200, duration_ms: expect.any(Number) });
    expect(api.logs.filter((line) => line.level === 'ERROR' && line.path !== '/ready')).toEqual([]);
  });

  it('SIGTERM with a request that outlasts SHUTDOWN_TIMEOUT: its connection is cut at the timeout and the exit code is 1', async () => {
    const api = await startApi({ SHUTDOWN_TIMEOUT: '1' });
    // A body that never completes: the request stays in flight for as long as the client wants.
    const text = httpRequest('POST', '/v1/auth/login', { username: 'nobody_at_all', password: 'Whatever-passw0rd' });
    const stuck = new SplitRequest(api.port, text.slice(0, -5), text.slice(-5));
    await stuck.send();
    await sleep(SETTLE_MS);

    const signalledAt = Date.now();
    api.signal('SIGTERM');
    const closed = await stuck.closed;
    const cutAfter = Date.now() - signalledAt;
    expect(closed.received).toBe('');
    expect(cutAfter).toBeGreaterThanOrEqual(900);
    expect(cutAfter).toBeLessThan(5000);

    const exit = await api.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 1, signal: null });
    expect(exit.at - signalledAt).toBeLessThan(6000);
    expect(api.logs).toContainEqual(
      expect.objectContaining({ level: 'ERROR', message: 'Requests still running at the shutdown timeout; cut their connections', timeoutSeconds: 1 }),
    );
  });

  it('SIGINT with only an idle keep-alive connection open: it is closed and the process exits 0 at once', async () => {
    const api = await startApi();
    const idle = new SplitRequest(api.port, httpRequest('GET', '/health'), '');
    await idle.send();
    await idle.answered;

    const signalledAt = Date.now();
    api.signal('SIGINT');
    const closed = await idle.closed;
    expect(closed.received).toMatch(/^HTTP\/1\.1 200 /);
    expect(closed.received).toMatch(/keep-alive/i);
    const exit = await api.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    // Well inside the 10 s default timeout and node's 5 s keep-alive timeout: nothing waited for the idle socket.
    expect(exit.at - signalledAt).toBeLessThan(3000);
    expect(api.logs).toContainEqual(expect.objectContaining({ message: 'Shutting down', signal: 'SIGINT', timeoutSeconds: 10 }));
  });
});
