import { httpRequest, probe, SplitRequest, useApiProcesses } from '../../support/api-process';
import { userInput } from '../../support/factories';
import { REDIS_READY_CHECK } from '../../support/redis-mode';

// Generous: every wait below is for an event, so a busy machine only makes them later.
jest.setTimeout(180_000);

/** Open client connections, as the server counts them (its /metrics gauge; the scrape's own included). */
async function openConnections(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^http_active_connections (\d+)$/m.exec(text)?.[1]);
}

/** Until the server has accepted `count` connections besides the one asking: what a signal must find in flight. */
async function untilAccepted(url: string, count: number): Promise<void> {
  while ((await openConnections(url)) < count + 1) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * The real entry point, `node dist/main.js`, in a child process, receiving the signals an
 * orchestrator sends. Requests are held open across the signal by sending them in two parts.
 */
describe('graceful shutdown of node dist/main.js', () => {
  const { start: startApi } = useApiProcesses();

  it('SIGTERM: /ready turns 503, new connections are refused, the in-flight login still succeeds, exit 0', async () => {
    // A real argon2 cost makes the login do work after the signal; a shutdown timeout no busy machine
    // can exhaust makes exit code 0 mean "drained", whatever the machine's speed.
    const api = await startApi({ ARGON2_MEMORY_KIB: '65536', ARGON2_ITERATIONS: '3', SHUTDOWN_TIMEOUT: '600' });
    const input = userInput();
    const signup = await fetch(`${api.url}/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
    expect(signup.status).toBe(201);

    // A login missing its last body byte, and a readiness check missing the end of its headers.
    const loginText = httpRequest('POST', '/v1/auth/login', { username: input.username, password: input.password });
    const login = new SplitRequest(api.port, loginText.slice(0, -1), loginText.slice(-1));
    const readyText = httpRequest('GET', '/ready');
    const ready = new SplitRequest(api.port, readyText.slice(0, -2), readyText.slice(-2));
    await Promise.all([login.send(), ready.send()]);
    await untilAccepted(api.url, 2);

    api.signal('SIGTERM');
    // Written in the same tick as the listener is closed (src/app/serve.ts, server.ts drain()).
    await api.waitForLog((line) => line.message === 'Shutting down' && line.signal === 'SIGTERM');

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

    // 0: everything finished (a request cut at the timeout would make it 1 and log an error).
    const exit = await api.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });

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
    await untilAccepted(api.url, 1);

    const signalledAt = Date.now();
    api.signal('SIGTERM');
    const closed = await stuck.closed;
    // Not before the timeout (a lower bound: a busy machine can only make it later)...
    expect(closed.received).toBe('');
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(900);

    // ...and by the shutdown timeout, not by the last-resort exit 10 s later, which would log no such line.
    const exit = await api.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 1, signal: null });
    expect(api.logs).toContainEqual(
      expect.objectContaining({ level: 'ERROR', message: 'Requests still running at the shutdown timeout; cut their connections', timeoutSeconds: 1 }),
    );
  });

  it('SIGINT with only an idle keep-alive connection open: it is closed and the process exits 0 at once', async () => {
    const api = await startApi();
    const idle = new SplitRequest(api.port, httpRequest('GET', '/health'), '');
    await idle.send();
    await idle.answered;

    api.signal('SIGINT');
    const closed = await idle.closed;
    const closedAt = Date.now();
    expect(closed.received).toMatch(/^HTTP\/1\.1 200 /);
    expect(closed.received).toMatch(/keep-alive/i);
    const exit = await api.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    const shuttingDown = await api.waitForLog((line) => line.message === 'Shutting down' && line.signal === 'SIGINT');
    expect(shuttingDown).toMatchObject({ timeoutSeconds: 10 });
    // Closed as shutdown began, not by node's 5 s keep-alive timeout: the server writes the log line and
    // closes the idle socket in the same tick, so only this test process's own scheduling separates
    // the two arrivals (measured between them, not from the signal, so a slow start or exit is not counted).
    expect(closedAt - api.arrivals.get(shuttingDown)!).toBeLessThan(2500);
  });
});
