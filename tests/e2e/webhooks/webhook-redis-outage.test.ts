import { UserRole } from '../../../src/users/user-role';
import { signedIn, type SignedIn, userInput } from '../../support/factories';
import { ApiClient } from '../../support/http';
import { describeWithRedisBinaries, DisposableRedis, freePort, rawRedis } from '../../support/redis-tools';
import { eventually } from '../../support/scratch-database';
import { startTestServer, type TestServer } from '../../support/test-server';
import { verify, WebhookReceiver } from './webhook-receiver';

jest.setTimeout(60_000);

describeWithRedisBinaries('Redis down: webhooks are still delivered, and the audit stream catches up after', () => {
  let redisServer: DisposableRedis;
  let server: TestServer;
  let api: ApiClient;
  let admin: SignedIn;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    redisServer = new DisposableRedis(await freePort());
    await redisServer.start();
    receiver = await new WebhookReceiver().start();
    server = await startTestServer({ REDIS_URL: redisServer.url, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_RETRY_SCHEDULE: '1s' });
    api = new ApiClient(server.url);
    admin = await signedIn(server, api, UserRole.ADMIN);
  });
  afterAll(async () => {
    await redisServer?.kill();
    await server?.stop();
    await receiver?.stop();
  });

  async function sql<T = Record<string, any>>(query: string, params: unknown[] = []): Promise<T[]> {
    return (await server.orm.em.fork().getConnection().execute(query, params)) as T[];
  }

  async function streamIds(): Promise<string[]> {
    const redis = rawRedis(redisServer.url);
    try {
      return (await redis.xrange(`${server.config.redisKeyPrefix}audit`, '-', '+')).map(([, fields]) => fields[1]);
    } finally {
      redis.disconnect();
    }
  }

  it('signs up while Redis is dead: the webhook gets the event, the stream entries wait in the outbox, then arrive once', async () => {
    const created = await api.post('/v1/webhooks', { url: receiver.url('/crm'), events: ['user.created'] }, { token: admin.token });
    expect(created.status).toBe(201);

    await redisServer.kill();
    const input = userInput();
    const signup = await api.post('/v1/users', input);
    expect(signup.status).toBe(201);

    await eventually(() => expect(receiver.at('/crm')).toHaveLength(1), 15_000);
    const [received] = receiver.at('/crm');
    expect(received.json).toMatchObject({ type: 'user.created', data: { subject: signup.body.id, username: input.username } });
    expect(verify(created.body.secret, received)).toBeTruthy();

    // The sign-up's audit row is committed, its stream entry not published yet: Redis is away.
    const [audit] = await sql<{ id: string }>(`select id from audit_logs where action = 'user.created' and entity_id = ?`, [signup.body.id]);
    expect(await sql(`select stream_pending from event_outbox where id = ?`, [audit.id])).toEqual([{ stream_pending: true }]);

    // Redis comes back (empty: this one keeps nothing), and the relay catches up.
    await redisServer.start();
    await eventually(async () => expect(await streamIds()).toContain(audit.id), 20_000);
    await eventually(async () => expect(await sql('select id from event_outbox where stream_pending')).toEqual([]), 20_000);
    const ids = await streamIds();
    expect(ids.filter((id) => id === audit.id)).toHaveLength(1);
    expect(receiver.at('/crm')).toHaveLength(1);
  });
});
