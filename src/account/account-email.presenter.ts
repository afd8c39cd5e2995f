import type { EmailChangeService } from './email-change.service';
import type { EmailVerificationService } from './email-verification.service';
import type { PasswordResetService } from './password-reset.service';

/** The e-mail flows' services, as both doors receive them. */
export interface AccountEmailServices {
  verification: EmailVerificationService;
  passwordReset: PasswordResetService;
  emailChange: EmailChangeService;
}

/** What each flow tells the user, the same words through REST and GraphQL. */
export const ACCOUNT_EMAIL_MESSAGES = {
  verificationSent: 'A new link is on its way to your address.',
  verified: 'Your e-mail address is confirmed.',
  emailChanged: 'Your new e-mail address is in use.',
  // The same words whatever happened, so the answer tells nobody whether the address has an account.
  resetRequested: 'If an account uses this address, a link to reset its password is on its way.',
  passwordReset: 'Your password was changed and every session of the account was ended; sign in with the new password.',
} as const;
