import { PasswordResetService, type ResetRequest } from '../../src/account/password-reset.service';
import { OneTimeTokenUsedError } from '../../src/auth/tokens/one-time-token.errors';
import { ForbiddenError, ValidationError } from '../../src/platform/errors/domain.errors';
import type { AddressRateLimit } from '../../src/account/address-rate.limit';
import type { LoginThrottle } from '../../src/auth/throttle/login.throttle';
import { accountKit, USER_ID } from './account-services.kit';

function setUp(options: { enabled?: boolean; allows?: boolean } = {}) {
  const kit = accountKit();
  const requests: ResetRequest[] = [];
  const limit = { allows: async () => options.allows ?? true } as unknown as AddressRateLimit;
  const throttle = { recordSuccess: async () => undefined } as unknown as LoginThrottle;
  const service = new PasswordResetService({ enabled: options.enabled ?? true }, kit.commands, kit.tokens.service, kit.hasher, throttle, limit, { enqueue: async (request) => void requests.push(request) });
  return { ...kit, service, requests };
}

describe('PasswordResetService (no database)', () => {
  it('hands every request to the queue by its comparison key, known address or not, and nothing over the per-address limit', async () => {
    const env = setUp();
    await env.service.requestReset(env.context(null), { email: ' Ada@Example.COM ' });
    await env.service.requestReset(env.context(null), { email: 'nobody@example.com' });
    expect(env.requests).toEqual([{ emailKey: 'ada@example.com', ipAddress: '203.0.113.7' }, { emailKey: 'nobody@example.com', ipAddress: '203.0.113.7' }]);
    const limited = setUp({ allows: false });
    await limited.service.requestReset(limited.context(null), { email: 'ada@example.com' });
    expect(limited.requests).toEqual([]);
  });

  it('is refused when turned off, and asks for an email', async () => {
    await expect(setUp({ enabled: false }).service.requestReset(setUp().context(null), { email: 'a@b.c' })).rejects.toBeInstanceOf(ForbiddenError);
    const env = setUp();
    await expect(env.service.requestReset(env.context(null), {})).rejects.toBeInstanceOf(ValidationError);
  });

  it('the job mails only a live, active account, audited', async () => {
    const env = setUp();
    env.user();
    const em = env.context(null).em;
    await expect(env.service.sendResetLink(em, { emailKey: 'nobody@example.com', ipAddress: 'ip' })).resolves.toBe(false);
    await expect(env.service.sendResetLink(em, { emailKey: 'ada@example.com', ipAddress: 'ip' })).resolves.toBe(true);
    expect(env.events).toEqual([{ type: 'PasswordResetRequested', userId: USER_ID }]);
    expect(env.audits()).toEqual([{ action: 'auth.password_reset_requested', entityId: USER_ID, userId: USER_ID }]);
    env.people.get(USER_ID)!.isActive = false;
    await expect(env.service.sendResetLink(em, { emailKey: 'ada@example.com', ipAddress: 'ip' })).resolves.toBe(false);
    expect(env.events).toHaveLength(1);
  });

  it('sets the password under the rules, ends every session, verifies the address it reached, and works once', async () => {
    const env = setUp();
    env.user();
    const { token } = await env.tokens.service.issue({} as never, { userId: USER_ID, purpose: 'reset_password', email: 'ada@example.com' });
    await expect(env.service.resetPassword(env.context(null), { token, newPassword: 'Old-passw0rd!' })).rejects.toBeInstanceOf(ValidationError);
    await expect(env.service.resetPassword(env.context(null), { token, newPassword: 'Older-passw0rd!' })).rejects.toBeInstanceOf(ValidationError);
    await env.service.resetPassword(env.context(null), { token, newPassword: 'Brand-new-passw0rd!' });
    expect(env.people.get(USER_ID)).toMatchObject({ passwordHash: 'hash:Brand-new-passw0rd!', securityStamp: 'stamp-2', emailVerified: true });
    expect(env.endedSessions).toEqual(['s-1', 's-2']);
    expect(env.audits().map((row) => row.action)).toEqual(['auth.password_reset']);
    expect(env.events).toEqual(expect.arrayContaining([{ type: 'PasswordChanged', userId: USER_ID, via: 'reset' }, { type: 'SessionsEnded', sessionIds: ['s-1', 's-2'], userId: USER_ID, reason: 'password_reset' }, { type: 'UserChanged', userId: USER_ID, fields: ['password', 'securityStamp', 'emailVerified'] }]));
    await expect(env.service.resetPassword(env.context(null), { token, newPassword: 'Another-passw0rd!' })).rejects.toBeInstanceOf(OneTimeTokenUsedError);
  });
});
