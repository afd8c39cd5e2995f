import { randomUUID } from 'node:crypto';
import type { CacheEpoch } from '../../../src/auth/revocation/cache-epoch';
import { MemoryUserCacheTier } from '../../../src/users/cache/memory-user-cache.tier';
import { UserCache, type UserCacheSettings } from '../../../src/users/cache/user.cache';
import type { UserCacheTier } from '../../../src/users/cache/user-cache.tier';
import { UserRole } from '../../../src/users/user-role';
import type { UserView } from '../../../src/users/user-view';
import { silentFailureReporter } from '../../support/state-stores';

// UserCache over the in-process shared tier: the LRU in front, the fill race, invalidation, lists, and
// what happens when the tier fails. Tier behaviour common to Redis and memory is in the conformance suite.
const withLocal: UserCacheSettings = { userTtlSeconds: 60, listTtlSeconds: 60, localMaxEntries: 100, localTtlSeconds: 60 };
const tierOnly: UserCacheSettings = { ...withLocal, localMaxEntries: 0 };

function view(lastName = 'Lovelace'): UserView {
  const id = randomUUID();
  return {
    id,
    username: `u${id.slice(0, 8)}`,
    email: `${id.slice(0, 8)}@example.com`,
    firstName: 'Ada',
    lastName,
    phone: null,
    role: UserRole.USER,
    isActive: true,
    emailVerified: false,
    createdAt: new Date('2026-01-02T03:04:05.000Z'),
    updatedAt: new Date('2026-01-02T03:04:05.000Z'),
    lastLoginAt: null,
    version: 1,
    securityStamp: 'stamp',
  } as UserView;
}

function cache(settings = withLocal, tier: UserCacheTier = new MemoryUserCacheTier(), epoch?: CacheEpoch) {
  const failures = silentFailureReporter();
  return { cache: new UserCache(tier, failures, settings, epoch), failures, tier };
}

describe('UserCache.getUser', () => {
  it('loads a miss once, then answers from the in-process layer', async () => {
    const { cache: subject } = cache();
    const user = view();
    const load = jest.fn(async () => user);
    expect(await subject.getUser(user.id, load)).toEqual(user);
    expect(await subject.getUser(user.id, load)).toEqual(user);
    expect(load).toHaveBeenCalledTimes(1);
    expect(subject.stats).toMatchObject({ misses: 1, localHits: 1, hits: 0, errors: 0 });
  });

  it('without the in-process layer, answers from the shared tier with its timestamps as Dates', async () => {
    const { cache: subject } = cache(tierOnly);
    const user = view();
    await subject.getUser(user.id, async () => user);
    const load = jest.fn(async () => null);
    const cached = await subject.getUser(user.id, load);
    expect(load).not.toHaveBeenCalled();
    expect(cached).toEqual(user);
    expect(cached!.createdAt).toBeInstanceOf(Date);
    expect(subject.stats).toMatchObject({ misses: 1, hits: 1 });
  });

  it('caches no absence: an unknown user is looked up again', async () => {
    const { cache: subject } = cache();
    const load = jest.fn(async () => null);
    expect(await subject.getUser('missing', load)).toBeNull();
    expect(await subject.getUser('missing', load)).toBeNull();
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('holds only the view: a loaded object with more fields is not what comes back', async () => {
    const { cache: subject } = cache(tierOnly);
    const user = view();
    await subject.getUser(user.id, async () => ({ ...user, passwordHash: 'never-cached' }) as UserView);
    const cached = await subject.getUser(user.id, async () => null);
    expect(cached).not.toHaveProperty('passwordHash');
  });

  it('after a change, reads the user afresh from both layers', async () => {
    const { cache: subject } = cache();
    const user = view('Before');
    await subject.getUser(user.id, async () => user);
    await subject.userChanged(user.id);
    const changed = { ...user, lastName: 'After' };
    expect(await subject.getUser(user.id, async () => changed)).toEqual(changed);
  });

  it('never keeps a row loaded while a change was invalidating it (the cache-aside race)', async () => {
    const { cache: subject } = cache();
    const stale = view('Stale');
    await subject.getUser(stale.id, async () => {
      await subject.userChanged(stale.id); // the change commits while the old row is in flight
      return stale;
    });
    const fresh = { ...stale, lastName: 'Fresh' };
    const load = jest.fn(async () => fresh);
    expect(await subject.getUser(stale.id, load)).toEqual(fresh);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('forgets the in-process layer on a resync (missed messages)', async () => {
    const { cache: subject } = cache();
    const user = view();
    await subject.getUser(user.id, async () => user);
    subject.resync();
    // The shared tier still answers; only this process's copies were dropped.
    await subject.getUser(user.id, async () => null);
    expect(subject.stats).toMatchObject({ localHits: 0, hits: 1 });
  });
});

describe('UserCache.getList', () => {
  it('caches a list under the current version; a change to any user orphans it', async () => {
    const { cache: subject } = cache();
    const load = jest.fn(async () => [view()]);
    const first = await subject.getList('q=ada', load);
    expect(await subject.getList('q=ada', load)).toEqual(first);
    expect(load).toHaveBeenCalledTimes(1);
    await subject.userChanged('someone');
    await subject.getList('q=ada', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('does not store a result it is told is not storable (read from a replica)', async () => {
    const { cache: subject } = cache();
    const load = jest.fn(async () => ['row']);
    await subject.getList('page=1', load, () => false);
    await subject.getList('page=1', load);
    expect(load).toHaveBeenCalledTimes(2);
  });
});

describe('UserCache while the tier cannot hear other instances', () => {
  it('neither answers from nor fills the in-process layer, so a missed invalidation is never served', async () => {
    const tier = new MemoryUserCacheTier();
    let hearing = false;
    tier.nearCacheUsable = () => hearing;
    const { cache: subject } = cache(withLocal, tier);
    const user = view();
    const load = jest.fn(async () => user);
    await subject.getUser(user.id, load);
    await subject.getUser(user.id, load);
    expect(subject.stats.localHits).toBe(0);
    expect(subject.stats.hits).toBe(1);

    hearing = true;
    await subject.getUser(user.id, load);
    await subject.getUser(user.id, load);
    expect(subject.stats.localHits).toBe(1);
    expect(load).toHaveBeenCalledTimes(1);
  });
});

describe('UserCache when its shared tier fails', () => {
  const broken = (): UserCacheTier => {
    const down = async () => Promise.reject(new Error('ECONNREFUSED'));
    return { get: down, set: down, getUser: down, fillUser: down, listVersion: down, invalidateUser: down, listen: async () => undefined, listEpoch: () => 'e0', nearCacheUsable: () => false };
  };

  it('falls through to PostgreSQL for users and lists, counting and reporting the errors', async () => {
    const { cache: subject, failures } = cache(tierOnly, broken());
    const user = view();
    expect(await subject.getUser(user.id, async () => user)).toEqual(user);
    expect(await subject.getList('q', async () => ['row'])).toEqual(['row']);
    expect(subject.stats.errors).toBeGreaterThanOrEqual(3);
    expect(failures.counts.get('cache-read')).toBeGreaterThanOrEqual(3);
  });

  it('a user it could not invalidate moves the epoch, so the stale entry is never believed again', async () => {
    const lost = jest.fn(async (_reason: string) => undefined);
    const { cache: subject, failures } = cache(withLocal, broken(), { tag: () => 'e0', lost });
    await subject.userChanged('u1');
    expect(lost).toHaveBeenCalledTimes(1);
    expect(failures.counts.get('cache-invalidate')).toBe(1);
  });

  it('does not move the epoch when the invalidation reached the tier', async () => {
    const lost = jest.fn(async (_reason: string) => undefined);
    const { cache: subject } = cache(withLocal, new MemoryUserCacheTier(), { tag: () => 'e0', lost });
    await subject.userChanged('u1');
    expect(lost).not.toHaveBeenCalled();
  });
});
