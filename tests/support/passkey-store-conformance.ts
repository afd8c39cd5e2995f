import { randomBytes, randomUUID } from 'node:crypto';
import type { PasskeyCredentialStore, StoredPasskey } from '../../src/mfa/passkeys/passkey-credential.store';
import type { WebAuthnChallengeStore } from '../../src/mfa/passkeys/webauthn-challenge.store';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function passkey(userId: string, overrides: Partial<StoredPasskey> = {}): StoredPasskey {
  return {
    id: randomUUID(),
    userId,
    credentialId: randomBytes(16).toString('base64url'),
    publicKey: new Uint8Array(randomBytes(77)),
    counter: 0,
    transports: ['internal'],
    deviceType: 'singleDevice',
    backedUp: false,
    name: 'Laptop',
    createdAt: new Date('2026-12-06T20:00:00.000Z'),
    lastUsedAt: null,
    ...overrides,
  };
}

export function describePasskeyStoreConformance(name: string, open: () => Promise<{ store: PasskeyCredentialStore; newUser: () => Promise<string>; close: () => Promise<void> }>): void {
  describe(`passkey credential store conforms: ${name}`, () => {
    let subject: Awaited<ReturnType<typeof open>>;
    beforeAll(async () => {
      subject = await open();
    });
    afterAll(() => subject?.close());

    it('keeps a passkey whole and finds it by credential id and by user', async () => {
      const user = await subject.newUser();
      const key = passkey(user, { counter: 3, transports: ['usb', 'nfc'] });
      expect(await subject.store.add(key)).toBe(true);
      expect(await subject.store.findByCredentialId(key.credentialId)).toEqual(key);
      expect(await subject.store.listByUser(user)).toEqual([key]);
      expect(await subject.store.findByCredentialId('nope')).toBeNull();
    });

    it('refuses a credential id registered before, even for another user', async () => {
      const [a, b] = [await subject.newUser(), await subject.newUser()];
      const key = passkey(a);
      expect(await subject.store.add(key)).toBe(true);
      expect(await subject.store.add(passkey(b, { credentialId: key.credentialId }))).toBe(false);
      expect(await subject.store.listByUser(b)).toEqual([]);
    });

    it('records a use only from the expected counter, once of two racing', async () => {
      const user = await subject.newUser();
      const key = passkey(user, { counter: 5 });
      await subject.store.add(key);
      const at = new Date('2026-12-06T21:00:00.000Z');
      expect(await subject.store.recordUse(key.id, 4, { counter: 6, backedUp: false, at })).toBe(false);
      const raced = await Promise.all([6, 7].map((counter) => subject.store.recordUse(key.id, 5, { counter, backedUp: true, at })));
      expect(raced.filter(Boolean)).toHaveLength(1);
      const after = await subject.store.findByCredentialId(key.credentialId);
      expect([6, 7]).toContain(after!.counter);
      expect(after).toMatchObject({ backedUp: true, lastUsedAt: at });
    });

    it('renames and removes for the owner only', async () => {
      const [owner, other] = [await subject.newUser(), await subject.newUser()];
      const key = passkey(owner);
      await subject.store.add(key);
      expect(await subject.store.rename(other, key.id, 'x')).toBe(false);
      expect(await subject.store.rename(owner, key.id, 'Phone')).toBe(true);
      expect((await subject.store.listByUser(owner))[0].name).toBe('Phone');
      expect(await subject.store.remove(other, key.id)).toBe(false);
      expect(await subject.store.remove(owner, key.id)).toBe(true);
      expect(await subject.store.remove(owner, key.id)).toBe(false);
      await subject.store.add(passkey(owner));
      await subject.store.add(passkey(owner));
      expect(await subject.store.removeAll(owner)).toBe(2);
      expect(await subject.store.listByUser(owner)).toEqual([]);
    });
  });
}

export function describeWebAuthnChallengeStoreConformance(name: string, open: () => Promise<{ store: WebAuthnChallengeStore; close: () => Promise<void> }>): void {
  describe(`WebAuthn challenge store conforms: ${name}`, () => {
    let subject: Awaited<ReturnType<typeof open>>;
    beforeAll(async () => {
      subject = await open();
    });
    afterAll(() => subject?.close());

    it('gives a challenge back once, with its expectation', async () => {
      const challenge = randomBytes(32).toString('base64url');
      await subject.store.put(challenge, 'reg:u1', 60_000);
      expect(await subject.store.take(challenge)).toBe('reg:u1');
      expect(await subject.store.take(challenge)).toBeNull();
      expect(await subject.store.take(randomBytes(32).toString('base64url'))).toBeNull();
    });

    it('to one of 10 concurrent takers', async () => {
      const challenge = randomBytes(32).toString('base64url');
      await subject.store.put(challenge, 'login:', 60_000);
      const taken = await Promise.all(Array.from({ length: 10 }, () => subject.store.take(challenge)));
      expect(taken.filter((value) => value !== null)).toEqual(['login:']);
    });

    it('expires', async () => {
      const challenge = randomBytes(32).toString('base64url');
      await subject.store.put(challenge, 'login:', 150);
      await sleep(300);
      expect(await subject.store.take(challenge)).toBeNull();
    });
  });
}
