import { AccountLinks, AccountMailOutbox } from '../../src/account/account-mail.outbox';
import type { MailMessage } from '../../src/mail/mailer';
import type { DomainEvent } from '../../src/platform/commands/domain-event';
import { fakeLinkTokens } from './fake-link-tokens';

const ADA = { id: 'u-ada', email: 'ada@example.com', firstName: 'Ada', deletedAt: null };
const GRACE = { id: 'u-grace', email: 'grace@example.com', firstName: 'Grace', deletedAt: new Date('2030-01-01T00:00:00Z') };

/** The outbox over an EntityManager that knows two users (one deleted) and records nothing else. */
function setUp() {
  const tokens = fakeLinkTokens();
  const queued: MailMessage[] = [];
  const outbox = new AccountMailOutbox(tokens.service, { enqueue: async (_em, message) => void queued.push(message) }, new AccountLinks('https://id.example.com/account'));
  const em = { findOne: async (_entity: unknown, id: string) => [ADA, GRACE].find((user) => user.id === id) ?? null, flush: async () => undefined };
  const handle = (...events: object[]) => outbox.handle(em as never, events as DomainEvent[]);
  return { tokens, queued, handle };
}

const tokenOf = (url: string) => new URL(url).searchParams.get('token');

describe('AccountMailOutbox (no database)', () => {
  it('welcomes a sign-up with a verification link, unless told not to', async () => {
    const { queued, handle, tokens } = setUp();
    await handle({ type: 'UserCreated', userId: ADA.id, sendWelcome: false });
    expect(queued).toEqual([]);
    await handle({ type: 'UserCreated', userId: ADA.id, sendWelcome: true });
    expect(queued).toEqual([{ template: 'welcome', to: ADA.email, params: { name: 'Ada', verifyUrl: expect.stringMatching(/^https:\/\/id\.example\.com\/account\/verify-email\?token=/) } }]);
    const token = tokenOf((queued[0].params as { verifyUrl: string }).verifyUrl)!;
    expect(tokens.rows.get(token)).toMatchObject({ userId: ADA.id, purpose: 'verify_email', email: ADA.email });
  });

  it('mails a reset link that says how long it works', async () => {
    const { queued, handle } = setUp();
    await handle({ type: 'PasswordResetRequested', userId: ADA.id });
    expect(queued).toEqual([{ template: 'password-reset', to: ADA.email, params: { name: 'Ada', resetUrl: expect.stringContaining('/account/reset-password?token='), expiresInMinutes: 30 } }]);
  });

  it("sends an owner's change a confirmation link to the new address, and the old one a notice without a link", async () => {
    const { queued, handle, tokens } = setUp();
    await handle({ type: 'EmailChangeRequested', userId: ADA.id, newEmail: 'ada@new.example', currentEmail: ADA.email });
    expect(queued.map((mail) => [mail.template, mail.to])).toEqual([['email-change-confirm', 'ada@new.example'], ['email-changed-notice', ADA.email]]);
    expect(JSON.stringify(queued[1])).not.toMatch(/token/);
    const token = tokenOf((queued[0].params as { confirmUrl: string }).confirmUrl)!;
    expect(tokens.rows.get(token)).toMatchObject({ purpose: 'change_email', email: 'ada@new.example' });
  });

  it("on an admin's change: older links stop working, the new address gets a verification link, the old a notice", async () => {
    const { queued, handle, tokens } = setUp();
    await handle({ type: 'EmailChangeRequested', userId: ADA.id, newEmail: 'pending@example.com', currentEmail: ADA.email });
    const pending = tokenOf((queued[0].params as { confirmUrl: string }).confirmUrl)!;
    queued.length = 0;
    await handle({ type: 'EmailAddressChanged', userId: ADA.id, email: ADA.email, previousEmail: 'old@example.com', verified: false, byAdmin: true });
    expect(tokens.rows.get(pending)?.superseded).toBe(true);
    expect(queued.map((mail) => [mail.template, mail.to])).toEqual([['verify-email', ADA.email], ['email-changed-notice', 'old@example.com']]);
    expect(queued[1].params).toMatchObject({ applied: true });
  });

  it('sends nothing for a change the owner confirmed, and stops reset links on a new password', async () => {
    const { queued, handle, tokens } = setUp();
    await handle({ type: 'PasswordResetRequested', userId: ADA.id });
    const reset = tokenOf((queued[0].params as { resetUrl: string }).resetUrl)!;
    queued.length = 0;
    await handle({ type: 'EmailAddressChanged', userId: ADA.id, email: ADA.email, previousEmail: 'old@example.com', verified: true, byAdmin: false });
    expect(queued).toEqual([]);
    await handle({ type: 'UserChanged', userId: ADA.id, fields: ['lastName'] });
    expect(tokens.rows.get(reset)?.superseded).toBe(false);
    await handle({ type: 'UserChanged', userId: ADA.id, fields: ['password', 'securityStamp'] });
    expect(tokens.rows.get(reset)?.superseded).toBe(true);
  });

  it('fails the write rather than mail a user that is gone', async () => {
    const { handle } = setUp();
    await expect(handle({ type: 'UserCreated', userId: 'u-gone', sendWelcome: true })).rejects.toThrow(/gone/);
    await expect(handle({ type: 'PasswordResetRequested', userId: GRACE.id })).rejects.toThrow(/gone/);
  });
});
