import type { SealContext } from '../../platform/crypto/secret.box';

/** A TOTP secret is sealed for its user: copied onto another user's row, it does not open. */
export function totpSecretContext(userId: string): SealContext {
  return { purpose: 'totp-secret', subject: userId };
}
