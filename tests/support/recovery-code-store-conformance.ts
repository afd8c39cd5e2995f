import { randomBytes } from 'node:crypto';
import { KeyRing } from '../../src/platform/crypto/key-ring';
import { RecoveryCodeFactor } from '../../src/mfa/recovery/recovery-code.factor';
import type { RecoveryCodeStore } from '../../src/mfa/recovery/recovery-code.store';

/** What every RecoveryCodeStore must do. `newUser` answers a user id the store can hold codes for. */
export function describeRecoveryCodeStoreConformance(name: string, open: () => Promise<{ store: RecoveryCodeStore; newUser: () => Promise<string>; close: () => Promise<void> }>): void {
  describe(`recovery-code store conforms: ${name}`, () => {
    const factor = new RecoveryCodeFactor(new KeyRing([{ id: 'k1', key: randomBytes(32) }]));
    let subject: Awaited<ReturnType<typeof open>>;
    beforeAll(async () => {
      subject = await open();
    });
    afterAll(() => subject?.close());

    it('holds ten codes, each usable once, and counts those left', async () => {
      const user = await subject.newUser();
      const { codes, hashes } = factor.issue(user);
      await subject.store.replace(user, hashes);
      expect(await subject.store.remaining(user)).toBe(10);
      expect(await subject.store.consume(user, factor.lookups(user, codes[3]))).toBe(true);
      expect(await subject.store.remaining(user)).toBe(9);
      expect(await subject.store.consume(user, factor.lookups(user, codes[3]))).toBe(false);
      expect(await subject.store.remaining(user)).toBe(9);
    });

    it("refuses an unknown code and another user's code", async () => {
      const [alice, bob] = [await subject.newUser(), await subject.newUser()];
      const aliceCodes = factor.issue(alice);
      await subject.store.replace(alice, aliceCodes.hashes);
      await subject.store.replace(bob, factor.issue(bob).hashes);
      expect(await subject.store.consume(alice, factor.lookups(alice, 'zzzzz-zzzzz'))).toBe(false);
      expect(await subject.store.consume(bob, factor.lookups(bob, aliceCodes.codes[0]))).toBe(false);
      expect(await subject.store.consume(alice, [])).toBe(false);
      expect(await subject.store.remaining(alice)).toBe(10);
    });

    it('a new set replaces the old one entirely', async () => {
      const user = await subject.newUser();
      const first = factor.issue(user);
      await subject.store.replace(user, first.hashes);
      await subject.store.consume(user, factor.lookups(user, first.codes[0]));
      const second = factor.issue(user);
      await subject.store.replace(user, second.hashes);
      expect(await subject.store.remaining(user)).toBe(10);
      expect(await subject.store.consume(user, factor.lookups(user, first.codes[1]))).toBe(false);
      expect(await subject.store.consume(user, factor.lookups(user, second.codes[1]))).toBe(true);
    });

    it('clear leaves nothing', async () => {
      const user = await subject.newUser();
      const { codes, hashes } = factor.issue(user);
      await subject.store.replace(user, hashes);
      await subject.store.clear(user);
      expect(await subject.store.remaining(user)).toBe(0);
      expect(await subject.store.consume(user, factor.lookups(user, codes[0]))).toBe(false);
    });

    it('lets exactly one of 10 concurrent uses of one code win', async () => {
      const user = await subject.newUser();
      const { codes, hashes } = factor.issue(user);
      await subject.store.replace(user, hashes);
      const results = await Promise.all(Array.from({ length: 10 }, () => subject.store.consume(user, factor.lookups(user, codes[5]))));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await subject.store.remaining(user)).toBe(9);
    });
  });
}
