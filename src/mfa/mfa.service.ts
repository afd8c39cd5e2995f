import { ConflictError, NotFoundError, ValidationError } from '../platform/errors/domain.errors';
import type { SecretBox } from '../platform/crypto/secret.box';
import type { MfaMethod } from './challenge/mfa-method';
import type { PasskeyCredentialStore } from './passkeys/passkey-credential.store';
import type { RecoveryCodeFactor } from './recovery/recovery-code.factor';
import type { RecoveryCodeStore } from './recovery/recovery-code.store';
import type { TotpAuthenticatorStore } from './totp/totp-authenticator.store';
import { totpSecretContext } from './totp/totp-secret.seal';
import type { TotpFactor, TotpSetup, TotpVerdict } from './totp/totp.factor';

/** `me { mfa { totp, passkeys, recoveryCodesLeft } }`. */
export interface MfaStatus {
  totp: boolean;
  passkeys: number;
  recoveryCodesLeft: number;
}

export interface MfaStores {
  totp: TotpAuthenticatorStore;
  recoveryCodes: RecoveryCodeStore;
  passkeys: PasskeyCredentialStore;
  /** The status in one read (a login asks it for every password proven); without it, the three stores are read. */
  status?: (userId: string) => Promise<MfaStatus>;
}

/** What a login answers in `methods` for a user in this state; empty: MFA is off for them. */
export function methodsOf(status: MfaStatus): MfaMethod[] {
  const methods: MfaMethod[] = [];
  if (status.totp) methods.push('totp');
  if (status.passkeys > 0) methods.push('webauthn');
  if (methods.length > 0 && status.recoveryCodesLeft > 0) methods.push('recovery_code');
  return methods;
}

/**
 * The MFA rules over the stores: enrolment of TOTP with its recovery codes, the second-factor
 * checks a login runs inside MfaChallengeService.attempt, and the status a profile shows. It does
 * not authorize, audit or check step-up: the command pipeline around it does (turning MFA off and
 * new recovery codes are step-up actions; see issue 16).
 */
export class MfaService {
  constructor(
    private readonly stores: MfaStores,
    private readonly totp: TotpFactor,
    private readonly recovery: RecoveryCodeFactor,
    private readonly box: SecretBox,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A new secret to show (with its QR code), kept sealed and unconfirmed until a code proves it. */
  async beginTotpSetup(userId: string, accountName: string): Promise<TotpSetup> {
    const setup = await this.totp.setup(accountName);
    if (!(await this.stores.totp.saveUnconfirmed(userId, this.box.seal(setup.secret, totpSecretContext(userId))))) {
      throw new ConflictError('Two-factor authentication is already on; turn it off first.', 'totp');
    }
    return setup;
  }

  /** The first code proves the app holds the secret; then TOTP is on and ten recovery codes are shown, once. */
  async confirmTotp(userId: string, code: string): Promise<{ recoveryCodes: string[] }> {
    const authenticator = await this.stores.totp.get(userId);
    if (!authenticator) throw new NotFoundError('No authenticator is being set up; start the setup first.');
    if (authenticator.confirmed) throw new ConflictError('Two-factor authentication is already on.', 'totp');
    const verdict = await this.totp.verify(userId, this.box.openText(authenticator.secretSealed, totpSecretContext(userId)), code);
    if (!verdict.ok) throw new ValidationError([{ field: 'code', message: 'The code is not valid; enter the current code from the app.' }]);
    if (!(await this.stores.totp.confirm(userId, this.now()))) throw new ConflictError('Two-factor authentication is already on.', 'totp');
    return { recoveryCodes: await this.issueRecoveryCodes(userId) };
  }

  /** Step-up action: the caller checks the recent sign-in. Recovery codes go with it unless passkeys remain. */
  async disableTotp(userId: string): Promise<void> {
    if (!(await this.stores.totp.remove(userId))) throw new NotFoundError('Two-factor authentication is not on.');
    if ((await this.stores.passkeys.listByUser(userId)).length === 0) await this.stores.recoveryCodes.clear(userId);
  }

  /** Step-up action: a new set replaces the old one entirely. */
  async regenerateRecoveryCodes(userId: string): Promise<{ recoveryCodes: string[] }> {
    if (!(await this.methodsFor(userId)).some((method) => method !== 'recovery_code')) {
      throw new ConflictError('Recovery codes need a second factor (an authenticator app or a passkey) to recover.', 'recoveryCodes');
    }
    return { recoveryCodes: await this.issueRecoveryCodes(userId) };
  }

  /** Admin reset (audited by the caller): every factor and code of the user goes. */
  async reset(userId: string): Promise<void> {
    await this.stores.totp.remove(userId);
    await this.stores.recoveryCodes.clear(userId);
    await this.stores.passkeys.removeAll(userId);
  }

  /** A login's second factor with TOTP: only a confirmed authenticator counts. */
  async verifyTotp(userId: string, code: string): Promise<TotpVerdict> {
    const authenticator = await this.stores.totp.get(userId);
    if (!authenticator?.confirmed) return { ok: false, reason: 'wrong' };
    return this.totp.verify(userId, this.box.openText(authenticator.secretSealed, totpSecretContext(userId)), code);
  }

  /** A login's second factor with a recovery code: true once per code. */
  async useRecoveryCode(userId: string, code: string): Promise<boolean> {
    return this.stores.recoveryCodes.consume(userId, this.recovery.lookups(userId, code));
  }

  /** What the login answers in `methods`; empty: MFA is off for this user. */
  async methodsFor(userId: string): Promise<MfaMethod[]> {
    return methodsOf(await this.status(userId));
  }

  async status(userId: string): Promise<MfaStatus> {
    if (this.stores.status) return this.stores.status(userId);
    const [authenticator, passkeys, recoveryCodesLeft] = await Promise.all([
      this.stores.totp.get(userId),
      this.stores.passkeys.listByUser(userId),
      this.stores.recoveryCodes.remaining(userId),
    ]);
    return { totp: authenticator?.confirmed === true, passkeys: passkeys.length, recoveryCodesLeft };
  }

  private async issueRecoveryCodes(userId: string): Promise<string[]> {
    const { codes, hashes } = this.recovery.issue(userId);
    await this.stores.recoveryCodes.replace(userId, hashes);
    return codes;
  }
}
