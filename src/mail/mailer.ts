import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { devMailboxDir } from './dev-mailbox';
import { MailRenderer, type MailTemplateName, type MailTemplates } from './mail.templates';

export interface MailSettings {
  /** smtp:// or smtps://, credentials in the URL. Unset: mails go to `dataDir`/mail as .eml files (development). */
  smtpUrl?: string;
  /** The From header, e.g. `"Acme Accounts" <no-reply@acme.example>`. */
  from: string;
  appName: string;
  dataDir: string;
}

export interface MailerLogger {
  info(object: object, message: string): void;
}

/** A mail to send: which template, to whom, with what. This is also the `mail.send` job's data. */
export type MailMessage = {
  [N in MailTemplateName]: { template: N; to: string; params: MailTemplates[N] };
}[MailTemplateName];

export interface SentMail {
  messageId: string;
  /** Development mailbox only: where the .eml was written. */
  file?: string;
}

/** Values that are links, for the development log line. */
function linksOf(params: object): string[] {
  return Object.values(params).filter((value): value is string => typeof value === 'string' && /^https?:\/\//.test(value));
}

/**
 * Renders and sends the API's mails. With SMTP_URL, over SMTP (errors carry nodemailer's
 * `responseCode`, which the mail.send job reads to tell a retry from a dead letter); without it, each
 * mail is written to DATA_DIR/mail/ and its link logged, so a newcomer can follow it.
 */
export class Mailer {
  private readonly renderer: MailRenderer;
  private readonly transport: Transporter;
  private readonly toFiles: boolean;

  constructor(private readonly settings: MailSettings, private readonly logger: MailerLogger) {
    this.renderer = new MailRenderer(settings.appName);
    this.toFiles = !settings.smtpUrl;
    this.transport = settings.smtpUrl
      ? nodemailer.createTransport(settings.smtpUrl, {
          // A mail server that does not answer must not hold a job for nodemailer's default 2 minutes.
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 30_000,
        } as never)
      : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  /** "smtp" or "files", for the start banner. */
  get mode(): 'smtp' | 'files' {
    return this.toFiles ? 'files' : 'smtp';
  }

  async send(message: MailMessage): Promise<SentMail> {
    const rendered = this.renderer.render(message.template, message.params as never);
    const info = await this.transport.sendMail({ from: this.settings.from, to: message.to, subject: rendered.subject, text: rendered.text, html: rendered.html });
    if (!this.toFiles) return { messageId: info.messageId };

    const dir = devMailboxDir(this.settings.dataDir);
    await mkdir(dir, { recursive: true });
    const id = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
    const file = join(dir, `${id}.eml`);
    await writeFile(file, info.message as Buffer);
    const links = linksOf(message.params);
    const entry = { id, to: message.to, subject: rendered.subject, template: message.template, date: new Date().toISOString(), links };
    // Written aside and renamed: a listing never reads half an entry.
    await writeFile(join(dir, `${id}.json.tmp`), `${JSON.stringify(entry)}\n`);
    await rename(join(dir, `${id}.json.tmp`), join(dir, `${id}.json`));
    this.logger.info({ mail: { to: message.to, subject: rendered.subject, file, links } }, `mail written to the development mailbox: ${links.join(' ') || file}`);
    return { messageId: info.messageId, file };
  }

  /** Closes pooled SMTP connections (a no-op otherwise). */
  close(): void {
    this.transport.close();
  }
}
