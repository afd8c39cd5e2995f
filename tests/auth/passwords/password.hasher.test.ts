import argon2 from 'argon2';
import { PasswordHasher } from '../../../src/auth/passwords/password.hasher';

// The cheapest argon2id the library accepts, so the spec stays fast; the production costs are config.
const cheap = { memoryCost: 1024, timeCost: 2, parallelism: 1 };

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher(cheap);

  it('hashes with argon2id in PHC format, salted: the same password twice gives two hashes', async () => {
    const [first, second] = [await hasher.hash('Correct-h0rse'), await hasher.hash('Correct-h0rse')];
    expect(first).toMatch(/^\$argon2id\$v=19\$m=1024,p=1,t=2\$/);
    expect(first).not.toBe(second);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hasher.hash('Correct-h0rse');
    expect(await hasher.verify(hash, 'Correct-h0rse')).toBe(true);
    expect(await hasher.verify(hash, 'correct-h0rse')).toBe(false);
  });

  it('answers false, never throws, for a stored value that is no hash', async () => {
    expect(await hasher.verify('not-a-hash', 'anything')).toBe(false);
    expect(await hasher.verify('', '')).toBe(false);
  });

  it('asks for a rehash of another variant or of weaker parameters, not of a hash made today', async () => {
    expect(hasher.needsRehash(await hasher.hash('pw'))).toBe(false);
    expect(hasher.needsRehash(await argon2.hash('pw', { type: argon2.argon2i, ...cheap }))).toBe(true);
    expect(new PasswordHasher({ ...cheap, timeCost: 3 }).needsRehash(await hasher.hash('pw'))).toBe(true);
  });

  it('checks against a dummy hash for unknown accounts, and always answers false', async () => {
    expect(await hasher.verifyAgainstDummy('dummy-password-for-timing-only')).toBe(false);
    expect(await hasher.verifyAgainstDummy('anything')).toBe(false);
  });
});

describe('PasswordHasher on a busy machine', () => {
  afterEach(() => jest.restoreAllMocks());

  it('runs at most `concurrency` hashes at once; the rest wait their turn, first come first served', async () => {
    const hasher = new PasswordHasher(cheap, 2);
    const started: string[] = [];
    const finish = new Map<string, (ok: boolean) => void>();
    jest.spyOn(argon2, 'verify').mockImplementation((_hash, password) => {
      started.push(String(password));
      return new Promise<boolean>((resolve) => finish.set(String(password), resolve));
    });
    const checks = ['a', 'b', 'c', 'd', 'e'].map((password) => hasher.verify('$argon2id$stored', password));
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a', 'b']);
    expect(hasher.queue).toEqual({ active: 2, waiting: 3 });

    finish.get('b')!(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a', 'b', 'c']);
    for (const password of ['a', 'c', 'd', 'e']) {
      await new Promise((resolve) => setImmediate(resolve));
      finish.get(password)!(password === 'e');
    }
    expect(await Promise.all(checks)).toEqual([false, true, false, false, true]);
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(hasher.queue).toEqual({ active: 0, waiting: 0 });
  });

  it('frees the turn of a hash that failed', async () => {
    const hasher = new PasswordHasher(cheap, 1);
    expect(await hasher.verify('not-a-hash', 'x')).toBe(false);
    const hash = await hasher.hash('Correct-h0rse');
    expect(await hasher.verify(hash, 'Correct-h0rse')).toBe(true);
    expect(hasher.queue).toEqual({ active: 0, waiting: 0 });
  });
});

