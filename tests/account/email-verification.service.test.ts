import { EmailVerificationService } from '../../src/account/email-verification.service';
import type { AddressRateLimit } from '../../src/account/address-rate.limit';
import { OneTimeTokenExpiredError, OneTimeTokenInvalidError, OneTimeTokenUsedError } from '../../src/auth/tokens/one-time-token.errors';
import { ConflictError, TooManyRequestsError, UnauthenticatedError } from '../../src/platform/errors/domain.errors';
import { UserRole } from '../../src/users/user-role';
import type { Actor } from '../../src/context/request-context';
import { accountKit, USER_ID } from './account-services.kit';

const ada: Actor = { id: USER_ID, role: UserRole.USER, username: 'ada', sessionId: 's', tokenId: 't', tokenExpiresAt: new Date(0) };

function setUp(allowed = 3) {
  const kit = accountKit();
  let left = allowed;
  const limit = { consume: async () => { if ((left -= 1) < 0) throw new TooManyRequestsError('slow down', 60); } } as unknown as AddressRateLimit;
  return { ...kit, service: new EmailVerificationService(kit.commands, kit.tokens.service, limit) };
}

describe('EmailVerificationService (no database)', () => {
  it('asks for a new link for the signed-in user only, while unverified and within the limit', async () => {
    const env = setUp(1);
    env.user();
    await expect(env.service.requestVerification(env.context(null))).rejects.toBeInstanceOf(UnauthenticatedError);
    await env.service.requestVerification(env.context(ada));
    expect(env.events).toEqual([{ type: 'EmailVerificationRequested', userId: USER_ID }]);
    await expect(env.service.requestVerification(env.context(ada))).rejects.toBeInstanceOf(TooManyRequestsError);
    env.people.get(USER_ID)!.emailVerified = true;
    await expect(env.service.requestVerification(env.context(ada))).rejects.toBeInstanceOf(ConflictError);
  });

  it('verifies with the link once, audited; a link to an address the account no longer has proves nothing', async () => {
    const env = setUp();
    env.user();
    const { token } = await env.tokens.service.issue({} as never, { userId: USER_ID, purpose: 'verify_email', email: 'ada@example.com' });
    await expect(env.service.verifyEmail(env.context(null), { token })).resolves.toEqual({ email: 'ada@example.com' });
    expect(env.people.get(USER_ID)?.emailVerified).toBe(true);
    expect(env.audits().map((row) => row.action)).toEqual(['user.email_verified']);
    await expect(env.service.verifyEmail(env.context(null), { token })).rejects.toBeInstanceOf(OneTimeTokenUsedError);
    await expect(env.service.verifyEmail(env.context(null), { token: 'nope'.padEnd(43, 'x') })).rejects.toBeInstanceOf(OneTimeTokenInvalidError);

    const stale = await env.tokens.service.issue({} as never, { userId: USER_ID, purpose: 'verify_email', email: 'old@example.com' });
    await expect(env.service.verifyEmail(env.context(null), { token: stale.token })).rejects.toBeInstanceOf(OneTimeTokenExpiredError);
  });
});
