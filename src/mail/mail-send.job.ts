import { PermanentJobError } from '../jobs/job.errors';
import type { JobHandler, QueueDefinition } from '../jobs/job.types';
import { UnknownMailTemplateError } from './mail.templates';
import type { MailMessage, Mailer } from './mailer';

export const MAIL_SEND_QUEUE = 'mail.send';

/**
 * The mail queue: about a day of retries (backoff doubling up to an hour) before a mail goes to
 * `mail.send.dead`. Sent jobs are deleted after an hour: their data holds an address and a link.
 */
export const mailSendQueue: QueueDefinition = {
  name: MAIL_SEND_QUEUE,
  retryLimit: 12,
  retryDelaySeconds: 10,
  retryDelayMaxSeconds: 3600,
  expireInSeconds: 120,
  deleteAfterSeconds: 3600,
};

/**
 * SMTP answers 5xx for what will never work (no such mailbox, refused sender): dead letter at once.
 * 4xx (greylisting, full mailbox, busy server) and connection failures are worth another try.
 */
export function isPermanentMailFailure(error: unknown): boolean {
  if (error instanceof UnknownMailTemplateError) return true;
  const responseCode = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600;
}

/** The `mail.send` job handler: `jobs.handle(MAIL_SEND_QUEUE, mailSendHandler(mailer))`. */
export function mailSendHandler(mailer: Pick<Mailer, 'send'>): JobHandler<MailMessage> {
  return async (message) => {
    try {
      await mailer.send(message);
    } catch (error) {
      if (isPermanentMailFailure(error)) throw new PermanentJobError(error instanceof Error ? error.message : String(error), { cause: error });
      throw error;
    }
  };
}
