import { EmailChangeService } from '../../src/account/email-change.service';
import { OneTimeTokenExpiredError, OneTimeTokenUsedError } from '../../src/auth/tokens/one-time-token.errors';
import { accountKit, USER_ID } from './account-services.kit';

function setUp() {
  const kit = accountKit();
  return { ...kit, service: new EmailChangeService(kit.commands, kit.tokens.service) };
}

describe('EmailChangeService (no database)', () => {
  it('applies the pending address, verified, when its link is used; once', async () => {
    const env = setUp();
    env.user({ pendingEmail: 'ada@new.example' });
    const { token } = await env.tokens.service.issue({} as never, { userId: USER_ID, purpose: 'change_email', email: 'ada@new.example' });
    await expect(env.service.confirmEmailChange(env.context(null), { token })).resolves.toEqual({ email: 'ada@new.example' });
    expect(env.people.get(USER_ID)).toMatchObject({ email: 'ada@new.example', emailKey: 'ada@new.example', emailVerified: true, pendingEmail: null });
    expect(env.events).toEqual(expect.arrayContaining([{ type: 'EmailAddressChanged', userId: USER_ID, email: 'ada@new.example', previousEmail: 'ada@example.com', verified: true, byAdmin: false }]));
    await expect(env.service.confirmEmailChange(env.context(null), { token })).rejects.toBeInstanceOf(OneTimeTokenUsedError);
  });

  it('refuses a link for a change that is no longer the pending one', async () => {
    const env = setUp();
    env.user({ pendingEmail: 'newer@example.com' });
    const { token } = await env.tokens.service.issue({} as never, { userId: USER_ID, purpose: 'change_email', email: 'older@example.com' });
    await expect(env.service.confirmEmailChange(env.context(null), { token })).rejects.toBeInstanceOf(OneTimeTokenExpiredError);
    expect(env.people.get(USER_ID)?.email).toBe('ada@example.com');
  });
});
