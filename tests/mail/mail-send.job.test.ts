import { PermanentJobError } from '../../src/jobs/job.errors';
import { isPermanentMailFailure, mailSendHandler } from '../../src/mail/mail-send.job';
import { UnknownMailTemplateError } from '../../src/mail/mail.templates';
import type { MailMessage } from '../../src/mail/mailer';

const smtpError = (responseCode?: number, code = 'EENVELOPE') => Object.assign(new Error(`${responseCode ?? ''} refused`), { responseCode, code });
const message: MailMessage = { template: 'verify-email', to: 'a@example.com', params: { name: 'A', verifyUrl: 'https://x/v?token=t' } };
const context = { id: 'j', queue: 'mail.send', attempt: 1, retriesLeft: 3, signal: new AbortController().signal };

describe('the mail.send job', () => {
  it.each([
    [smtpError(550), true],
    [smtpError(554), true],
    [smtpError(421), false],
    [smtpError(451), false],
    [smtpError(undefined, 'ECONNREFUSED'), false],
    [Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }), false],
    [new UnknownMailTemplateError('x'), true],
    [null, false],
  ])('classifies %p as permanent: %p', (error, permanent) => {
    expect(isPermanentMailFailure(error)).toBe(permanent);
  });

  it('sends the message; a 5xx becomes a PermanentJobError (dead letter), anything else is rethrown as is (retry)', async () => {
    const send = jest.fn(async () => ({ messageId: 'm' }));
    await mailSendHandler({ send })(message, context);
    expect(send).toHaveBeenCalledWith(message);

    send.mockRejectedValueOnce(smtpError(550));
    await expect(mailSendHandler({ send })(message, context)).rejects.toBeInstanceOf(PermanentJobError);

    const busy = smtpError(421);
    send.mockRejectedValueOnce(busy);
    await expect(mailSendHandler({ send })(message, context)).rejects.toBe(busy);
  });
});
