import { randomBytes, randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError } from '../../src/platform/errors/domain.errors';
import { SecretBoxError } from '../../src/platform/crypto/secret.box';
import { mfaKit } from './mfa-test-kit';

const USER = '00000000-0000-4000-8000-000000000001';

async function enrolled(kit = mfaKit()) {
  const setup = await kit.service.beginTotpSetup(USER, 'alice@example.com');
  const { recoveryCodes } = await kit.service.confirmTotp(USER, kit.totp.generate(setup.secret));
  kit.time.ms += 30_000;
  return { ...kit, setup, recoveryCodes };
}

describe('MfaService', () => {
  describe('TOTP enrolment', () => {
    it('keeps the new secret sealed and off until a code proves it', async () => {
      const kit = mfaKit();
      const setup = await kit.service.beginTotpSetup(USER, 'alice@example.com');
      const stored = await kit.stores.totp.get(USER);
      expect(stored).toMatchObject({ confirmed: false });
      expect(stored!.secretSealed).not.toContain(setup.secret);
      expect(await kit.service.status(USER)).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0 });
      expect(await kit.service.methodsFor(USER)).toEqual([]);
      // Not yet a factor: a login cannot use it.
      expect(await kit.service.verifyTotp(USER, kit.totp.generate(setup.secret))).toEqual({ ok: false, reason: 'wrong' });
    });

    it('turns on with a right code and shows ten recovery codes once', async () => {
      const { service, recoveryCodes } = await enrolled();
      expect(recoveryCodes).toHaveLength(10);
      expect(await service.status(USER)).toEqual({ totp: true, passkeys: 0, recoveryCodesLeft: 10 });
      expect(await service.methodsFor(USER)).toEqual(['totp', 'recovery_code']);
    });

    it('refuses a wrong confirmation code, and stays off', async () => {
      const kit = mfaKit();
      await kit.service.beginTotpSetup(USER, 'alice');
      await expect(kit.service.confirmTotp(USER, '000000')).rejects.toThrow(ValidationError);
      expect((await kit.service.status(USER)).totp).toBe(false);
    });

    it('refuses to confirm without a setup, or twice', async () => {
      const kit = mfaKit();
      await expect(kit.service.confirmTotp(USER, '123456')).rejects.toThrow(NotFoundError);
      const { service, totp, setup } = await enrolled(kit);
      await expect(service.confirmTotp(USER, totp.generate(setup.secret))).rejects.toThrow(ConflictError);
    });

    it('refuses a new setup while TOTP is on (it must be turned off first), but a setup may start over', async () => {
      const kit = mfaKit();
      const first = await kit.service.beginTotpSetup(USER, 'alice');
      const second = await kit.service.beginTotpSetup(USER, 'alice');
      await expect(kit.service.confirmTotp(USER, kit.totp.generate(first.secret))).rejects.toThrow(ValidationError);
      await kit.service.confirmTotp(USER, kit.totp.generate(second.secret));
      await expect(kit.service.beginTotpSetup(USER, 'alice')).rejects.toThrow(ConflictError);
    });

    it('the confirmation code cannot be used again to sign in (its step is claimed)', async () => {
      const kit = mfaKit();
      const setup = await kit.service.beginTotpSetup(USER, 'alice');
      const code = kit.totp.generate(setup.secret);
      await kit.service.confirmTotp(USER, code);
      expect(await kit.service.verifyTotp(USER, code)).toEqual({ ok: false, reason: 'replayed' });
    });

    it("a sealed secret moved to another user's authenticator does not open", async () => {
      const kit = mfaKit();
      await kit.service.beginTotpSetup(USER, 'alice');
      const other = randomUUID();
      await kit.stores.totp.saveUnconfirmed(other, (await kit.stores.totp.get(USER))!.secretSealed);
      await expect(kit.service.confirmTotp(other, '123456')).rejects.toThrow(SecretBoxError);
    });
  });

  describe('second factor at login', () => {
    it('accepts the current code once', async () => {
      const { service, totp, setup } = await enrolled();
      const code = totp.generate(setup.secret);
      expect((await service.verifyTotp(USER, code)).ok).toBe(true);
      expect(await service.verifyTotp(USER, code)).toEqual({ ok: false, reason: 'replayed' });
    });

    it('accepts each recovery code once and counts down', async () => {
      const { service, recoveryCodes } = await enrolled();
      expect(await service.useRecoveryCode(USER, recoveryCodes[0])).toBe(true);
      expect(await service.useRecoveryCode(USER, recoveryCodes[0])).toBe(false);
      expect(await service.useRecoveryCode(USER, 'not-a-code')).toBe(false);
      expect((await service.status(USER)).recoveryCodesLeft).toBe(9);
    });

    it('drops recovery_code from the methods when none is left', async () => {
      const { service, recoveryCodes } = await enrolled();
      for (const code of recoveryCodes) expect(await service.useRecoveryCode(USER, code)).toBe(true);
      expect(await service.methodsFor(USER)).toEqual(['totp']);
    });

    it('offers webauthn when the user has a passkey', async () => {
      const kit = mfaKit();
      await kit.stores.passkeys.add({ id: randomUUID(), userId: USER, credentialId: 'c1', publicKey: new Uint8Array(randomBytes(8)), counter: 0, transports: null, deviceType: 'multiDevice', backedUp: true, name: 'Phone', createdAt: new Date(), lastUsedAt: null });
      expect(await kit.service.methodsFor(USER)).toEqual(['webauthn']);
      expect(await kit.service.regenerateRecoveryCodes(USER)).toEqual({ recoveryCodes: expect.any(Array) });
      expect(await kit.service.methodsFor(USER)).toEqual(['webauthn', 'recovery_code']);
    });
  });

  describe('turning off, new codes, admin reset', () => {
    it('turning TOTP off removes it and its recovery codes', async () => {
      const { service, totp, setup } = await enrolled();
      await service.disableTotp(USER);
      expect(await service.status(USER)).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0 });
      expect(await service.verifyTotp(USER, totp.generate(setup.secret))).toEqual({ ok: false, reason: 'wrong' });
      await expect(service.disableTotp(USER)).rejects.toThrow(NotFoundError);
    });

    it('new recovery codes replace the old set', async () => {
      const { service, recoveryCodes } = await enrolled();
      await service.useRecoveryCode(USER, recoveryCodes[0]);
      const { recoveryCodes: fresh } = await service.regenerateRecoveryCodes(USER);
      expect((await service.status(USER)).recoveryCodesLeft).toBe(10);
      expect(await service.useRecoveryCode(USER, recoveryCodes[1])).toBe(false);
      expect(await service.useRecoveryCode(USER, fresh[1])).toBe(true);
    });

    it('refuses recovery codes to a user without a second factor', async () => {
      await expect(mfaKit().service.regenerateRecoveryCodes(USER)).rejects.toThrow(ConflictError);
    });

    it('an admin reset removes every factor', async () => {
      const kit = await enrolled();
      await kit.stores.passkeys.add({ id: randomUUID(), userId: USER, credentialId: 'c2', publicKey: new Uint8Array(8), counter: 0, transports: null, deviceType: 'singleDevice', backedUp: false, name: 'Key', createdAt: new Date(), lastUsedAt: null });
      await kit.service.reset(USER);
      expect(await kit.service.status(USER)).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0 });
      expect(await kit.service.methodsFor(USER)).toEqual([]);
    });
  });
});
