import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ApiProcess, baseEnv, buildApi, type BuiltApi, SharedStores } from '../../support/api-process';
import { userInput } from '../../support/factories';
import { ApiClient } from '../../support/http';
import { freePort } from '../../support/redis-tools';
import { eventually } from '../../support/scratch-database';
import { verify, WebhookReceiver } from './webhook-receiver';

// Every wait below has its own deadline; this only bounds a stuck test.
jest.setTimeout(240_000);

const ADMIN = { username: 'root', email: 'root@example.com', password: 'Root-passw0rd!x' };
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function query<T extends object>(databaseUrl: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('webhooks across processes', () => {
  let build: BuiltApi | undefined;
  const processes: ApiProcess[] = [];
  const receivers: WebhookReceiver[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    build = await buildApi();
  }, 180_000);
  afterAll(async () => {
    await Promise.allSettled(processes.map((api) => api.kill()));
    await Promise.allSettled(receivers.map((receiver) => receiver.stop()));
    for (const cleanup of cleanups) await cleanup();
    build?.remove();
  });

  /** A database and the settings every instance on it shares, as replicas of one deployment would. */
  async function deployment(): Promise<{ stores: SharedStores; env: (port: number) => Record<string, string> }> {
    const stores = new SharedStores();
    await stores.create();
    const dataDir = mkdtempSync(join(tmpdir(), 'uma-webhook-crash-'));
    cleanups.push(() => stores.remove(), () => rmSync(dataDir, { recursive: true, force: true }));
    const shared = {
      JWT_SECRET: randomBytes(32).toString('hex'),
      // The same key everywhere: an endpoint's secret sealed by one instance must open in the next.
      MFA_ENCRYPTION_KEY: `t1:${randomBytes(32).toString('base64')}`,
      DATA_DIR: dataDir,
      ADMIN_GENERATE: 'false',
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_SCHEDULE: '1s,1s,1s,1s,1s,1s,1s,1s,1s,1s',
      WEBHOOK_TIMEOUT_SECONDS: '2',
    };
    return { stores, env: (port) => ({ ...baseEnv(stores, port), ...shared }) };
  }

  async function adminToken(api: ApiClient): Promise<string> {
    const login = await api.post('/v1/auth/login', { username: ADMIN.username, password: ADMIN.password });
    expect(login.status).toBe(200);
    return login.body.accessToken;
  }

  it('kill -9 right after the commit, before any delivery: the next instance delivers the event, once', async () => {
    const { stores, env } = await deployment();
    const port = await freePort();
    const receiverPort = await freePort();
    const first = await ApiProcess.start(build!.main, port, env(port));
    processes.push(first);
    const api = new ApiClient(first.url);
    const created = await api.post('/v1/webhooks', { url: `http://127.0.0.1:${receiverPort}/crm`, events: ['user.created'] }, { token: await adminToken(api) });
    expect(created.status).toBe(201);

    // Nothing listens at the receiver's port yet: whatever the first instance tries cannot land.
    const signup = await api.post('/v1/users', userInput());
    expect(signup.status).toBe(201);
    first.signal('SIGKILL');
    expect(await first.exited).toMatchObject({ signal: 'SIGKILL' });

    const [event] = await query<{ id: string }>(stores.databaseUrl, `select id from event_outbox where subject = $1 and type = 'user.created'`, [signup.body.id]);
    expect(event).toBeDefined();
    const before = await query<{ status: string }>(stores.databaseUrl, `select status from webhook_deliveries where event_id = $1`, [event.id]);
    expect(before.filter((delivery) => delivery.status === 'succeeded')).toEqual([]);
    process.stderr.write(`[tests] at the kill, the event's deliveries were: ${JSON.stringify(before.map((delivery) => delivery.status))} (none: not fanned out yet)\n`);

    const receiver = await new WebhookReceiver().start(receiverPort);
    receivers.push(receiver);
    const second = await ApiProcess.start(build!.main, port, env(port));
    processes.push(second);

    // Fanned out, retried after 1 s, or (killed mid-attempt) its lease ends after 2 + 15 s.
    await eventually(() => expect(receiver.at('/crm')).toHaveLength(1), 60_000, 100);
    await delay(3000);
    expect(receiver.at('/crm')).toHaveLength(1);
    const [received] = receiver.at('/crm');
    expect(received.headers['webhook-id']).toBe(event.id);
    expect(verify(created.body.secret, received)).toMatchObject({ type: 'user.created', data: { subject: signup.body.id } });
    expect(await query(stores.databaseUrl, `select status from webhook_deliveries where event_id = $1`, [event.id])).toEqual([{ status: 'succeeded' }]);
  });

  it('two instances working the same deliveries: every event is delivered once, never twice at the same time', async () => {
    const { stores, env } = await deployment();
    const [portA, portB] = [await freePort(), await freePort()];
    const receiver = await new WebhookReceiver().start();
    receivers.push(receiver);
    // Slow answers widen any window two instances could share; every other event's first attempt fails, so retries are claimed too.
    let events = 0;
    const firstSeen = new Set<string>();
    receiver.behaviours.set('/both', (received) => {
      const id = String(received.headers['webhook-id']);
      const retrying = firstSeen.has(id);
      firstSeen.add(id);
      return { status: !retrying && events++ % 2 === 0 ? 500 : 204, delayMs: 150 };
    });
    const a = await ApiProcess.start(build!.main, portA, env(portA));
    processes.push(a);
    const b = await ApiProcess.start(build!.main, portB, env(portB));
    processes.push(b);
    const apiA = new ApiClient(a.url);
    const apiB = new ApiClient(b.url);
    expect((await apiA.post('/v1/webhooks', { url: receiver.url('/both'), events: ['user.created'] }, { token: await adminToken(apiA) })).status).toBe(201);

    const signups = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? apiA : apiB).post('/v1/users', userInput())));
    expect(signups.every((signup) => signup.status === 201)).toBe(true);

    const delivered = () => receiver.at('/both');
    const succeededIds = async () => (await query<{ event_id: string }>(stores.databaseUrl, `select event_id from webhook_deliveries where status = 'succeeded'`)).map((row) => row.event_id);
    await eventually(async () => expect(await succeededIds()).toHaveLength(30), 60_000, 200);
    const ids = new Set(delivered().map((received) => String(received.headers['webhook-id'])));
    expect(ids.size).toBe(30);
    // At most one request per event in flight at any moment, across both instances.
    expect(Math.max(...receiver.maxInFlight.values())).toBe(1);
    // Each event answered 204 exactly once: the failed first attempts were retried, nothing more.
    const attemptsById = new Map<string, number>();
    for (const received of delivered()) attemptsById.set(String(received.headers['webhook-id']), (attemptsById.get(String(received.headers['webhook-id'])) ?? 0) + 1);
    expect([...attemptsById.values()].every((count) => count === 1 || count === 2)).toBe(true);
    expect(delivered()).toHaveLength(30 + [...attemptsById.values()].filter((count) => count === 2).length);
    const failuresLogged = [a, b].map((api) => api.logs.filter((line) => line.message === 'webhook delivery failed; it will be retried').length);
    process.stderr.write(`[tests] failed first attempts recorded by instance A: ${failuresLogged[0]}, B: ${failuresLogged[1]}\n`);
  });
});
