import { randomUUID } from 'node:crypto';
import type { TotpReplayGuard } from '../../src/mfa/totp/totp-replay.guard';

/**
 * What every TotpReplayGuard must do, whatever keeps the state. `newUser` answers a user id the
 * guard can claim for (the PostgreSQL guard needs an mfa_totp row).
 */
export function describeTotpReplayGuardConformance(name: string, open: () => Promise<{ guard: TotpReplayGuard; newUser: () => Promise<string>; close: () => Promise<void> }>): void {
  describe(`TOTP replay guard conforms: ${name}`, () => {
    let subject: Awaited<ReturnType<typeof open>>;
    beforeAll(async () => {
      subject = await open();
    });
    afterAll(() => subject?.close());

    it('claims a step once, refuses it and any earlier step, and accepts a later one', async () => {
      const user = await subject.newUser();
      expect(await subject.guard.claim(user, 60_000_000)).toBe(true);
      expect(await subject.guard.claim(user, 60_000_000)).toBe(false);
      expect(await subject.guard.claim(user, 59_999_999)).toBe(false);
      expect(await subject.guard.claim(user, 60_000_001)).toBe(true);
      expect(await subject.guard.claim(user, 60_000_000)).toBe(false);
    });

    it('keeps users apart', async () => {
      const [a, b] = [await subject.newUser(), await subject.newUser()];
      expect(await subject.guard.claim(a, 60_000_000)).toBe(true);
      expect(await subject.guard.claim(b, 60_000_000)).toBe(true);
    });

    it('lets exactly one of 20 concurrent claims of one step win', async () => {
      const user = await subject.newUser();
      const results = await Promise.all(Array.from({ length: 20 }, () => subject.guard.claim(user, 60_000_005)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('a user never seen can claim', async () => {
      expect(await subject.guard.claim(await subject.newUser(), 1)).toBe(true);
    });
  });
}

export const randomUserId = async (): Promise<string> => randomUUID();
