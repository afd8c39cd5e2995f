import { Cluster } from 'ioredis';
import { userKey } from '../../../src/users/cache/user-cache.tier';
import { UserRole } from '../../../src/users/user-role';
import { decodeToken } from '../../support/auth';
import { signedIn } from '../../support/factories';
import { ApiClient } from '../../support/http';
import { DisposableRedisCluster } from '../../support/redis-cluster';
import { describeWithRedisBinaries } from '../../support/redis-tools';
import { describeStoreConformance } from '../../support/state-store-conformance';
import { openRedisStores } from '../../support/state-stores';
import { startTestServer, type TestServer } from '../../support/test-server';

// Needs no Redis running here, only the binaries: it starts its own cluster.
describeWithRedisBinaries('on a three-node Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  const cluster = new DisposableRedisCluster(3);

  beforeAll(() => cluster.start(), 60_000);
  afterAll(() => cluster.kill());

  // The same behaviour as in process and on one server; every multi-key command (the session
  // lookup pipeline, the login MULTI) would fail here with CROSSSLOT without its hash tag.
  describeStoreConformance('Redis Cluster', () => openRedisStores({ clusterNodes: cluster.seeds }));

  describe('the API over HTTP', () => {
    let server: TestServer;
    let api: ApiClient;
    let raw: Cluster;

    beforeAll(async () => {
      server = await startTestServer({ REDIS_CLUSTER_NODES: cluster.nodes, RATE_LIMIT_READ_PER_USER: '3/3600' });
      api = new ApiClient(server.url);
      raw = new Cluster(cluster.seeds);
    }, 60_000);
    afterAll(async () => {
      raw?.disconnect();
      await server?.stop();
    });

    const key = (name: string) => `${server.config.redisKeyPrefix}${name}`;

    it('is ready with the cluster as its Redis', async () => {
      expect(server.config.redisUrl).toBeUndefined();
      expect((await api.get('/ready')).body).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
    });

    it('enforces a rate limit: 429 after N, counted in the cluster', async () => {
      const user = await signedIn(server, api, UserRole.USER);
      const statuses = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await api.get(`/v1/users/${user.id}`, { token: user.token })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(await raw.zcard(key(`ratelimit:read:user:${user.id}`))).toBe(3);
    });

    it('invalidates the cached user on PATCH: the next read sees the new value', async () => {
      const admin = await signedIn(server, api, UserRole.ADMIN);
      const target = await signedIn(server, api, UserRole.USER);
      expect((await api.get(`/v1/users/${target.id}`, { token: admin.token })).status).toBe(200);
      expect(JSON.parse((await raw.get(key(userKey(target.id, server.services.cacheEpoch.tag() ?? "untrusted")))) ?? 'null')).toMatchObject({ id: target.id });
      const patched = await api.patch(`/v1/users/${target.id}`, { lastName: 'Clustered' }, { token: admin.token, headers: { 'content-type': 'application/merge-patch+json' } });
      expect(patched.status).toBe(200);
      const reread = await api.get(`/v1/users/${target.id}`, { token: admin.token });
      expect(reread.body.lastName).toBe('Clustered');
      expect(JSON.parse((await raw.get(key(userKey(target.id, server.services.cacheEpoch.tag() ?? "untrusted")))) ?? 'null')).toMatchObject({ lastName: 'Clustered' });
    });

    it('blacklists the access token on logout: 401 afterwards', async () => {
      const user = await signedIn(server, api, UserRole.USER);
      expect((await api.get('/v1/auth/validate', { token: user.token })).status).toBe(200);
      expect((await api.post('/v1/auth/logout', undefined, { token: user.token })).status).toBe(204);
      const { sid, jti } = decodeToken(user.token) as { sid: string; jti: string };
      expect(await raw.exists(key(`blacklist:{${sid}}:${jti}`))).toBe(1);
      expect((await api.get('/v1/auth/validate', { token: user.token })).status).toBe(401);
    });

    it('reported no Redis failure along the way (nothing passed by failing open)', () => {
      expect(Object.fromEntries(server.services.failures.counts)).toEqual({});
    });
  });
});
