import { fillIsFresh, MAX_FILL_AGE_MS, revocationTtlSeconds, sessionTtlSeconds } from '../../../src/auth/sessions/session.cache';

// The TTL arithmetic both session caches share. Time is frozen so the floors and ceilings are exact.
describe('session cache TTLs', () => {
  const NOW = Date.parse('2026-03-01T12:00:00.000Z');
  beforeEach(() => jest.useFakeTimers({ now: NOW, doNotFake: ['performance'] }));
  afterEach(() => jest.useRealTimers());

  const session = (expiresInMs: number) => ({ userId: 'u1', expiresAt: NOW + expiresInMs, stamp: 's' });
  const at = (inMs: number) => new Date(NOW + inMs);

  it('caches a session no longer than the token that looked it up', () => {
    expect(sessionTtlSeconds(session(3_600_000), at(90_500), 600)).toBe(90);
  });

  it('no longer than the session itself', () => {
    expect(sessionTtlSeconds(session(45_999), at(600_000), 600)).toBe(45);
  });

  it('no longer than the configured maximum', () => {
    expect(sessionTtlSeconds(session(3_600_000), at(3_600_000), 30)).toBe(30);
  });

  it('answers 0 or less for an ended session, which the caches take as "do not store"', () => {
    expect(sessionTtlSeconds(session(-1), at(60_000), 600)).toBeLessThanOrEqual(0);
    expect(sessionTtlSeconds(session(999), at(60_000), 600)).toBe(0);
  });

  it('blacklists a revoked token until it expires, rounded up so it never lapses early', () => {
    expect(revocationTtlSeconds(at(10_001))).toBe(11);
    expect(revocationTtlSeconds(at(10_000))).toBe(10);
  });
});

describe('fillIsFresh', () => {
  it('accepts a fill younger than the tombstones answer for, and refuses an older one', () => {
    const now = performance.now();
    expect(fillIsFresh({ epoch: 'e0', generation: '0', readAt: now })).toBe(true);
    expect(fillIsFresh({ epoch: 'e0', generation: '0', readAt: now - MAX_FILL_AGE_MS })).toBe(false);
  });
});
