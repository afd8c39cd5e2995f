import { MfaChallengeService } from '../../../src/mfa/challenge/mfa-challenge.service';
import { type MfaChallenge, MemoryMfaChallengeStore } from '../../../src/mfa/challenge/mfa-challenge.store';

const USER = '00000000-0000-4000-8000-000000000001';
const challenge: MfaChallenge = { userId: USER, methods: ['totp', 'recovery_code'], amr: ['pwd'], authTime: 1_800_000_000_000 };
const right = async () => 'totp' as const;
const wrong = async () => null;

describe('MfaChallengeService', () => {
  let time: { ms: number };
  let store: MemoryMfaChallengeStore;
  let service: MfaChallengeService;

  beforeEach(() => {
    time = { ms: 1_800_000_000_000 };
    const clock = () => time.ms;
    store = new MemoryMfaChallengeStore(clock);
    service = new MfaChallengeService(store, {}, clock);
  });

  it('issues a 256-bit url-safe token that lives 5 minutes', async () => {
    const { mfaToken, expiresAt } = await service.issue(challenge);
    expect(mfaToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(expiresAt).toEqual(new Date(time.ms + 300_000));
    expect((await service.issue(challenge)).mfaToken).not.toBe(mfaToken);
  });

  it('keeps only a hash of the token in the store', async () => {
    const save = jest.spyOn(store, 'save');
    const { mfaToken } = await service.issue(challenge);
    expect(save.mock.calls[0][0]).toMatch(/^[0-9a-f]{64}$/);
    expect(save.mock.calls[0][0]).not.toContain(mfaToken);
  });

  it('answers the challenge and the proof for a right code, once (single use)', async () => {
    const { mfaToken } = await service.issue(challenge);
    expect(await service.attempt(mfaToken, right)).toEqual({ ok: true, challenge, proof: 'totp' });
    expect(await service.attempt(mfaToken, right)).toEqual({ ok: false, reason: 'expired' });
  });

  it('dies after 5 wrong codes: the right code then fails too, and the check is not even run', async () => {
    const { mfaToken } = await service.issue(challenge);
    const results = [];
    for (let i = 0; i < 5; i += 1) results.push(await service.attempt(mfaToken, wrong));
    expect(results).toEqual([4, 3, 2, 1, 0].map((attemptsLeft) => ({ ok: false, reason: 'wrong', userId: USER, attemptsLeft })));
    const check = jest.fn(right);
    expect(await service.attempt(mfaToken, check)).toEqual({ ok: false, reason: 'expired' });
    expect(check).not.toHaveBeenCalled();
  });

  it('accepts a right code after 4 wrong ones', async () => {
    const { mfaToken } = await service.issue(challenge);
    for (let i = 0; i < 4; i += 1) await service.attempt(mfaToken, wrong);
    expect((await service.attempt(mfaToken, right)).ok).toBe(true);
  });

  it('runs at most 5 checks for 20 concurrent guesses', async () => {
    const { mfaToken } = await service.issue(challenge);
    const check = jest.fn(wrong);
    await Promise.all(Array.from({ length: 20 }, () => service.attempt(mfaToken, check)));
    expect(check).toHaveBeenCalledTimes(5);
  });

  it('lets one of two concurrent right codes win', async () => {
    const { mfaToken } = await service.issue(challenge);
    const results = await Promise.all([service.attempt(mfaToken, right), service.attempt(mfaToken, right)]);
    expect(results.filter((result) => result.ok)).toHaveLength(1);
  });

  it('expires after 5 minutes', async () => {
    const { mfaToken } = await service.issue(challenge);
    time.ms += 299_999;
    const early = await service.issue(challenge);
    time.ms += 1;
    expect(await service.attempt(mfaToken, right)).toEqual({ ok: false, reason: 'expired' });
    expect((await service.attempt(early.mfaToken, right)).ok).toBe(true);
  });

  it.each(['', 'x', 'a'.repeat(42), `${'a'.repeat(42)}!`, 'a'.repeat(44)])('refuses the malformed token %j without a store look-up', async (token) => {
    const take = jest.spyOn(store, 'takeAttempt');
    expect(await service.attempt(token, right)).toEqual({ ok: false, reason: 'expired' });
    expect(take).not.toHaveBeenCalled();
  });

  it('refuses a well-formed token it never issued', async () => {
    expect(await service.attempt('A'.repeat(43), right)).toEqual({ ok: false, reason: 'expired' });
  });

  it('revoke ends a token', async () => {
    const { mfaToken } = await service.issue(challenge);
    await service.revoke(mfaToken);
    expect(await service.attempt(mfaToken, right)).toEqual({ ok: false, reason: 'expired' });
  });

  it('takes its lifetime and attempt limit from settings', async () => {
    const strict = new MfaChallengeService(store, { ttlSeconds: 60, maxAttempts: 2 }, () => time.ms);
    const { mfaToken, expiresAt } = await strict.issue(challenge);
    expect(expiresAt).toEqual(new Date(time.ms + 60_000));
    expect(await strict.attempt(mfaToken, wrong)).toMatchObject({ attemptsLeft: 1 });
    expect(await strict.attempt(mfaToken, wrong)).toMatchObject({ attemptsLeft: 0 });
    expect(await strict.attempt(mfaToken, right)).toEqual({ ok: false, reason: 'expired' });
  });
});
