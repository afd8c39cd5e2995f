import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningServer, startServer } from '../../../src/app/server';
import { UserRole } from '../../../src/users/user-role';
import { createLogger } from '../../../src/platform/observability/logger';
import { signedIn, type SignedIn } from '../../support/factories';
import { ApiClient } from '../../support/http';
import { describeWithRedisBinaries, type DisposableRedis, freePort, persistentRedis, rawRedis, snapshotRedis } from '../../support/redis-tools';
import { startTestServer, type TestServer } from '../../support/test-server';

jest.setTimeout(90_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Three instances on one database and one Redis, as behind a load balancer. */
async function startInstances(redisUrl: string): Promise<{ a: TestServer; others: RunningServer[]; apis: ApiClient[] }> {
  // A short in-process tier, so that what is read after the restart comes from Redis, not memory.
  const a = await startTestServer({ REDIS_URL: redisUrl, CACHE_LOCAL_TTL_SECONDS: '1', REVOCATION_EPOCH_POLL_SECONDS: '1' });
  const others = await Promise.all([0, 1].map(() => startServer({ ...a.config, port: 0, migrateOnStart: false }, { logger: createLogger('silent') })));
  return { a, others, apis: [a, ...others].map((server) => new ApiClient(server.url)) };
}

/** Requests to every instance until stopped: the Redis dies under load, not at rest. */
function keepBusy(apis: ApiClient[], token: string): () => Promise<void> {
  let running = true;
  const loops = apis.map(async (api) => {
    while (running) await api.get('/v1/auth/validate', { token }).catch(() => undefined);
  });
  return async () => {
    running = false;
    await Promise.all(loops);
  };
}

interface Victims {
  admin: SignedIn;
  loggedOut: SignedIn;
  deactivated: SignedIn;
  demoted: SignedIn;
}

async function victims(server: TestServer, api: ApiClient): Promise<Victims> {
  return {
    admin: await signedIn(server, api, UserRole.ADMIN),
    loggedOut: await signedIn(server, api, UserRole.USER),
    deactivated: await signedIn(server, api, UserRole.USER),
    demoted: await signedIn(server, api, UserRole.ADMIN),
  };
}

/** Every instance caches each victim's session and user, in Redis and in its own memory. */
async function warm(apis: ApiClient[], { loggedOut, deactivated, demoted }: Victims): Promise<void> {
  for (const api of apis) {
    for (const user of [loggedOut, deactivated, demoted]) {
      expect((await api.get('/v1/auth/validate', { token: user.token })).status).toBe(200);
      expect((await api.get(`/v1/users/${user.id}`, { token: user.token })).status).toBe(200);
    }
  }
}

/** What each instance answers for each victim, several times over a few seconds. */
async function expectRevokedEverywhere(apis: ApiClient[], { loggedOut, deactivated, demoted }: Victims, rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round += 1) {
    for (const [index, api] of apis.entries()) {
      const seen = {
        instance: index,
        loggedOut: (await api.get('/v1/auth/validate', { token: loggedOut.token })).status,
        deactivated: (await api.get('/v1/auth/validate', { token: deactivated.token })).status,
        demoted: (await api.get('/v1/auth/validate', { token: demoted.token })).status,
        demotedList: (await api.get('/v1/users', { token: demoted.token })).status,
      };
      // A demotion ends the sessions opened with the higher role (security stamp); never admin rights again.
      expect(seen).toEqual({ instance: index, loggedOut: 401, deactivated: 401, demoted: 401, demotedList: 401 });
    }
    await sleep(500);
  }
}

async function waitForRedis(apis: ApiClient[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (const api of apis) {
    while ((await api.get('/ready')).body.checks?.redis !== 'ok') {
      if (Date.now() > deadline) throw new Error('Redis did not come back');
      await sleep(100);
    }
  }
}

describeWithRedisBinaries('revocations survive a Redis that restarts with its data', () => {
  let dir: string;
  let redis: DisposableRedis;
  let a: TestServer;
  let others: RunningServer[] = [];
  let apis: ApiClient[];

  afterEach(async () => {
    await redis?.kill();
    await Promise.all(others.map((server) => server.close()));
    await a?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('AOF: logout, deactivation and demotion made while Redis is down hold after it comes back from its append-only file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'uma-aof-'));
    redis = persistentRedis(await freePort(), dir);
    await redis.start();
    ({ a, others, apis } = await startInstances(redis.url));
    const v = await victims(a, apis[0]);
    await warm(apis, v);

    const stopLoad = keepBusy(apis, v.admin.token);
    await sleep(200);
    await redis.kill();
    expect((await apis[0].post('/v1/auth/logout', undefined, { token: v.loggedOut.token })).status).toBe(204);
    expect((await apis[1].patch(`/v1/users/${v.deactivated.id}`, { isActive: false }, { token: v.admin.token })).status).toBe(200);
    expect((await apis[2].patch(`/v1/users/${v.demoted.id}`, { role: 'user' }, { token: v.admin.token })).status).toBe(200);
    await expectRevokedEverywhere(apis, v, 1);

    await redis.start();
    await waitForRedis(apis);
    await stopLoad();
    // Past the in-process tier's TTL: every answer now comes through Redis (or PostgreSQL).
    await sleep(1200);
    await expectRevokedEverywhere(apis, v, 4);
  });

  it('RDB: a snapshot from before a logout that did reach Redis does not bring the session back', async () => {
    dir = mkdtempSync(join(tmpdir(), 'uma-rdb-'));
    const port = await freePort();
    redis = snapshotRedis(port, dir);
    await redis.start();
    ({ a, others, apis } = await startInstances(redis.url));
    const v = await victims(a, apis[0]);
    await warm(apis, v);
    const raw = rawRedis(redis.url);
    await raw.save();
    raw.disconnect();
    const snapshot = join(dir, 'snapshot.rdb');
    copyFileSync(join(dir, 'dump.rdb'), snapshot);

    // With Redis up: everything reaches it, nothing is lost, no epoch needs to move.
    expect((await apis[0].post('/v1/auth/logout', undefined, { token: v.loggedOut.token })).status).toBe(204);
    expect((await apis[1].patch(`/v1/users/${v.deactivated.id}`, { isActive: false }, { token: v.admin.token })).status).toBe(200);
    expect((await apis[2].patch(`/v1/users/${v.demoted.id}`, { role: 'user' }, { token: v.admin.token })).status).toBe(200);
    await expectRevokedEverywhere(apis, v, 1);

    // Redis dies and is restored from the older snapshot, which still holds the sessions and users as they were.
    const stopLoad = keepBusy(apis, v.admin.token);
    await redis.kill();
    copyFileSync(snapshot, join(dir, 'dump.rdb'));
    await redis.start();
    await waitForRedis(apis);
    await stopLoad();
    await sleep(1200);
    await expectRevokedEverywhere(apis, v, 4);
  });
});
