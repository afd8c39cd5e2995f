import { randomBytes } from 'node:crypto';
import type { MfaChallenge, MfaChallengeStore } from '../../src/mfa/challenge/mfa-challenge.store';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const key = () => randomBytes(32).toString('hex');
const challenge = (userId = '00000000-0000-4000-8000-000000000001'): MfaChallenge => ({ userId, methods: ['totp', 'recovery_code'], amr: ['pwd'], authTime: 1_800_000_000_000 });

/** What every MfaChallengeStore must do: run against the in-process store and Redis. */
export function describeMfaChallengeStoreConformance(name: string, open: () => Promise<{ store: MfaChallengeStore; close: () => Promise<void> }>): void {
  describe(`MFA challenge store conforms: ${name}`, () => {
    let subject: Awaited<ReturnType<typeof open>>;
    beforeAll(async () => {
      subject = await open();
    });
    afterAll(() => subject?.close());

    it('hands the challenge out with a rising attempt number, up to the limit, then forgets it', async () => {
      const k = key();
      await subject.store.save(k, challenge(), 60_000);
      for (let attempt = 1; attempt <= 5; attempt += 1) {
        expect(await subject.store.takeAttempt(k, 5)).toEqual({ challenge: challenge(), attempt });
      }
      expect(await subject.store.takeAttempt(k, 5)).toBeNull();
      expect(await subject.store.consume(k)).toBe(false);
    });

    it('is consumed once: the first consume wins, then it is gone', async () => {
      const k = key();
      await subject.store.save(k, challenge(), 60_000);
      expect(await subject.store.consume(k)).toBe(true);
      expect(await subject.store.consume(k)).toBe(false);
      expect(await subject.store.takeAttempt(k, 5)).toBeNull();
    });

    it('knows nothing of a key never saved', async () => {
      expect(await subject.store.takeAttempt(key(), 5)).toBeNull();
      expect(await subject.store.consume(key())).toBe(false);
      expect(await subject.store.peek(key())).toBeNull();
    });

    it('shows a challenge without counting an attempt, until it is consumed', async () => {
      const k = key();
      await subject.store.save(k, challenge(), 60_000);
      expect(await subject.store.peek(k)).toEqual(challenge());
      expect(await subject.store.peek(k)).toEqual(challenge());
      expect((await subject.store.takeAttempt(k, 5))?.attempt).toBe(1);
      await subject.store.consume(k);
      expect(await subject.store.peek(k)).toBeNull();
    });

    it('expires', async () => {
      const k = key();
      await subject.store.save(k, challenge(), 150);
      await sleep(300);
      expect(await subject.store.peek(k)).toBeNull();
      expect(await subject.store.takeAttempt(k, 5)).toBeNull();
      expect(await subject.store.consume(k)).toBe(false);
    });

    it('gives out exactly 5 attempts to 20 concurrent takers', async () => {
      const k = key();
      await subject.store.save(k, challenge(), 60_000);
      const taken = await Promise.all(Array.from({ length: 20 }, () => subject.store.takeAttempt(k, 5)));
      expect(taken.filter(Boolean).map((entry) => entry!.attempt).sort()).toEqual([1, 2, 3, 4, 5]);
    });

    it('lets exactly one of 10 concurrent consumers win', async () => {
      const k = key();
      await subject.store.save(k, challenge(), 60_000);
      const won = await Promise.all(Array.from({ length: 10 }, () => subject.store.consume(k)));
      expect(won.filter(Boolean)).toHaveLength(1);
    });

    it('keeps challenges apart', async () => {
      const [a, b] = [key(), key()];
      await subject.store.save(a, challenge('a'), 60_000);
      await subject.store.save(b, challenge('b'), 60_000);
      expect(await subject.store.consume(a)).toBe(true);
      expect((await subject.store.takeAttempt(b, 5))?.challenge.userId).toBe('b');
    });
  });
}
