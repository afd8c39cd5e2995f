import { LoginThrottle, throttledAccount } from '../../../src/auth/throttle/login.throttle';
import type { LoginAttemptStore } from '../../../src/auth/throttle/login-attempt.store';
import { MemoryLoginAttemptStore } from '../../../src/auth/throttle/memory-login-attempt.store';
import { silentFailureReporter } from '../../support/state-stores';

// LoginThrottle on the in-process store: what the throttle itself decides (names, rounding, failing
// open). What every store must count is held by the state-store conformance suite.
const settings = { maxFailuresPerIp: 3, maxFailuresPerAccount: 5, windowSeconds: 60 };

function subject(store: LoginAttemptStore = new MemoryLoginAttemptStore()) {
  const failures = silentFailureReporter();
  return { throttle: new LoginThrottle(store, settings, failures), failures, store };
}

async function fail(throttle: LoginThrottle, account: string, ip: string, times: number): Promise<void> {
  for (let i = 0; i < times; i += 1) await throttle.recordFailure(account, ip);
}

describe('LoginThrottle', () => {
  it('lets an account try until its failures from one IP reach the limit, then asks it to wait the window', async () => {
    const { throttle } = subject();
    await fail(throttle, 'alice', '10.0.0.1', settings.maxFailuresPerIp - 1);
    expect(await throttle.retryAfter('alice', '10.0.0.1')).toBe(0);
    await throttle.recordFailure('alice', '10.0.0.1');
    const wait = await throttle.retryAfter('alice', '10.0.0.1');
    expect(wait).toBeGreaterThan(settings.windowSeconds - 2);
    expect(wait).toBeLessThanOrEqual(settings.windowSeconds);
    expect(Number.isInteger(wait)).toBe(true);
  });

  it('counts an account however it is spelt: names are compared in lower case', async () => {
    const { throttle } = subject();
    await throttle.recordFailure('Alice', '10.0.0.1');
    await throttle.recordFailure('ALICE', '10.0.0.1');
    await throttle.recordFailure('alice', '10.0.0.1');
    expect(await throttle.retryAfter('aLiCe', '10.0.0.1')).toBeGreaterThan(0);
  });

  it('a success clears the IP count only: the account-wide count keeps the slow-down', async () => {
    const { throttle } = subject();
    await fail(throttle, 'bob', '10.0.0.1', settings.maxFailuresPerIp - 1);
    await fail(throttle, 'bob', '10.0.0.2', settings.maxFailuresPerAccount - (settings.maxFailuresPerIp - 1));
    await throttle.recordSuccess('bob', '10.0.0.1');
    // Past the account limit: one attempt per 5 s from anywhere, the first one now.
    expect(await throttle.retryAfter('bob', '10.0.0.1')).toBe(0);
    const wait = await throttle.retryAfter('bob', '10.0.0.1');
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(5);
  });

  it('rounds a wait of a few milliseconds up to one whole second, never 0', async () => {
    const store: LoginAttemptStore = {
      failures: async () => ({ fromIp: settings.maxFailuresPerIp, fromIpTtlMs: 3, fromAnywhere: 0 }),
      recordFailure: async () => undefined,
      clearIp: async () => undefined,
      claimSlowdown: async () => 0,
    };
    expect(await subject(store).throttle.retryAfter('carol', '10.0.0.1')).toBe(1);
  });

  it('rounds up, not to the nearest second (2001 ms is 3 s)', async () => {
    const store: LoginAttemptStore = {
      failures: async () => ({ fromIp: 0, fromIpTtlMs: 0, fromAnywhere: settings.maxFailuresPerAccount }),
      recordFailure: async () => undefined,
      clearIp: async () => undefined,
      claimSlowdown: async () => 2001,
    };
    expect(await subject(store).throttle.retryAfter('carol', '10.0.0.1')).toBe(3);
  });

  it('fails open when its store fails, and reports it: sign-in goes on, the hash still refuses wrong passwords', async () => {
    const broken: LoginAttemptStore = {
      failures: async () => Promise.reject(new Error('ECONNREFUSED')),
      recordFailure: async () => Promise.reject(new Error('ECONNREFUSED')),
      clearIp: async () => Promise.reject(new Error('ECONNREFUSED')),
      claimSlowdown: async () => Promise.reject(new Error('ECONNREFUSED')),
    };
    const { throttle, failures } = subject(broken);
    await expect(throttle.recordFailure('dave', '10.0.0.1')).resolves.toBeUndefined();
    await expect(throttle.recordSuccess('dave', '10.0.0.1')).resolves.toBeUndefined();
    expect(await throttle.retryAfter('dave', '10.0.0.1')).toBe(0);
    expect(failures.counts.get('login-throttle')).toBe(3);
  });
});

describe('throttledAccount', () => {
  it('names the credential: the same user with a renewed security stamp starts a fresh count', async () => {
    const before = throttledAccount({ id: 'u1', securityStamp: 'stamp-1' });
    const after = throttledAccount({ id: 'u1', securityStamp: 'stamp-2' });
    expect(before).not.toBe(after);
    expect(throttledAccount({ id: 'u2', securityStamp: 'stamp-1' })).not.toBe(before);

    const { throttle } = subject();
    await fail(throttle, before, '10.0.0.1', settings.maxFailuresPerIp);
    expect(await throttle.retryAfter(before, '10.0.0.1')).toBeGreaterThan(0);
    expect(await throttle.retryAfter(after, '10.0.0.1')).toBe(0);
  });

  it('admit says whether the IP has failures on the account to clear after a success (none: the success skips the clear)', async () => {
    const { throttle } = subject();
    expect(await throttle.admit('erin', '10.0.0.1')).toEqual({ retryAfter: 0, ipFailures: false });
    await throttle.recordFailure('erin', '10.0.0.1');
    expect(await throttle.admit('erin', '10.0.0.1')).toEqual({ retryAfter: 0, ipFailures: true });
    // Another IP's failures are not this IP's to clear.
    expect(await throttle.admit('erin', '10.0.0.2')).toEqual({ retryAfter: 0, ipFailures: false });
    await throttle.recordSuccess('erin', '10.0.0.1');
    expect(await throttle.admit('erin', '10.0.0.1')).toEqual({ retryAfter: 0, ipFailures: false });
  });

  it('admit fails open and then asks for the clear, since it could not tell', async () => {
    const broken: LoginAttemptStore = {
      failures: async () => Promise.reject(new Error('ECONNREFUSED')),
      recordFailure: async () => undefined,
      clearIp: async () => undefined,
      claimSlowdown: async () => 0,
    };
    expect(await subject(broken).throttle.admit('frank', '10.0.0.1')).toEqual({ retryAfter: 0, ipFailures: true });
  });
});
