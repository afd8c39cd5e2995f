import type { ParsedMail } from 'mailparser';
import { eventually } from '../../support/scratch-database';
import { freePort, SmtpSink } from '../mail/smtp-sink';
import { ApiClient } from '../../support/http';
import { startTestServer } from '../../support/test-server';

/** The mails the sink received for one address, oldest first. */
export function mailsTo(sink: SmtpSink, address: string): ParsedMail[] {
  const wanted = address.toLowerCase();
  return sink.messages.filter((mail) => [mail.to ?? []].flat().some((to) => to.value.some((entry) => entry.address?.toLowerCase() === wanted)));
}

/** Waits until `count` mails reached the address, and returns the newest. */
export async function nextMail(sink: SmtpSink, address: string, count = 1, timeoutMs = 15_000): Promise<ParsedMail> {
  await eventually(() => {
    if (mailsTo(sink, address).length < count) throw new Error(`${mailsTo(sink, address).length} of ${count} mails to ${address}`);
  }, timeoutMs);
  const mails = mailsTo(sink, address);
  return mails[mails.length - 1];
}

/** The token of the mail's link (`...?token=`), from its text part. */
export function linkToken(mail: ParsedMail): string {
  const match = /[?&]token=([A-Za-z0-9_-]{43})\b/.exec(mail.text ?? '');
  if (!match) throw new Error(`no link token in: ${mail.subject}`);
  return match[1];
}

/** The path of the mail's link, e.g. /account/verify-email. */
export function linkPath(mail: ParsedMail): string {
  const match = /(https?:\/\/[^\s]+\?token=)/.exec(mail.text ?? '');
  if (!match) throw new Error(`no link in: ${mail.subject}`);
  return new URL(match[1]).pathname;
}

/** A test server whose mails go to a real SMTP server of its own (`sink`), and how to stop both. */
export async function startServerWithSmtp(env: Record<string, string> = {}) {
  const sink = new SmtpSink(await freePort());
  await sink.start();
  const server = await startTestServer({ SMTP_URL: sink.url, ...env });
  return {
    sink,
    server,
    api: new ApiClient(server.url),
    async stop() {
      await server.stop();
      await sink.stop();
    },
  };
}
