import { PasswordService } from '../../../src/auth/passwords/password.service';
import { PasswordHistory } from '../../../src/auth/passwords/password-history.entity';
import type { PasswordHasher } from '../../../src/auth/passwords/password.hasher';
import { Session } from '../../../src/auth/sessions/session.entity';
import { LoginThrottle } from '../../../src/auth/throttle/login.throttle';
import { MemoryLoginAttemptStore } from '../../../src/auth/throttle/memory-login-attempt.store';
import type { Actor } from '../../../src/context/request-context';
import { ConflictError, ForbiddenError, TooManyRequestsError, ValidationError } from '../../../src/platform/errors/domain.errors';
import { RedisFailureReporter } from '../../../src/platform/redis/redis-failure.reporter';
import { createLogger } from '../../../src/platform/observability/logger';
import { User } from '../../../src/users/user.entity';
import { UserRole } from '../../../src/users/user-role';
import { UserService } from '../../../src/users/user.service';
import { fakeUnitOfWork } from '../../support/fake-unit-of-work';

const OWNER_ID = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const ADMIN_ID = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
// Signed in just now: changing a password is a step-up action (issue 16).
const signedInNow = { amr: ['pwd'], authTime: Math.floor(Date.now() / 1000) };
const OWNER: Actor = { id: OWNER_ID, username: 'owner', role: UserRole.USER, sessionId: 'own-session', tokenId: 't', tokenExpiresAt: new Date(0), ...signedInNow };
const ADMIN: Actor = { id: ADMIN_ID, username: 'admin', role: UserRole.ADMIN, sessionId: 'admin-session', tokenId: 't', tokenExpiresAt: new Date(0), ...signedInNow };
const MODERATOR: Actor = { ...ADMIN, id: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc', role: UserRole.MODERATOR };
import { ReauthenticationRequiredError } from '../../../src/mfa/step-up.policy';

const OLD = 'Old-passw0rd!';
const NEW = 'New-passw0rd!';

/** A hash that is the password's name: what is verified is the rule, not argon2. */
const hasher = { hash: async (password: string) => `h:${password}`, verify: async (hash: string, password: string) => hash === `h:${password}` } as unknown as PasswordHasher;

function setUp(options: { history?: string[]; changedMeanwhile?: boolean } = {}) {
  const owner = { id: OWNER_ID, role: UserRole.USER, username: 'owner', email: 'owner@example.com', passwordHash: `h:${OLD}`, securityStamp: 'stamp-1', deletedAt: null } as unknown as User;
  const restamped: string[] = [];
  const users = {
    findById: async (id: string) => (id === OWNER_ID ? owner : null),
    // Under the lock: another change may have committed since the current password was checked.
    findOne: async () => (options.changedMeanwhile ? { ...owner, passwordHash: 'h:someone-else' } : owner),
    renewStamp: (user: User) => void (user.securityStamp = 'stamp-2'),
  };
  const sessions = {
    restamp: async (id: string, stamp: string) => void restamped.push(`${id}@${stamp}`),
    deleteByUserId: async (_userId: string, except?: string) => ['s-1', 's-2', 'own-session'].filter((id) => id !== except),
  };
  const history = { find: async () => (options.history ?? []).map((password) => ({ passwordHash: `h:${password}` })) };
  const uow = fakeUnitOfWork(new Map<Function, object>([[User, users], [Session, sessions], [PasswordHistory, history]]));
  const userService = new UserService({ signupEnabled: true, requireVersionPrecondition: false }, hasher, uow.commands, {} as never, {} as never);
  const throttle = new LoginThrottle(new MemoryLoginAttemptStore(), { maxFailuresPerIp: 2, maxFailuresPerAccount: 100, windowSeconds: 60 }, new RedisFailureReporter(createLogger('silent')));
  const service = new PasswordService(userService, hasher, uow.commands, throttle);
  return { ...uow, service, owner, restamped };
}

describe('PasswordService.changePassword (no database)', () => {
  it("changes the owner's password: other sessions end, the caller's is re-stamped, caches are told after the commit", async () => {
    const { service, context, owner, restamped, audits, events } = setUp();
    await service.changePassword(context(OWNER), OWNER_ID, { currentPassword: OLD, newPassword: NEW });
    expect(owner).toMatchObject({ passwordHash: `h:${NEW}`, securityStamp: 'stamp-2' });
    expect(restamped).toEqual(['own-session@stamp-2']);
    expect(audits()).toEqual([{ action: 'auth.password_changed', entityId: OWNER_ID, userId: OWNER_ID }]);
    expect(events).toEqual([
      { type: 'PasswordChanged', userId: OWNER_ID, via: 'self' },
      { type: 'SessionsEnded', sessionIds: ['s-1', 's-2'], userId: OWNER_ID, reason: 'password_changed' },
      { type: 'SessionChanged', sessionId: 'own-session' },
      { type: 'UserChanged', userId: OWNER_ID, fields: ['password', 'securityStamp'] },
    ]);
  });

  it("lets an admin reset another's password without it, ending all of that user's sessions", async () => {
    const { service, context, restamped, events } = setUp();
    await service.changePassword(context(ADMIN), OWNER_ID, { newPassword: NEW });
    expect(restamped).toEqual([]);
    expect(events.slice(0, 2)).toEqual([
      { type: 'PasswordChanged', userId: OWNER_ID, via: 'admin' },
      { type: 'SessionsEnded', sessionIds: ['s-1', 's-2', 'own-session'], userId: OWNER_ID, reason: 'password_changed' },
    ]);
  });

  it('asks the owner and an admin alike for a sign-in within 5 minutes, before any password is checked', async () => {
    const { service, context, owner, committed } = setUp();
    const stale = { authTime: Math.floor(Date.now() / 1000) - 301 };
    for (const actor of [{ ...OWNER, ...stale }, { ...ADMIN, ...stale }, { ...OWNER, amr: undefined, authTime: undefined }]) {
      await expect(service.changePassword(context(actor), OWNER_ID, { currentPassword: 'Wrong-passw0rd!', newPassword: NEW })).rejects.toBeInstanceOf(ReauthenticationRequiredError);
    }
    expect(owner.passwordHash).toBe(`h:${OLD}`);
    expect(committed).toEqual([]);
    // No guess was counted: the owner, signed in now, is not locked out.
    await service.changePassword(context(OWNER), OWNER_ID, { currentPassword: OLD, newPassword: NEW });
  });

  it('refuses a moderator, and changes nothing', async () => {
    const { service, context, owner, events } = setUp();
    await expect(service.changePassword(context(MODERATOR), OWNER_ID, { newPassword: NEW })).rejects.toBeInstanceOf(ForbiddenError);
    expect(owner.passwordHash).toBe(`h:${OLD}`);
    expect(events).toEqual([]);
  });

  it('counts wrong current passwords like failed logins and then locks the owner out', async () => {
    const { service, context, owner, committed } = setUp();
    const wrong = () => service.changePassword(context(OWNER), OWNER_ID, { currentPassword: 'Wrong-passw0rd!', newPassword: NEW });
    await expect(wrong()).rejects.toBeInstanceOf(ValidationError);
    await expect(wrong()).rejects.toBeInstanceOf(ValidationError);
    await expect(service.changePassword(context(OWNER), OWNER_ID, { currentPassword: OLD, newPassword: NEW })).rejects.toBeInstanceOf(TooManyRequestsError);
    expect(owner.passwordHash).toBe(`h:${OLD}`);
    expect(committed).toEqual([]);
  });

  it('refuses a recent password and the current one', async () => {
    const { service, context, committed } = setUp({ history: ['Recent-passw0rd!'] });
    await expect(service.changePassword(context(OWNER), OWNER_ID, { currentPassword: OLD, newPassword: 'Recent-passw0rd!' })).rejects.toThrow(ValidationError);
    await expect(service.changePassword(context(OWNER), OWNER_ID, { currentPassword: OLD, newPassword: OLD })).rejects.toThrow(ValidationError);
    expect(committed).toEqual([]);
  });

  it('loses to a change that committed since the current password was checked', async () => {
    const { service, context, events, committed } = setUp({ changedMeanwhile: true });
    await expect(service.changePassword(context(OWNER), OWNER_ID, { currentPassword: OLD, newPassword: NEW })).rejects.toBeInstanceOf(ConflictError);
    expect(events).toEqual([]);
    expect(committed).toEqual([]);
  });
});
