import { randomBytes } from 'node:crypto';
import { useApiProcesses } from '../../support/api-process';
import { userInput } from '../../support/factories';
import { ApiClient } from '../../support/http';
import { expectProblem, sleep } from '../../support/problem';
import { rawRedis } from '../../support/redis-tools';
import { describeWithRedis } from '../../support/redis-mode';

jest.setTimeout(60_000);

interface Account {
  id: string;
  username: string;
  password: string;
  token: string;
}

const ADMIN = { username: 'multi_admin', email: 'multi_admin@example.com', password: 'Adm1n-multi-process!' };

/**
 * Three separate `node dist/main.js` processes on one PostgreSQL database and one Redis key prefix,
 * as replicas behind a load balancer: whatever one instance decides about tokens, rate limits and
 * cached users, the other two must honour at once.
 */
describeWithRedis('three API processes share sessions, rate limits and cache invalidations', () => {
  const { stores, processes, start: startApi } = useApiProcesses();
  let apis: [ApiClient, ApiClient, ApiClient];
  let admin: Account;

  beforeAll(async () => {
    const shared = {
      JWT_SECRET: randomBytes(32).toString('hex'),
      // Small enough to exhaust across instances; every other limit stays out of the way.
      RATE_LIMIT_READ_PER_USER: '6/3600',
      // A missed invalidation would keep serving the old user from memory for a minute, not 10 s.
      CACHE_LOCAL_TTL_SECONDS: '60',
    };
    const start = (env: Record<string, string>) => startApi({ ...shared, ...env });
    // The first migrates and creates the admin; the other two start on the finished schema, as in compose.
    const first = await start({ ADMIN_USERNAME: ADMIN.username, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
    const others = await Promise.all([start({ MIGRATE_ON_START: 'false' }), start({ MIGRATE_ON_START: 'false' })]);
    apis = [first, ...others].map((api) => new ApiClient(api.url)) as [ApiClient, ApiClient, ApiClient];
    admin = await signIn(apis[0], ADMIN.username, ADMIN.password);
  }, 180_000);

  async function signIn(api: ApiClient, username: string, password: string): Promise<Account> {
    const response = await api.post('/v1/auth/login', { username, password });
    expect({ status: response.status, body: response.body }).toMatchObject({ status: 200 });
    const token = response.body.accessToken as string;
    // The id from the token's `sub`: asking /v1/auth/validate would spend a read of the small budget.
    const { sub } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { sub: string };
    return { id: sub, username, password, token };
  }

  /** Signs up through instance `via` (anonymous) and signs in there. */
  async function newAccount(via: ApiClient): Promise<Account> {
    const input = userInput();
    const created = await via.post('/v1/users', input);
    expect(created.status).toBe(201);
    return signIn(via, input.username, input.password);
  }

  it('runs three distinct processes, each subscribed to the shared invalidation channel', async () => {
    expect(new Set(processes.map((api) => api.port)).size).toBe(3);
    for (const api of apis) expect((await api.get('/ready')).status).toBe(200);
    const redis = rawRedis();
    try {
      const [, subscribers] = (await redis.pubsub('NUMSUB', `${stores.keyPrefix}user-invalidations`)) as [string, number];
      expect(Number(subscribers)).toBe(3);
    } finally {
      redis.disconnect();
    }
  });

  it('a logout on instance 1 is rejected on instances 2 and 3', async () => {
    const user = await newAccount(apis[0]);
    // Instances 2 and 3 accept the token first, so they have its session cached.
    for (const api of [apis[1], apis[2]]) {
      const valid = await api.get('/v1/auth/validate', { token: user.token });
      expect(valid.status).toBe(200);
      expect(valid.body.user.id).toBe(user.id);
    }

    expect((await apis[0].post('/v1/auth/logout', undefined, { token: user.token })).status).toBe(204);

    for (const api of apis) {
      const refused = await api.get('/v1/auth/validate', { token: user.token });
      expectProblem(refused, 401);
    }
    const me = await apis[2].graphql('{ me { id } }', {}, user.token);
    expect(me.errors?.map((error) => error.extensions.code)).toEqual(['UNAUTHENTICATED']);
    // Only that session ended: signing in again through another instance works everywhere.
    const again = await signIn(apis[1], user.username, user.password);
    expect((await apis[2].get('/v1/auth/validate', { token: again.token })).status).toBe(200);
  });

  it('a per-user read limit of 6 is one budget across the three instances', async () => {
    const user = await newAccount(apis[0]);
    const remaining: string[] = [];
    for (const api of apis) {
      for (let i = 0; i < 2; i += 1) {
        const read = await api.get(`/v1/users/${user.id}`, { token: user.token });
        expect(read.status).toBe(200);
        expect(read.headers.get('ratelimit-limit')).toBe('6');
        remaining.push(read.headers.get('ratelimit-remaining') ?? '');
      }
    }
    expect(remaining).toEqual(['5', '4', '3', '2', '1', '0']);

    // The 7th read is refused wherever it lands, REST or GraphQL.
    for (const api of [apis[1], apis[2], apis[0]]) {
      const refused = await api.get(`/v1/users/${user.id}`, { token: user.token });
      expectProblem(refused, 429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    const graphql = await apis[2].graphql('{ me { id } }', {}, user.token);
    expect(graphql.errors?.map((error) => error.extensions.code)).toEqual(['RATE_LIMITED']);
    // It is that user's budget, not the instance's: someone else still reads.
    expect((await apis[1].get(`/v1/users/${user.id}`, { token: admin.token })).status).toBe(200);
  });

  it('a user changed through instance 1 is read fresh on instances 2 and 3 right away', async () => {
    // Readers with a read budget each (6 per user): the admin on instance 1, a moderator on each of the others.
    const target = await newAccount(apis[0]);
    const moderators: Account[] = [];
    for (const via of [apis[1], apis[2]]) {
      const account = await newAccount(via);
      const promoted = await apis[0].patch(`/v1/users/${account.id}`, { role: 'moderator' }, { token: admin.token });
      expect(promoted.body.role).toBe('moderator');
      moderators.push(await signIn(via, account.username, account.password));
    }
    const readers = [
      { api: apis[0], token: admin.token },
      { api: apis[1], token: moderators[0].token },
      { api: apis[2], token: moderators[1].token },
    ];
    const lastNameOn = async (reader: (typeof readers)[number]) => {
      const read = await reader.api.get(`/v1/users/${target.id}`, { token: reader.token });
      expect(read.status).toBe(200);
      return read.body.lastName as string;
    };

    // Every instance now holds the user in its in-process cache (60 s) and Redis.
    const original = await lastNameOn(readers[0]);
    expect(original).toMatch(/^Person/);
    expect([await lastNameOn(readers[1]), await lastNameOn(readers[2])]).toEqual([original, original]);

    const patched = await apis[0].patch(`/v1/users/${target.id}`, { lastName: 'ChangedOnOne' }, { token: admin.token });
    expect(patched.status).toBe(200);
    expect(patched.body.lastName).toBe('ChangedOnOne');

    // Pub/sub reaches the other processes within milliseconds. Read until the change shows, for at most
    // half the 60 s the stale entry would otherwise live: however busy the machine, only a missed
    // invalidation can still show the old name then.
    for (const reader of [readers[1], readers[2]]) {
      const giveUpAt = Date.now() + 30_000;
      let seen = await lastNameOn(reader);
      while (seen !== 'ChangedOnOne' && Date.now() < giveUpAt) {
        await sleep(50);
        seen = await lastNameOn(reader);
      }
      expect(seen).toBe('ChangedOnOne');
    }
  });
});
