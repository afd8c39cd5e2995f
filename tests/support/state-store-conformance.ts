import { randomUUID } from 'node:crypto';
import type { StateStores } from '../../src/app/state-stores';
import { UserCache } from '../../src/users/cache/user.cache';
import { listKey, userKey } from '../../src/users/cache/user-cache.tier';
import type { UserView } from '../../src/users/user-view';
import { type CachedSession, MAX_FILL_AGE_MS } from '../../src/auth/sessions/session.cache';
import { UserRole } from '../../src/users/user-role';
import type { RateBucket } from '../../src/platform/rate-limit/rate-limit.policy';
import { LoginThrottle } from '../../src/auth/throttle/login.throttle';
import { CONFORMANCE_SESSION_TTL_SECONDS, type StoreUnderTest } from './state-stores';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function bucket(limit: number, windowSeconds: number): RateBucket {
  return { key: `conformance:${randomUUID()}`, rule: { limit, windowSeconds } };
}

function view(id: string, lastName: string): UserView {
  const now = new Date('2026-01-02T03:04:05.000Z');
  return {
    id,
    username: `u${id.slice(0, 8)}`,
    email: `${id.slice(0, 8)}@example.com`,
    firstName: 'Con',
    lastName,
    phone: null,
    role: UserRole.USER,
    isActive: true,
    emailVerified: false,
    createdAt: now,
    updatedAt: now,
    lastLoginAt: null,
  } as UserView;
}

/**
 * The behaviour every implementation of the shared stores must have, whatever keeps the state:
 * one suite, run against the in-process stores, a Redis server and a Redis Cluster.
 */
export function describeStoreConformance(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`state stores conform: ${name}`, () => {
    let subject: StoreUnderTest;
    let stores: StateStores;

    beforeAll(async () => {
      subject = await open();
      stores = subject.stores;
    });
    afterEach(() => {
      expect(Object.fromEntries(subject.failures.counts)).toEqual({});
    });
    afterAll(() => subject?.close());

    describe('sliding-window rate limit', () => {
      it('admits exactly the limit, counts down, then refuses with a Retry-After inside the window', async () => {
        const b = bucket(3, 30);
        const decisions = [];
        for (let i = 0; i < 4; i += 1) decisions.push(await stores.rateLimiter.consume(b));
        expect(decisions.map((d) => [d.allowed, d.remaining, d.limit])).toEqual([
          [true, 2, 3],
          [true, 1, 3],
          [true, 0, 3],
          [false, 0, 3],
        ]);
        expect(decisions[3].resetSeconds).toBeGreaterThanOrEqual(29);
        expect(decisions[3].resetSeconds).toBeLessThanOrEqual(30);
      });

      it('counts exactly under concurrency: 20 at once against a limit of 7 admit 7', async () => {
        const b = bucket(7, 30);
        const decisions = await Promise.all(Array.from({ length: 20 }, () => stores.rateLimiter.consume(b)));
        expect(decisions.filter((d) => d.allowed)).toHaveLength(7);
      });

      it('keeps buckets apart', async () => {
        const first = bucket(1, 30);
        const second = bucket(1, 30);
        expect((await stores.rateLimiter.consume(first)).allowed).toBe(true);
        expect((await stores.rateLimiter.consume(first)).allowed).toBe(false);
        expect((await stores.rateLimiter.consume(second)).allowed).toBe(true);
      });

      it('slides: each admission frees its place one window after it, not at a fixed boundary', async () => {
        const b = bucket(2, 2);
        expect((await stores.rateLimiter.consume(b)).allowed).toBe(true);
        await sleep(1000);
        expect((await stores.rateLimiter.consume(b)).allowed).toBe(true);
        const refused = await stores.rateLimiter.consume(b);
        expect(refused.allowed).toBe(false);
        // The oldest admission leaves about 1 s from now.
        expect(refused.resetSeconds).toBe(1);
        await sleep(1150);
        // The first has left the window, the second has not: one place, not two.
        expect(await stores.rateLimiter.consume(b)).toMatchObject({ allowed: true, remaining: 0 });
        expect((await stores.rateLimiter.consume(b)).allowed).toBe(false);
      });

      it('counts refusals for the metrics', async () => {
        const before = stores.rateLimiter.rejections;
        const b = bucket(1, 30);
        await stores.rateLimiter.consume(b);
        await stores.rateLimiter.consume(b);
        await stores.rateLimiter.consume(b);
        expect(stores.rateLimiter.rejections - before).toBe(2);
      });
    });

    describe('token blacklist and session state', () => {
      const session = () => ({ userId: randomUUID(), expiresAt: Date.now() + 3_600_000, stamp: randomUUID() });
      const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000);

      it('blacklists one token of a session, not its other tokens', async () => {
        const sid = randomUUID();
        const [revoked, other] = [randomUUID(), randomUUID()];
        expect((await stores.sessionCache.lookup(revoked, sid)).revoked).toBe(false);
        await stores.sessionCache.revokeToken(revoked, sid, inSeconds(60));
        expect((await stores.sessionCache.lookup(revoked, sid)).revoked).toBe(true);
        expect((await stores.sessionCache.lookup(other, sid)).revoked).toBe(false);
      });

      it('keeps a revocation only until the token expires', async () => {
        const [sid, jti] = [randomUUID(), randomUUID()];
        await stores.sessionCache.revokeToken(jti, sid, inSeconds(1));
        expect((await stores.sessionCache.lookup(jti, sid)).revoked).toBe(true);
        await sleep(1300);
        expect((await stores.sessionCache.lookup(jti, sid)).revoked).toBe(false);
        await stores.sessionCache.revokeToken(jti, sid, inSeconds(-1));
        expect((await stores.sessionCache.lookup(jti, sid)).revoked).toBe(false);
      });

      /** A session is remembered after a lookup missed, with that lookup's fill ticket. */
      const rememberAfterMiss = async (sid: string, cached: CachedSession, tokenExpiresAt: Date) => {
        const miss = await stores.sessionCache.lookup(randomUUID(), sid);
        await stores.sessionCache.remember(sid, cached, tokenExpiresAt, miss.fill);
      };

      it('remembers a session, answers it with the blacklist in one lookup, and forgets it', async () => {
        const [sid, jti] = [randomUUID(), randomUUID()];
        const live = session();
        expect((await stores.sessionCache.lookup(jti, sid)).session).toBeNull();
        await rememberAfterMiss(sid, live, inSeconds(60));
        expect(await stores.sessionCache.lookup(jti, sid)).toEqual({ revoked: false, session: live, fill: expect.anything() });
        await stores.sessionCache.revokeToken(jti, sid, inSeconds(60));
        expect(await stores.sessionCache.lookup(jti, sid)).toEqual({ revoked: true, session: live, fill: expect.anything() });
        const other = randomUUID();
        await rememberAfterMiss(other, session(), inSeconds(60));
        await stores.sessionCache.forget([sid, other]);
        expect((await stores.sessionCache.lookup(jti, sid)).session).toBeNull();
        expect((await stores.sessionCache.lookup(jti, other)).session).toBeNull();
      });

      it('never caches a session read before its revocation once the revocation has forgotten it (read -> revoke -> late fill)', async () => {
        const [sid, jti] = [randomUUID(), randomUUID()];
        const miss = await stores.sessionCache.lookup(jti, sid);
        expect(miss.session).toBeNull();
        // The row was read from PostgreSQL; before it is cached, a logout deletes it and forgets it.
        await stores.sessionCache.forget([sid]);
        await stores.sessionCache.remember(sid, session(), inSeconds(60), miss.fill);
        expect((await stores.sessionCache.lookup(jti, sid)).session).toBeNull();
      });

      it('refuses the late fill of a session that was cached before, too (read -> rotate/revoke -> late fill)', async () => {
        const [sid, jti] = [randomUUID(), randomUUID()];
        // Already forgotten once (a refresh rotated it): its generation is not the initial one.
        await rememberAfterMiss(sid, session(), inSeconds(60));
        await stores.sessionCache.forget([sid]);
        const miss = await stores.sessionCache.lookup(jti, sid);
        expect(miss.session).toBeNull();
        await stores.sessionCache.forget([sid]);
        await stores.sessionCache.remember(sid, session(), inSeconds(60), miss.fill);
        expect((await stores.sessionCache.lookup(jti, sid)).session).toBeNull();
      });

      it('caches a session read after a forget again (a rotated session is not uncacheable)', async () => {
        const [sid, jti] = [randomUUID(), randomUUID()];
        await rememberAfterMiss(sid, session(), inSeconds(60));
        await stores.sessionCache.forget([sid]);
        const reread = session();
        await rememberAfterMiss(sid, reread, inSeconds(60));
        expect((await stores.sessionCache.lookup(jti, sid)).session).toEqual(reread);
      });

      it('stores nothing without a fill ticket, or with one older than the tombstones answer for', async () => {
        const [untrusted, stale, jti] = [randomUUID(), randomUUID(), randomUUID()];
        await stores.sessionCache.remember(untrusted, session(), inSeconds(60), null);
        const miss = await stores.sessionCache.lookup(jti, stale);
        expect(miss.fill).not.toBeNull();
        // A load that took longer than a forget's tombstone is guaranteed to live: it may predate one.
        await stores.sessionCache.remember(stale, session(), inSeconds(60), { ...miss.fill!, readAt: miss.fill!.readAt - MAX_FILL_AGE_MS });
        expect((await stores.sessionCache.lookup(jti, untrusted)).session).toBeNull();
        expect((await stores.sessionCache.lookup(jti, stale)).session).toBeNull();
      });

      it('caches a session no longer than the token, the session or the configured maximum', async () => {
        const [byToken, bySession, byMaximum, ended] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
        await rememberAfterMiss(byToken, session(), inSeconds(1.5));
        await rememberAfterMiss(bySession, { userId: randomUUID(), expiresAt: Date.now() + 1500, stamp: randomUUID() }, inSeconds(60));
        await rememberAfterMiss(byMaximum, session(), inSeconds(60));
        await rememberAfterMiss(ended, { userId: randomUUID(), expiresAt: Date.now() - 1, stamp: randomUUID() }, inSeconds(60));
        const jti = randomUUID();
        expect((await stores.sessionCache.lookup(jti, byToken)).session).not.toBeNull();
        expect((await stores.sessionCache.lookup(jti, bySession)).session).not.toBeNull();
        expect((await stores.sessionCache.lookup(jti, ended)).session).toBeNull();
        await sleep(1300);
        expect((await stores.sessionCache.lookup(jti, byToken)).session).toBeNull();
        expect((await stores.sessionCache.lookup(jti, bySession)).session).toBeNull();
        expect((await stores.sessionCache.lookup(jti, byMaximum)).session).not.toBeNull();
        await sleep(CONFORMANCE_SESSION_TTL_SECONDS * 1000 - 1000);
        expect((await stores.sessionCache.lookup(jti, byMaximum)).session).toBeNull();
      });
    });

    describe('login lock-out and slow-down', () => {
      const settings = { maxFailuresPerIp: 3, maxFailuresPerAccount: 5, windowSeconds: 60 };
      const throttle = () => new LoginThrottle(stores.loginAttempts, settings, subject.failures);
      const account = () => `Account-${randomUUID()}`;

      it('locks one IP out of one account after the limit, for the window; other IPs and accounts go on', async () => {
        const t = throttle();
        const [who, bystander] = [account(), account()];
        for (let i = 0; i < 2; i += 1) await t.recordFailure(who, '10.0.0.1');
        expect(await t.retryAfter(who, '10.0.0.1')).toBe(0);
        await t.recordFailure(who.toUpperCase(), '10.0.0.1');
        const wait = await t.retryAfter(who.toLowerCase(), '10.0.0.1');
        expect(wait).toBeGreaterThanOrEqual(59);
        expect(wait).toBeLessThanOrEqual(60);
        expect(await t.retryAfter(who, '10.0.0.2')).toBe(0);
        expect(await t.retryAfter(bystander, '10.0.0.1')).toBe(0);
      });

      it('resets the IP count on a success', async () => {
        const t = throttle();
        const who = account();
        for (let i = 0; i < 3; i += 1) await t.recordFailure(who, '10.0.0.3');
        expect(await t.retryAfter(who, '10.0.0.3')).toBeGreaterThan(0);
        await t.recordSuccess(who, '10.0.0.3');
        expect(await t.retryAfter(who, '10.0.0.3')).toBe(0);
        for (let i = 0; i < 2; i += 1) await t.recordFailure(who, '10.0.0.3');
        expect(await t.retryAfter(who, '10.0.0.3')).toBe(0);
      });

      it('past the account limit, lets one attempt through per 5 s from anywhere', async () => {
        const t = throttle();
        const who = account();
        for (let i = 0; i < 5; i += 1) await t.recordFailure(who, `10.0.1.${i}`);
        expect(await t.retryAfter(who, '10.0.2.1')).toBe(0);
        const wait = await t.retryAfter(who, '10.0.2.2');
        expect(wait).toBeGreaterThanOrEqual(4);
        expect(wait).toBeLessThanOrEqual(5);
      });

      it('starts the window at the first failure: later failures do not extend it', async () => {
        const who = account().toLowerCase();
        await stores.loginAttempts.recordFailure(who, '10.0.3.1', 2);
        await sleep(1000);
        await stores.loginAttempts.recordFailure(who, '10.0.3.1', 2);
        const counted = await stores.loginAttempts.failures(who, '10.0.3.1');
        expect(counted.fromIp).toBe(2);
        expect(counted.fromAnywhere).toBe(2);
        expect(counted.fromIpTtlMs).toBeLessThanOrEqual(1100);
        await sleep(1150);
        expect(await stores.loginAttempts.failures(who, '10.0.3.1')).toEqual({ fromIp: 0, fromIpTtlMs: 0, fromAnywhere: 0 });
      });
    });

    describe('user cache shared tier', () => {
      it('serves what was set until its TTL', async () => {
        const key = userKey(randomUUID(), stores.userCacheTier.listEpoch() ?? 'e0');
        expect(await stores.userCacheTier.get(key)).toBeNull();
        await stores.userCacheTier.set(key, '{"a":1}', 1);
        expect(await stores.userCacheTier.get(key)).toBe('{"a":1}');
        await sleep(1300);
        expect(await stores.userCacheTier.get(key)).toBeNull();
      });

      it('invalidating a user deletes its entry and orphans every cached list', async () => {
        const id = randomUUID();
        await stores.userCacheTier.set(userKey(id, stores.userCacheTier.listEpoch() ?? 'e0'), 'old', 60);
        const version = await stores.userCacheTier.listVersion();
        await stores.userCacheTier.set(listKey(stores.userCacheTier.listEpoch() ?? 'e0', version, 'q=x'), '[]', 60);
        await stores.userCacheTier.invalidateUser(id);
        expect(await stores.userCacheTier.get(userKey(id, stores.userCacheTier.listEpoch() ?? 'e0'))).toBeNull();
        const next = await stores.userCacheTier.listVersion();
        expect(next).not.toBe(version);
        expect(await stores.userCacheTier.get(listKey(stores.userCacheTier.listEpoch() ?? 'e0', next, 'q=x'))).toBeNull();
      });

      /** A load that returns only when released, to interleave a change between a read and its fill. */
      function heldLoad() {
        let release!: (row: UserView) => void;
        let started!: () => void;
        const loading = new Promise<void>((resolve) => (started = resolve));
        const load = () => {
          started();
          return new Promise<UserView>((resolve) => (release = resolve));
        };
        return { load, loading, release: (row: UserView) => release(row) };
      }

      const cacheSettings = (localMaxEntries: number) => ({ userTtlSeconds: 60, listTtlSeconds: 60, localMaxEntries, localTtlSeconds: 60 });

      it('never stores a row loaded before a change once the change has invalidated it (another instance wrote)', async () => {
        const reader = new UserCache(stores.userCacheTier, subject.failures, cacheSettings(0));
        const writer = new UserCache(stores.userCacheTier, subject.failures, cacheSettings(0));
        const id = randomUUID();
        const held = heldLoad();
        const racingRead = reader.getUser(id, held.load);
        await held.loading;
        // The write commits and invalidates while the reader's stale row is still on its way.
        await writer.userChanged(id);
        held.release(view(id, 'Before'));
        expect((await racingRead)?.lastName).toBe('Before');

        let loads = 0;
        const current = async () => {
          loads += 1;
          return view(id, 'After');
        };
        expect((await reader.getUser(id, current))?.lastName).toBe('After');
        expect((await writer.getUser(id, current))?.lastName).toBe('After');
        // Loaded after the change, the row is cached again: one load served both reads.
        expect(loads).toBe(1);
      });

      it('never keeps such a row in process either', async () => {
        const cache = new UserCache(stores.userCacheTier, subject.failures, cacheSettings(100));
        const id = randomUUID();
        const held = heldLoad();
        const racingRead = cache.getUser(id, held.load);
        await held.loading;
        await cache.userChanged(id);
        held.release(view(id, 'Before'));
        await racingRead;
        expect((await cache.getUser(id, async () => view(id, 'After')))?.lastName).toBe('After');
      });

      it('through the user cache: a read after a change sees the new value, users and lists alike', async () => {
        // No in-process layer: every hit comes from the tier under test.
        const cache = new UserCache(stores.userCacheTier, subject.failures, { userTtlSeconds: 60, listTtlSeconds: 60, localMaxEntries: 0, localTtlSeconds: 1 });
        const id = randomUUID();
        let stored = view(id, 'Before');
        let loads = 0;
        const load = async () => {
          loads += 1;
          return stored;
        };
        const query = `conformance:${id}`;
        const list = async () => [stored.lastName];
        expect((await cache.getUser(id, load))?.lastName).toBe('Before');
        expect((await cache.getUser(id, load))?.lastName).toBe('Before');
        expect(loads).toBe(1);
        expect(await cache.getList(query, list)).toEqual(['Before']);
        stored = view(id, 'After');
        expect(await cache.getList(query, list)).toEqual(['Before']);
        await cache.userChanged(id);
        const reread = await cache.getUser(id, load);
        expect(reread?.lastName).toBe('After');
        expect(reread?.createdAt).toEqual(new Date('2026-01-02T03:04:05.000Z'));
        expect(loads).toBe(2);
        expect(await cache.getList(query, list)).toEqual(['After']);
      });
    });
  });
}
