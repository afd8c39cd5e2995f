/**
 * The seam for e-mail verification: told after a user's address changed and the change committed
 * (emailVerified is already false then). The e-mail issue plugs the sender of verification mails
 * in here; until then nothing is sent.
 */
export interface EmailVerificationPort {
  addressChanged(user: { id: string; email: string }): Promise<void>;
}

export const noEmailVerification: EmailVerificationPort = {
  async addressChanged() {},
};
