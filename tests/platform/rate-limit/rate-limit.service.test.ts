import { TooManyRequestsError } from '../../../src/platform/errors/domain.errors';
import { MemorySlidingWindowLimiter } from '../../../src/platform/rate-limit/memory-sliding-window.limiter';
import { bucketFor, type RateLimits } from '../../../src/platform/rate-limit/rate-limit.policy';
import { rateLimitedError, RateLimitService } from '../../../src/platform/rate-limit/rate-limit.service';

// RateLimitService and its policy on the in-process sliding-window limiter, on a clock the test holds.
const limits: RateLimits = {
  authPerIp: { limit: 2, windowSeconds: 60 },
  signupPerIp: { limit: 1, windowSeconds: 3600 },
  readPerIp: { limit: 3, windowSeconds: 60 },
  writePerIp: { limit: 2, windowSeconds: 60 },
  readPerUser: { limit: 5, windowSeconds: 60 },
  writePerUser: { limit: 4, windowSeconds: 60 },
  emailPerIp: { limit: 3, windowSeconds: 60 },
  emailPerAddress: { limit: 2, windowSeconds: 60 },
};
const anonymous = (ip: string) => ({ actor: null, ipAddress: ip });
const signedIn = (id: string, ip: string) => ({ actor: { id }, ipAddress: ip });

function service(enabled = true) {
  const now = 1_000_000;
  return new RateLimitService(new MemorySlidingWindowLimiter(() => now), limits, enabled);
}

async function admitted(subject: RateLimitService, times: number, ...args: Parameters<RateLimitService['consume']>): Promise<boolean[]> {
  const answers: boolean[] = [];
  for (let i = 0; i < times; i += 1) answers.push((await subject.consume(...args))!.allowed);
  return answers;
}

describe('bucketFor: one mapping from (category, caller) to a bucket for both doors', () => {
  it('counts credentials and sign-ups per client IP, even for a signed-in caller', () => {
    expect(bucketFor('auth', signedIn('u1', '10.0.0.1'), limits)).toEqual({ key: 'auth:ip:10.0.0.1', rule: limits.authPerIp });
    expect(bucketFor('signup', signedIn('u1', '10.0.0.1'), limits)).toEqual({ key: 'signup:ip:10.0.0.1', rule: limits.signupPerIp });
  });

  it('counts reads and writes per user once signed in, else per IP, each with its own rule', () => {
    expect(bucketFor('read', signedIn('u1', '10.0.0.1'), limits)).toEqual({ key: 'read:user:u1', rule: limits.readPerUser });
    expect(bucketFor('write', signedIn('u1', '10.0.0.1'), limits)).toEqual({ key: 'write:user:u1', rule: limits.writePerUser });
    expect(bucketFor('read', anonymous('10.0.0.1'), limits)).toEqual({ key: 'read:ip:10.0.0.1', rule: limits.readPerIp });
    expect(bucketFor('write', anonymous('10.0.0.1'), limits)).toEqual({ key: 'write:ip:10.0.0.1', rule: limits.writePerIp });
  });
});

describe('RateLimitService', () => {
  it('admits up to the rule, then refuses, answering the rule and what is left', async () => {
    const subject = service();
    expect(await admitted(subject, 3, 'auth', anonymous('10.0.0.1'))).toEqual([true, true, false]);
    expect(await subject.consume('auth', anonymous('10.0.0.1'))).toEqual({ allowed: false, limit: 2, remaining: 0, resetSeconds: 60 });
    expect(subject.rejections).toBe(2);
  });

  it('gives users behind one IP their own read budgets, and anonymous callers the IP one', async () => {
    const subject = service();
    expect(await admitted(subject, 6, 'read', signedIn('u1', '10.0.0.1'))).toEqual([true, true, true, true, true, false]);
    expect(await admitted(subject, 1, 'read', signedIn('u2', '10.0.0.1'))).toEqual([true]);
    expect(await admitted(subject, 4, 'read', anonymous('10.0.0.1'))).toEqual([true, true, true, false]);
  });

  it('keeps reads and writes apart', async () => {
    const subject = service();
    await admitted(subject, 3, 'write', anonymous('10.0.0.2'));
    expect((await subject.consume('write', anonymous('10.0.0.2')))!.allowed).toBe(false);
    expect((await subject.consume('read', anonymous('10.0.0.2')))!.allowed).toBe(true);
  });

  it('decides nothing and counts nothing when rate limiting is off', async () => {
    const subject = service(false);
    for (let i = 0; i < 5; i += 1) expect(await subject.consume('signup', anonymous('10.0.0.3'))).toBeNull();
    expect(subject.rejections).toBe(0);
    expect(subject.limits).toBe(limits);
  });
});

describe('rateLimitedError', () => {
  it('is the domain error each door maps to 429, carrying the wait in seconds', () => {
    const error = rateLimitedError({ allowed: false, limit: 2, remaining: 0, resetSeconds: 42 });
    expect(error).toBeInstanceOf(TooManyRequestsError);
    expect(error.message).toBe('Rate limit exceeded; try again in 42 seconds.');
    expect(error).toMatchObject({ retryAfterSeconds: 42 });
  });
});
