import { KeyRing } from '../../src/platform/crypto/key-ring';
import { SecretBox } from '../../src/platform/crypto/secret.box';
import { MfaService, type MfaStores } from '../../src/mfa/mfa.service';
import { MemoryPasskeyCredentialStore } from '../../src/mfa/passkeys/passkey-credential.store';
import { RecoveryCodeFactor } from '../../src/mfa/recovery/recovery-code.factor';
import { MemoryRecoveryCodeStore } from '../../src/mfa/recovery/recovery-code.store';
import { MemoryTotpAuthenticatorStore } from '../../src/mfa/totp/totp-authenticator.store';
import { MemoryTotpReplayGuard, type TotpReplayGuard } from '../../src/mfa/totp/totp-replay.guard';
import { TotpFactor } from '../../src/mfa/totp/totp.factor';

/** An MfaService on a moveable clock, over the given stores (in process by default). */
export function mfaKit(options: { stores?: MfaStores; replayGuard?: TotpReplayGuard; ring?: KeyRing } = {}) {
  const time = { ms: 1_800_000_000_000 + 5_000 };
  const clock = () => time.ms;
  const ring = options.ring ?? KeyRing.generate('t1').ring;
  const stores: MfaStores = options.stores ?? { totp: new MemoryTotpAuthenticatorStore(), recoveryCodes: new MemoryRecoveryCodeStore(), passkeys: new MemoryPasskeyCredentialStore() };
  const totp = new TotpFactor({ issuer: 'User API', replayGuard: options.replayGuard ?? new MemoryTotpReplayGuard(30, clock), now: clock });
  const service = new MfaService(stores, totp, new RecoveryCodeFactor(ring), new SecretBox(ring), () => new Date(time.ms));
  return { time, stores, totp, service, ring };
}
