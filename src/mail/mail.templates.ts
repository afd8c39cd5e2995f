import { Eta } from 'eta';
import { emailChangeConfirmTemplate, emailChangedNoticeTemplate, passwordResetTemplate, verifyEmailTemplate, welcomeTemplate } from './templates/account.templates';
import { htmlLayout } from './templates/layout.template';

/** Every mail the API sends, with the values each needs. URLs are complete links (PUBLIC_URL + path + token). */
export interface MailTemplates {
  /** Sign-up or admin creation: welcome plus the verification link. */
  welcome: { name: string; verifyUrl: string };
  /** A new verification link, asked for by the user or after an admin changed the address. */
  'verify-email': { name: string; verifyUrl: string };
  'password-reset': { name: string; resetUrl: string; expiresInMinutes: number };
  /** Sent to the NEW address: confirm it is yours. */
  'email-change-confirm': { name: string; confirmUrl: string; newEmail: string };
  /** Sent to the OLD address: a change was asked for. Carries no link and no secret. */
  'email-changed-notice': { name: string; newEmail: string; /** An admin's change, already applied (else: waiting for confirmation). */ applied?: boolean };
}

export type MailTemplateName = keyof MailTemplates;

export interface TemplateSource {
  subject: string;
  text: string;
  /** The body only; the layout wraps it. */
  html: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const SOURCES: Record<MailTemplateName, TemplateSource> = {
  welcome: welcomeTemplate,
  'verify-email': verifyEmailTemplate,
  'password-reset': passwordResetTemplate,
  'email-change-confirm': emailChangeConfirmTemplate,
  'email-changed-notice': emailChangedNoticeTemplate,
};

export const MAIL_TEMPLATE_NAMES = Object.keys(SOURCES) as MailTemplateName[];

export class UnknownMailTemplateError extends Error {
  constructor(name: string) {
    super(`unknown mail template: ${name}`);
    this.name = 'UnknownMailTemplateError';
  }
}

/** `someone@example.com` -> `s*****e@example.com`: enough for the owner to recognise, not to harvest. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  const local = address.slice(0, at);
  const shown = local.length <= 2 ? `${local[0]}*` : `${local[0]}${'*'.repeat(Math.min(local.length - 2, 5))}${local[local.length - 1]}`;
  return `${shown}${address.slice(at)}`;
}

/**
 * Renders the text and HTML parts with eta. HTML escapes every value; the text part and subject do
 * not (they are not HTML), but lose line breaks in values, so a name cannot add lines or headers.
 */
export class MailRenderer {
  private readonly html = new Eta({ autoEscape: true, autoTrim: false, cache: true });
  private readonly text = new Eta({ autoEscape: false, autoTrim: false, cache: true });

  constructor(private readonly appName: string) {
    for (const [name, source] of Object.entries(SOURCES)) {
      this.html.loadTemplate(`@${name}`, source.html);
      this.text.loadTemplate(`@${name}.text`, source.text);
      this.text.loadTemplate(`@${name}.subject`, source.subject);
    }
    this.html.loadTemplate('@layout', htmlLayout);
  }

  render<N extends MailTemplateName>(name: N, params: MailTemplates[N]): RenderedMail {
    if (!Object.hasOwn(SOURCES, name)) throw new UnknownMailTemplateError(String(name));
    const values = { ...params, appName: this.appName, maskedNewEmail: 'newEmail' in params ? maskAddress(params.newEmail) : undefined };
    const oneLine = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, typeof value === 'string' ? value.replace(/[\r\n\u2028\u2029]+/g, ' ') : value]));
    const subject = this.text.render(`@${name}.subject`, oneLine).trim();
    const text = this.text.render(`@${name}.text`, oneLine);
    const body = this.html.render(`@${name}`, values);
    const html = this.html.render('@layout', { appName: this.appName, subject, body });
    return { subject, text, html };
  }
}
