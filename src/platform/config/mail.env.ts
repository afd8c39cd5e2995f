import { z } from 'zod';

const booleanFromString = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const httpUrl = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//.test(value), 'must be an http(s):// URL')
  // Links are built by appending paths: a trailing slash would double it.
  .transform((value) => value.replace(/\/+$/, ''));

/**
 * The e-mail flows' variables (issue 14): how mail leaves (SMTP_URL, or files for development),
 * what it says it is from, and where its links point. Their rules live here once.
 */
export const mailEnvFields = {
  // smtp:// or smtps://, credentials in the URL. Unset: mails are written to DATA_DIR/mail (development).
  SMTP_URL: z
    .string()
    .url()
    .refine((value) => /^smtps?:\/\//.test(value), 'must be an smtp:// or smtps:// URL')
    .optional(),
  // smtp: SMTP_URL is required; files: DATA_DIR/mail on purpose (no warning in production).
  MAIL_TRANSPORT: z.enum(['smtp', 'files']).optional(),
  MAIL_FROM: z.string().min(3).default('"User API" <no-reply@localhost>'),
  APP_NAME: z.string().min(1).max(64).default('User API'),
  // Where users reach this API; links in mails start here. Default: http://localhost:PORT.
  PUBLIC_URL: httpUrl.optional(),
  // Where the three account pages live (verify-email, reset-password, confirm-email); a frontend may own them.
  ACCOUNT_LINK_BASE_URL: httpUrl.optional(),
  REQUIRE_VERIFIED_EMAIL: booleanFromString.default('false'),
  PASSWORD_RESET_ENABLED: booleanFromString.default('true'),
};

/**
 * MAIL_TRANSPORT=smtp makes SMTP_URL required (what a production deployment should set). Without
 * either, mails go to DATA_DIR/mail; in production the server says so loudly at start (see
 * mailTransportWarning) rather than refusing to start, so an image run with only a database and a
 * JWT secret still serves.
 */
export function checkMailTransport(env: { SMTP_URL?: string; MAIL_TRANSPORT?: 'smtp' | 'files' }, ctx: z.RefinementCtx): void {
  if (env.MAIL_TRANSPORT === 'smtp' && env.SMTP_URL === undefined) {
    ctx.addIssue({ code: 'custom', path: ['SMTP_URL'], message: 'is required when MAIL_TRANSPORT=smtp' });
  }
  if (env.MAIL_TRANSPORT === 'files' && env.SMTP_URL !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['MAIL_TRANSPORT'], message: 'is files, but SMTP_URL is set: choose one' });
  }
}

/** What production without SMTP_URL means for users, unless MAIL_TRANSPORT=files says it is on purpose. */
export function mailTransportWarning(config: { env: string; signupEnabled: boolean; mail: Pick<MailConfig, 'smtpUrl' | 'transport' | 'passwordResetEnabled'> }): string | null {
  if (config.env !== 'production' || config.mail.smtpUrl !== undefined || config.mail.transport === 'files') return null;
  if (!config.signupEnabled && !config.mail.passwordResetEnabled) return null;
  return 'SMTP_URL is not set: verification and password-reset mails are written to DATA_DIR/mail, where nobody reads them. Set SMTP_URL (and MAIL_TRANSPORT=smtp to make it required), or MAIL_TRANSPORT=files if this is on purpose.';
}

export interface MailConfig {
  smtpUrl: string | undefined;
  /** As configured; unset means SMTP when SMTP_URL is set, else files. */
  transport: 'smtp' | 'files' | undefined;
  from: string;
  appName: string;
  publicUrl: string;
  /** Base of the links in mails: `${linkBaseUrl}/verify-email?token=...`. */
  linkBaseUrl: string;
  requireVerifiedEmail: boolean;
  passwordResetEnabled: boolean;
}

export function mailConfigOf(env: {
  PORT: number;
  SMTP_URL?: string;
  MAIL_TRANSPORT?: 'smtp' | 'files';
  MAIL_FROM: string;
  APP_NAME: string;
  PUBLIC_URL?: string;
  ACCOUNT_LINK_BASE_URL?: string;
  REQUIRE_VERIFIED_EMAIL: boolean;
  PASSWORD_RESET_ENABLED: boolean;
}): MailConfig {
  const publicUrl = env.PUBLIC_URL ?? `http://localhost:${env.PORT}`;
  return {
    smtpUrl: env.SMTP_URL,
    transport: env.MAIL_TRANSPORT,
    from: env.MAIL_FROM,
    appName: env.APP_NAME,
    publicUrl,
    linkBaseUrl: env.ACCOUNT_LINK_BASE_URL ?? `${publicUrl}/account`,
    requireVerifiedEmail: env.REQUIRE_VERIFIED_EMAIL,
    passwordResetEnabled: env.PASSWORD_RESET_ENABLED,
  };
}
