import { randomUUID } from 'node:crypto';
import { MemorySessionCache } from '../../../src/auth/sessions/memory-session.cache';
import { NearSessionCache, type SessionInvalidations } from '../../../src/auth/sessions/near-session.cache';
import type { SessionCache } from '../../../src/auth/sessions/session.cache';
import type { ChannelListener } from '../../../src/platform/redis/invalidation.channel';
import { silentFailureReporter } from '../../support/state-stores';

// Instances sharing one "Redis" (the in-process session cache) and one pub/sub bus, in memory.
class Bus {
  listeners: ChannelListener[] = [];
  channel(): SessionInvalidations & { listening: boolean; fail: boolean } {
    const bus = this;
    return {
      listening: true,
      fail: false,
      async publish(sessionId: string) {
        if (this.fail) throw new Error('ECONNRESET');
        for (const listener of bus.listeners) listener.message(sessionId);
      },
      async listen(listener: ChannelListener) {
        bus.listeners.push(listener);
      },
    };
  }
}

/** Counts what reaches the shared cache, so a served-from-memory answer is visible. */
function counting(shared: SessionCache) {
  const lookups: string[] = [];
  const cache: SessionCache = {
    lookup: (tokenId, sessionId) => (lookups.push(tokenId), shared.lookup(tokenId, sessionId)),
    remember: (...args) => shared.remember(...args),
    forget: (ids) => shared.forget(ids),
    revokeToken: (...args) => shared.revokeToken(...args),
  };
  return { cache, lookups };
}

const HOUR = 3_600_000;

function setup() {
  const shared = new MemorySessionCache(600);
  const bus = new Bus();
  let epoch = 'e1';
  const lost = jest.fn(async () => undefined);
  const instance = (readThrough: SessionCache = shared) => {
    const { cache, lookups } = counting(readThrough);
    const channel = bus.channel();
    const near = new NearSessionCache(cache, channel, { maxEntries: 100, ttlSeconds: 10 }, silentFailureReporter(), { tag: () => epoch, lost });
    return { near, lookups, channel };
  };
  const session = () => ({ id: randomUUID(), token: randomUUID(), value: { userId: randomUUID(), expiresAt: Date.now() + HOUR, stamp: 's1' } });
  /** A session as a login leaves it: in the shared cache. */
  const opened = async () => {
    const s = session();
    const { fill } = await shared.lookup(s.token, s.id);
    await shared.remember(s.id, s.value, new Date(Date.now() + HOUR), fill);
    return s;
  };
  /** An instance that has started listening, as the server starts it. */
  const started = async (readThrough?: SessionCache) => {
    const made = instance(readThrough);
    await made.near.start();
    return made;
  };
  return { started, opened, shared, setEpoch: (tag: string) => (epoch = tag), lost };
}

describe('near session cache', () => {
  it('answers a token seen before from memory, without asking the shared cache', async () => {
    const { started, opened } = setup();
    const a = await started();
    const s = await opened();
    expect((await a.near.lookup(s.token, s.id)).session).toMatchObject(s.value);
    expect((await a.near.lookup(s.token, s.id)).session).toMatchObject(s.value);
    expect(a.lookups).toHaveLength(1);
    expect(a.near.localHits).toBe(1);
  });

  it('a logout through one instance is refused at once by another that held the session', async () => {
    const { started, opened } = setup();
    const [a, b] = [await started(), await started()];
    const s = await opened();
    await b.near.lookup(s.token, s.id);
    await b.near.lookup(s.token, s.id);
    expect(b.near.localHits).toBe(1);

    await a.near.forget([s.id]);
    const state = await b.near.lookup(s.token, s.id);
    expect(state.session).toBeNull();
  });

  it('a revoked access token is refused by the other instance, while the session may live on', async () => {
    const { started, opened } = setup();
    const [a, b] = [await started(), await started()];
    const s = await opened();
    await b.near.lookup(s.token, s.id);
    await a.near.revokeToken(s.token, s.id, new Date(Date.now() + HOUR));
    expect((await b.near.lookup(s.token, s.id)).revoked).toBe(true);
  });

  it('asks the shared cache for another token of a session it holds (that token may be revoked)', async () => {
    const { started, opened } = setup();
    const a = await started();
    const s = await opened();
    await a.near.lookup(s.token, s.id);
    await a.near.lookup('another-token', s.id);
    expect(a.lookups).toEqual([s.token, 'another-token']);
  });

  it('keeps nothing from a lookup that overlapped an invalidation (a read from just before a logout)', async () => {
    const { started, opened, shared } = setup();
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    // B's read reaches "Redis" before the logout, and its answer arrives after the announcement.
    const slow: SessionCache = { ...shared, lookup: async (tokenId, sessionId) => { const state = await shared.lookup(tokenId, sessionId); await answered; return state; }, remember: (...args) => shared.remember(...args), forget: (ids) => shared.forget(ids), revokeToken: (...args) => shared.revokeToken(...args) };
    const [a, b] = [await started(), await started(slow)];
    const s = await opened();
    const during = b.near.lookup(s.token, s.id);
    await a.near.forget([s.id]);
    answer();
    expect((await during).session).not.toBeNull(); // the stale answer itself is what Redis said then
    const after = await b.near.lookup(s.token, s.id);
    expect(after.session).toBeNull();
    expect(b.near.localHits).toBe(0);
  });

  it('serves nothing from memory while its subscription is down, and forgets everything on resync', async () => {
    const { started, opened } = setup();
    const a = await started();
    const s = await opened();
    await a.near.lookup(s.token, s.id);
    a.channel.listening = false;
    await a.near.lookup(s.token, s.id);
    expect(a.lookups).toHaveLength(2);
    a.channel.listening = true;
    a.near.clear();
    await a.near.lookup(s.token, s.id);
    expect(a.lookups).toHaveLength(3);
    expect(a.near.localHits).toBe(0);
  });

  it('never serves an entry read under an older revocation epoch', async () => {
    const { started, opened, setEpoch } = setup();
    const a = await started();
    const s = await opened();
    await a.near.lookup(s.token, s.id);
    setEpoch('e2');
    await a.near.lookup(s.token, s.id);
    expect(a.near.localHits).toBe(0);
  });

  it('moves the revocation epoch when an invalidation could not be announced', async () => {
    const { started, opened, lost } = setup();
    const a = await started();
    const s = await opened();
    a.channel.fail = true;
    await a.near.forget([s.id]);
    expect(lost).toHaveBeenCalledWith('a session invalidation could not be announced to other instances');
  });

  it('does not serve a session past its expiry', async () => {
    const shared = new MemorySessionCache(600);
    const s = { id: randomUUID(), token: randomUUID(), value: { userId: randomUUID(), expiresAt: Date.now() + 50, stamp: 's1' } };
    const near = new NearSessionCache(shared, new Bus().channel(), { maxEntries: 10, ttlSeconds: 10 }, silentFailureReporter(), { tag: () => 'e1', lost: async () => undefined });
    const { fill } = await shared.lookup(s.token, s.id);
    await shared.remember(s.id, s.value, new Date(Date.now() + HOUR), fill);
    await near.lookup(s.token, s.id);
    await new Promise((resolve) => setTimeout(resolve, 80));
    await near.lookup(s.token, s.id);
    expect(near.localHits).toBe(0);
  });
});
