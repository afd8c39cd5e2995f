import { WebAuthnCredential } from './passkeys/webauthn-credential.entity';
import { RecoveryCode } from './recovery/recovery-code.entity';
import { MfaTotp } from './totp/mfa-totp.entity';

/** The MFA feature's tables, for the entities barrel (src/entities/index.ts). */
export const mfaEntities = [MfaTotp, RecoveryCode, WebAuthnCredential];
export { MfaTotp, RecoveryCode, WebAuthnCredential };
