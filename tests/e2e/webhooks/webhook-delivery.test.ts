import { hostname } from 'node:os';
import { lookup } from 'node:dns/promises';
import { UserRole } from '../../../src/users/user-role';
import { signedIn, userInput } from '../../support/factories';
import { eventually } from '../../support/scratch-database';
import { useTestServer } from '../../support/use-test-server';
import { verify, WebhookReceiver } from './webhook-receiver';

jest.setTimeout(60_000);

/**
 * Deliveries to real receivers over real sockets. Retries wait 1 s then 2 s (three attempts in
 * all), an attempt has 2 s: the production schedule and timeout, shrunk.
 */
describe('webhook deliveries', () => {
  const ctx = useTestServer({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_RETRY_SCHEDULE: '1s,2s', WEBHOOK_TIMEOUT_SECONDS: '2' }, { admin: true });
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
  });
  afterAll(() => receiver?.stop());

  async function sql<T = Record<string, any>>(query: string, params: unknown[] = []): Promise<T[]> {
    return (await ctx.server.orm.em.fork().getConnection().execute(query, params)) as T[];
  }

  async function register(path: string, events: string[]): Promise<{ id: string; secret: string }> {
    const created = await ctx.api.post('/v1/webhooks', { url: receiver.url(path), events, description: path }, { token: ctx.admin.token });
    expect(created.status).toBe(201);
    return { id: created.body.id, secret: created.body.secret };
  }

  const deliveriesOf = async (webhookId: string) => (await ctx.api.get(`/v1/webhooks/${webhookId}/deliveries`, { token: ctx.admin.token })).body.data as Record<string, any>[];

  it('signs a sign-up with the Standard Webhooks headers and the { type, timestamp, data } body', async () => {
    const hook = await register('/created', ['user.created']);
    const input = userInput();
    const signup = await ctx.api.post('/v1/users', input);
    expect(signup.status).toBe(201);

    await eventually(() => expect(receiver.at('/created')).toHaveLength(1), 10_000);
    const [received] = receiver.at('/created');
    const [event] = await sql<{ id: string; occurred_at: Date }>(`select id, occurred_at from event_outbox where subject = ? and type = 'user.created'`, [signup.body.id]);
    expect(received.headers['webhook-id']).toBe(event.id);
    expect(received.headers['content-type']).toBe('application/json');
    expect(verify(hook.secret, received)).toEqual(received.json);
    expect(received.json).toEqual({
      type: 'user.created',
      timestamp: new Date(event.occurred_at).toISOString(),
      data: { id: event.id, subject: signup.body.id, sequence: 1, actor: null, username: input.username, email: input.email, firstName: input.firstName, lastName: input.lastName, role: 'user', isActive: true, emailVerified: false },
    });
    await eventually(async () => expect(await deliveriesOf(hook.id)).toMatchObject([{ eventId: event.id, eventType: 'user.created', status: 'succeeded', attempts: 1, lastStatusCode: 204, lastError: null }]));
    expect(typeof (await deliveriesOf(hook.id))[0].lastLatencyMs).toBe('number');
  });

  it('500, 500, then 204: three attempts with the same webhook-id, each validly signed, backing off', async () => {
    receiver.behaviours.set('/flaky', (_received, nth) => ({ status: nth <= 2 ? 500 : 204 }));
    const hook = await register('/flaky', ['user.created']);
    expect((await ctx.api.post('/v1/users', userInput())).status).toBe(201);

    await eventually(() => expect(receiver.at('/flaky')).toHaveLength(3), 20_000);
    const attempts = receiver.at('/flaky');
    expect(new Set(attempts.map((attempt) => attempt.headers['webhook-id'])).size).toBe(1);
    for (const attempt of attempts) expect(verify(hook.secret, attempt)).toEqual(attempts[0].json);
    // 1 s then 2 s, each ±20%, plus the time to notice a retry fell due.
    const gaps = [attempts[1].at - attempts[0].at, attempts[2].at - attempts[1].at];
    expect(gaps[0]).toBeGreaterThanOrEqual(800);
    expect(gaps[0]).toBeLessThan(1800);
    expect(gaps[1]).toBeGreaterThanOrEqual(1600);
    expect(gaps[1]).toBeLessThan(3000);
    await eventually(async () => expect(await deliveriesOf(hook.id)).toMatchObject([{ status: 'succeeded', attempts: 3, lastStatusCode: 204 }]));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.at('/flaky')).toHaveLength(3);
  });

  it('a receiver that never answers: the attempt times out and is retried with the same webhook-id', async () => {
    receiver.behaviours.set('/hang', (_received, nth) => (nth === 1 ? 'hang' : { status: 204 }));
    const hook = await register('/hang', ['user.created']);
    expect((await ctx.api.post('/v1/users', userInput())).status).toBe(201);

    await eventually(() => expect(receiver.at('/hang')).toHaveLength(2), 20_000);
    const [first, second] = receiver.at('/hang');
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    // The 2 s timeout, then the 1 s (±20%) wait. The receiver stamps a request when its handler
    // runs, in the jest process that also runs the API: the first stamp can lag the send by tens of
    // ms (one CI run saw 2,753 ms), so 150 ms are allowed; a retry without the timeout comes ~1 s in.
    expect(second.at - first.at).toBeGreaterThanOrEqual(2000 + 800 - 150);
    await eventually(async () => expect(await deliveriesOf(hook.id)).toMatchObject([{ status: 'succeeded', attempts: 2, lastStatusCode: 204 }]));
  });

  it('a receiver that always fails: three attempts, then the delivery has failed, with the last error and latency', async () => {
    receiver.behaviours.set('/down', () => ({ status: 503 }));
    const hook = await register('/down', ['user.created']);
    expect((await ctx.api.post('/v1/users', userInput())).status).toBe(201);
    await eventually(async () => expect(await deliveriesOf(hook.id)).toMatchObject([{ status: 'failed', attempts: 3, lastStatusCode: 503, lastError: 'HTTP 503' }]), 20_000);
    expect(receiver.at('/down')).toHaveLength(3);
    const webhook = (await ctx.api.get(`/v1/webhooks/${hook.id}`, { token: ctx.admin.token })).body;
    // Failing, but not for days: still enabled.
    expect(webhook).toMatchObject({ enabled: true, disabledReason: null });
    expect(webhook.failingSince).not.toBeNull();
  });

  it('410 Gone disables the endpoint at once; admins are told (audit, webhook.disabled); re-enabled, the waiting deliveries go', async () => {
    let gone = true;
    receiver.behaviours.set('/gone', () => ({ status: gone ? 410 : 204 }));
    const admins = await register('/admins', ['webhook.disabled']);
    const hook = await register('/gone', ['user.created']);
    expect((await ctx.api.post('/v1/users', userInput())).status).toBe(201);

    await eventually(async () => expect((await ctx.api.get(`/v1/webhooks/${hook.id}`, { token: ctx.admin.token })).body).toMatchObject({ enabled: false, disabledReason: 'gone' }));
    expect(receiver.at('/gone')).toHaveLength(1);
    expect(await deliveriesOf(hook.id)).toMatchObject([{ status: 'failed', attempts: 1, lastStatusCode: 410 }]);
    expect(await sql(`select user_id from audit_logs where action = 'webhook.disabled' and entity_id = ?`, [hook.id])).toEqual([{ user_id: null }]);
    await eventually(() => expect(receiver.at('/admins').map((received) => received.json.data)).toContainEqual(expect.objectContaining({ webhookId: hook.id, reason: 'gone', host: `127.0.0.1:${receiver.port}` })));
    expect(verify(admins.secret, receiver.at('/admins')[0])).toBeTruthy();

    // Disabled: the next event waits.
    expect((await ctx.api.post('/v1/users', userInput())).status).toBe(201);
    await eventually(async () => expect((await deliveriesOf(hook.id)).map((d) => d.status)).toEqual(['pending', 'failed']));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.at('/gone')).toHaveLength(1);

    gone = false;
    expect((await ctx.api.patch(`/v1/webhooks/${hook.id}`, { enabled: true }, { token: ctx.admin.token })).body).toMatchObject({ enabled: true, disabledReason: null });
    await eventually(() => expect(receiver.at('/gone')).toHaveLength(2));
    await eventually(async () => expect((await deliveriesOf(hook.id)).map((d) => d.status)).toEqual(['succeeded', 'failed']));
  });

  it("one user's events arrive in their order under concurrent writes, a failed one holding the later ones back", async () => {
    // The third event's first attempt fails: the later ones must wait for its retry.
    receiver.behaviours.set('/ordered', (received) => ({ status: received.json.data.sequence === 3 && receiver.at('/ordered').filter((r) => r.json.data.sequence === 3).length === 1 ? 500 : 204 }));
    await register('/ordered', ['user.updated', 'session.created']);
    const target = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const statuses = await Promise.all(Array.from({ length: 15 }, (_, i) => ctx.api.patch(`/v1/users/${target.id}`, { lastName: `Ordered${i}` }, { token: ctx.admin.token }).then((r) => r.status)));
    expect(statuses.every((status) => status === 200)).toBe(true);

    const mine = () => receiver.at('/ordered').filter((received) => received.json.data.subject === target.id);
    await eventually(() => expect(new Set(mine().map((r) => r.json.data.sequence)).size).toBe(16), 20_000);
    const sequences = mine().map((received) => received.json.data.sequence);
    // 1 (the sign-in), 2, 3 (refused), 3 again, then 4..16: never a later one before an earlier one is through.
    expect(sequences).toEqual([1, 2, 3, 3, ...Array.from({ length: 13 }, (_, i) => i + 4)]);
  });

  it('rotating the secret: deliveries carry both signatures for 24 hours, each verifying', async () => {
    const hook = await register('/rotated', ['user.created']);
    const rotated = await ctx.api.post(`/v1/webhooks/${hook.id}/rotate-secret`, {}, { token: ctx.admin.token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(hook.secret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23.9 * 3600 * 1000);
    expect((await ctx.api.post('/v1/users', userInput())).status).toBe(201);

    await eventually(() => expect(receiver.at('/rotated')).toHaveLength(1));
    const [received] = receiver.at('/rotated');
    expect(String(received.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verify(rotated.body.secret, received)).toBeTruthy();
    expect(verify(hook.secret, received)).toBeTruthy();
  });

  it('a test event goes to that endpoint only, and a redelivery sends the same event again', async () => {
    const hook = await register('/pinged', ['user.deleted']);
    const other = await register('/not-pinged', ['user.deleted']);
    const test = await ctx.api.post(`/v1/webhooks/${hook.id}/test`, {}, { token: ctx.admin.token });
    expect(test.status).toBe(202);
    expect(test.body).toMatchObject({ webhookId: hook.id, eventType: 'webhook.test', status: 'pending' });

    await eventually(() => expect(receiver.at('/pinged')).toHaveLength(1));
    expect(receiver.at('/pinged')[0].json).toMatchObject({ type: 'webhook.test', data: { id: test.body.eventId, webhookId: hook.id, subject: null, sequence: null, actor: ctx.admin.id } });
    await eventually(async () => expect(await deliveriesOf(hook.id)).toMatchObject([{ status: 'succeeded' }]));
    expect(receiver.at('/not-pinged')).toHaveLength(0);

    const again = await ctx.api.post(`/v1/webhooks/${hook.id}/deliveries/${test.body.id}/redeliver`, {}, { token: ctx.admin.token });
    expect(again.status).toBe(202);
    await eventually(() => expect(receiver.at('/pinged')).toHaveLength(2));
    expect(receiver.at('/pinged')[1].headers['webhook-id']).toBe(test.body.eventId);
    expect(verify(hook.secret, receiver.at('/pinged')[1])).toBeTruthy();
    await eventually(async () => expect(await deliveriesOf(hook.id)).toMatchObject([{ status: 'succeeded', attempts: 2 }]));
    expect((await ctx.api.post(`/v1/webhooks/${other.id}/deliveries/${test.body.id}/redeliver`, {}, { token: ctx.admin.token })).status).toBe(404);
  });

  describe('SSRF: what a webhook may reach', () => {
    it.each([
      ['a private address', 'http://10.0.0.1/hook'],
      ['the cloud metadata address (link-local)', 'http://169.254.169.254/latest/meta-data'],
      ['IPv6 loopback', 'http://[::1]:8080/hook'],
      ['an IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/hook'],
      ['a loopback address not allow-listed', 'http://127.0.0.2:8080/hook'],
      ['localhost by name', 'http://localhost:8080/hook'],
      ['a scheme other than http(s)', 'file:///etc/passwd'],
      ['credentials in the URL', 'http://user:secret@example.com/hook'],
    ])('refuses %s when it is registered (422, field url)', async (_what, url) => {
      const refused = await ctx.api.post('/v1/webhooks', { url, events: ['user.created'] }, { token: ctx.admin.token });
      expect(refused.status).toBe(422);
      expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'url' })]);
    });

    it('checks the address again at delivery time: a name resolving to a non-public address is refused, nothing is sent', async () => {
      const name = hostname();
      const resolved = await lookup(name, { all: true }).catch(() => []);
      if (resolved.length === 0) return void process.stderr.write(`[tests] skipped: ${name} does not resolve here\n`);
      // Registered as a name (public as far as registration can tell); at delivery it resolves to this machine.
      const hook = await register(`/rebound`, ['user.created']);
      expect((await ctx.api.patch(`/v1/webhooks/${hook.id}`, { url: `http://${name}:${receiver.port}/rebound` }, { token: ctx.admin.token })).status).toBe(200);
      expect((await ctx.api.post('/v1/users', userInput())).status).toBe(201);
      await eventually(async () => expect((await deliveriesOf(hook.id))[0]).toMatchObject({ attempts: 1, lastStatusCode: null, lastError: expect.stringMatching(/^refused: the host resolves to a (loopback|private or reserved|link-local) address/) }));
      expect(receiver.at('/rebound')).toHaveLength(0);
    });

    it('does not follow a redirect', async () => {
      receiver.behaviours.set('/moved', () => ({ status: 302, headers: { location: receiver.url('/elsewhere') } }));
      const hook = await register('/moved', ['user.created']);
      expect((await ctx.api.post('/v1/users', userInput())).status).toBe(201);
      await eventually(async () => expect((await deliveriesOf(hook.id))[0]).toMatchObject({ lastStatusCode: 302, lastError: 'HTTP 302 (redirects are not followed)' }));
      expect(receiver.at('/elsewhere')).toHaveLength(0);
    });
  });
});
