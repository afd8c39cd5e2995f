import type { EntityManager } from '@mikro-orm/postgresql';
import type { SecretBox } from '../platform/crypto/secret.box';
import { findMfaStatus } from './mfa-methods.query';
import { MfaService } from './mfa.service';
import { OrmPasskeyCredentialStore } from './passkeys/orm-passkey-credential.store';
import { OrmRecoveryCodeStore } from './recovery/orm-recovery-code.store';
import type { RecoveryCodeFactor } from './recovery/recovery-code.factor';
import { OrmTotpAuthenticatorStore } from './totp/orm-totp-authenticator.store';
import { OrmTotpReplayGuard } from './totp/orm-totp-replay.guard';
import { TotpFactor } from './totp/totp.factor';

/**
 * MfaService over one EntityManager: its stores and the TOTP replay guard read and write through
 * it, so inside a command's transaction an accepted code, a spent recovery code and the audit row
 * commit or roll back together.
 */
export class MfaServiceFactory {
  constructor(
    private readonly box: SecretBox,
    private readonly recovery: RecoveryCodeFactor,
    private readonly issuer: string,
    private readonly now: () => number = Date.now,
  ) {}

  on(em: EntityManager): MfaService {
    const stores = {
      totp: new OrmTotpAuthenticatorStore(em),
      recoveryCodes: new OrmRecoveryCodeStore(em),
      passkeys: new OrmPasskeyCredentialStore(em),
      status: (userId: string) => findMfaStatus(em, userId),
    };
    const totp = new TotpFactor({ issuer: this.issuer, replayGuard: new OrmTotpReplayGuard(em), now: this.now });
    return new MfaService(stores, totp, this.recovery, this.box, () => new Date(this.now()));
  }
}
