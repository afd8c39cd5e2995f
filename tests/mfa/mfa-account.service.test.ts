import type { Actor } from '../../src/context/request-context';
import { MfaAccountService } from '../../src/mfa/mfa-account.service';
import type { MfaServiceFactory } from '../../src/mfa/mfa-service.factory';
import { ReauthenticationRequiredError } from '../../src/mfa/step-up.policy';
import { ForbiddenError, NotFoundError } from '../../src/platform/errors/domain.errors';
import { User } from '../../src/users/user.entity';
import { Session } from '../../src/auth/sessions/session.entity';
import { UserRole } from '../../src/users/user-role';
import { UserService } from '../../src/users/user.service';
import { fakeUnitOfWork } from '../support/fake-unit-of-work';
import { mfaKit } from './mfa-test-kit';

const USER_ID = '11111111-1111-4111-8111-111111111111';
const ADMIN_ID = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';

function setUp() {
  const kit = mfaKit();
  const nowSeconds = () => Math.floor(kit.time.ms / 1000);
  const actor = (id: string, role: UserRole, signedInSecondsAgo = 10): Actor => ({ id, role, username: id.slice(0, 8), sessionId: 's', tokenId: 't', tokenExpiresAt: new Date(0), amr: ['pwd'], authTime: nowSeconds() - signedInSecondsAgo });
  const people = new Map([[USER_ID, { id: USER_ID, role: UserRole.USER, securityStamp: 'stamp-1' }], [ADMIN_ID, { id: ADMIN_ID, role: UserRole.ADMIN, securityStamp: 'stamp-1' }]]);
  const users = {
    findById: async (id: string) => people.get(id) ?? null,
    findOne: async ({ id }: { id: string }) => people.get(id) ?? null,
    renewStamp: (user: { securityStamp: string }) => void (user.securityStamp = 'stamp-2'),
  };
  const sessions = { deleteByUserId: async (id: string) => (id === USER_ID ? ['s-1'] : []) };
  const uow = fakeUnitOfWork(new Map<Function, object>([[User, users], [Session, sessions]]));
  const userService = new UserService({ signupEnabled: true, requireVersionPrecondition: false }, {} as never, uow.commands, {} as never, {} as never);
  const factory = { on: () => kit.service } as unknown as MfaServiceFactory;
  const service = new MfaAccountService(factory, uow.commands, userService, () => kit.time.ms);
  return { ...uow, kit, service, actor, people };
}

/** Enrols the user: setup, then the first code. */
async function enrol(env: ReturnType<typeof setUp>, who: Actor) {
  const setup = await env.service.beginTotpSetup(env.context(who));
  return env.service.confirmTotp(env.context(who), { code: env.kit.totp.generate(setup.secret) });
}

describe('MfaAccountService (no database)', () => {
  it('enrols with a setup and a code, audits both, and answers ten recovery codes', async () => {
    const env = setUp();
    const user = env.actor(USER_ID, UserRole.USER);
    const { recoveryCodes } = await enrol(env, user);
    expect(recoveryCodes).toHaveLength(10);
    expect(await env.service.status(env.context(user))).toEqual({ totp: true, passkeys: 0, recoveryCodesLeft: 10 });
    expect(env.audits()).toEqual([
      { action: 'mfa.totp_setup_started', entityId: USER_ID, userId: USER_ID },
      { action: 'mfa.totp_enabled', entityId: USER_ID, userId: USER_ID },
    ]);
  });

  it('turns TOTP off and renews recovery codes only within 5 minutes of a sign-in', async () => {
    const env = setUp();
    await enrol(env, env.actor(USER_ID, UserRole.USER));
    const stale = env.context(env.actor(USER_ID, UserRole.USER, 301));
    await expect(env.service.disableTotp(stale)).rejects.toBeInstanceOf(ReauthenticationRequiredError);
    await expect(env.service.regenerateRecoveryCodes(stale)).rejects.toBeInstanceOf(ReauthenticationRequiredError);
    const legacy = env.context({ ...env.actor(USER_ID, UserRole.USER), amr: undefined, authTime: undefined });
    await expect(env.service.disableTotp(legacy)).rejects.toBeInstanceOf(ReauthenticationRequiredError);
    expect(env.audits().map((row) => row.action)).toEqual(['mfa.totp_setup_started', 'mfa.totp_enabled']);

    const fresh = env.context(env.actor(USER_ID, UserRole.USER, 299));
    expect((await env.service.regenerateRecoveryCodes(fresh)).recoveryCodes).toHaveLength(10);
    await env.service.disableTotp(fresh);
    expect(await env.service.status(fresh)).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0 });
    expect(env.audits().map((row) => row.action).slice(2)).toEqual(['mfa.recovery_codes_regenerated', 'mfa.totp_disabled']);
  });

  it('lets only a recently signed-in admin reset a user, audited with what was removed, and ends its sessions', async () => {
    const env = setUp();
    await enrol(env, env.actor(USER_ID, UserRole.USER));
    await expect(env.service.reset(env.context(env.actor(USER_ID, UserRole.USER)), USER_ID)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(env.service.reset(env.context(env.actor(ADMIN_ID, UserRole.ADMIN, 600)), USER_ID)).rejects.toBeInstanceOf(ReauthenticationRequiredError);
    const admin = env.context(env.actor(ADMIN_ID, UserRole.ADMIN));
    await env.service.reset(admin, USER_ID);
    expect(env.committed.at(-1)).toMatchObject({ action: 'mfa.reset', entityId: USER_ID, oldValues: { totp: true, passkeys: 0, recoveryCodesLeft: 10 } });
    expect(await env.kit.service.status(USER_ID)).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0 });
    expect(env.people.get(USER_ID)?.securityStamp).toBe('stamp-2');
    expect(env.events).toEqual(expect.arrayContaining([{ type: 'SessionsEnded', sessionIds: ['s-1'], userId: USER_ID, reason: 'mfa_reset' }, { type: 'UserChanged', userId: USER_ID, fields: ['securityStamp'] }]));
    // Nothing left to reset: said, not silently audited again.
    await expect(env.service.reset(admin, USER_ID)).rejects.toBeInstanceOf(NotFoundError);
  });
});
