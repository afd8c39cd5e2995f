import { UserService } from '../../src/users/user.service';
import { User } from '../../src/users/user.entity';
import { UserRole } from '../../src/users/user-role';
import { PasswordHistory } from '../../src/auth/passwords/password-history.entity';
import { Session } from '../../src/auth/sessions/session.entity';
import type { Actor } from '../../src/context/request-context';
import type { PasswordHasher } from '../../src/auth/passwords/password.hasher';
import { emailKey } from '../../src/platform/validation/email/email.address';
import { ConflictError, ForbiddenError, PreconditionFailedError } from '../../src/platform/errors/domain.errors';
import { fakeUnitOfWork } from '../support/fake-unit-of-work';

const ADMIN_ID = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const USER_ID = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
import { ReauthenticationRequiredError } from '../../src/mfa/step-up.policy';

// Signed in just now: a new e-mail address or role is a step-up action (issue 16).
const actor = (id: string, role: UserRole): Actor => ({ id, role, username: id, sessionId: 's', tokenId: 't', tokenExpiresAt: new Date(0), amr: ['pwd'], authTime: Math.floor(Date.now() / 1000) });
const ADMIN = actor(ADMIN_ID, UserRole.ADMIN);
const PLAIN = actor(USER_ID, UserRole.USER);
const PASSWORD = 'Str0ng-passw0rd!';
const fakeHasher = { hash: async () => 'argon2-hash' } as unknown as PasswordHasher;

/** Users and sessions in memory; the service's rules, the policy and the pipeline are the real ones. */
function setUp(settings = { signupEnabled: true, requireVersionPrecondition: false }) {
  const people = new Map<string, User>();
  const person = (id: string, role: UserRole, email: string) =>
    people.set(id, { id, role, username: `n${id.slice(0, 4)}`, email, emailKey: emailKey(email), firstName: 'F', lastName: 'L', phone: null, isActive: true, emailVerified: true, version: 3, securityStamp: 'stamp-1', deletedAt: null } as unknown as User);
  person(ADMIN_ID, UserRole.ADMIN, 'admin@example.com');
  person(USER_ID, UserRole.USER, 'user@example.com');
  const users = {
    add: (data: Partial<User>) => ({ id: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc', ...data }) as User,
    findOne: async ({ id }: { id: string }) => people.get(id) ?? null,
    update: (user: User, changes: Partial<User>) => Object.assign(user, changes, changes.email ? { emailKey: emailKey(changes.email) } : {}),
    renewStamp: (user: User) => void (user.securityStamp = 'stamp-2'),
    softDelete: (user: User) => void (user.deletedAt = new Date()),
  };
  const sessions = { deleteByUserId: async (id: string) => (id === USER_ID ? ['s-1', 's-2'] : []) };
  const activeAdmins = async () => [...people.values()].filter((p) => p.role === UserRole.ADMIN && p.isActive && !p.deletedAt).map(({ id }) => ({ id }));
  const uow = fakeUnitOfWork(new Map<Function, object>([[User, users], [PasswordHistory, {}], [Session, sessions]]), { execute: activeAdmins });
  const service = new UserService(settings, fakeHasher, uow.commands, {} as never, {} as never);
  return { ...uow, service, people };
}

const newUser = (extra: object = {}) => ({ username: 'newbie', email: 'New@Example.com', password: PASSWORD, firstName: 'New', lastName: 'Bie', ...extra });

describe('UserService.createUser (no database)', () => {
  it('signs up: the user, its first password history and the audit row commit together, then UserCreated', async () => {
    const { service, context, committed, audits, events } = setUp();
    const created = await service.createUser(context(null), newUser());
    expect(created).toMatchObject({ email: 'new@example.com', role: UserRole.USER, passwordHash: 'argon2-hash' });
    expect(committed.filter((row) => row.passwordHash === 'argon2-hash' && 'user' in row)).toHaveLength(1);
    expect(audits()).toEqual([{ action: 'user.created', entityId: created.id, userId: null }]);
    const auditRow = committed.find((row) => row.action === 'user.created') as { newValues: Record<string, unknown> };
    expect(auditRow.newValues).toMatchObject({ username: 'newbie', email: 'new@example.com', role: UserRole.USER });
    expect(Object.keys(auditRow.newValues)).not.toContain('passwordHash');
    expect(events).toEqual([{ type: 'UserCreated', userId: created.id, sendWelcome: true }]);
  });

  it.each([
    ['an anonymous sign-up while it is disabled', null, {}, { signupEnabled: false, requireVersionPrecondition: false }, 'Sign-up is disabled.'],
    ['a sign-up asking for a role', null, { role: UserRole.ADMIN }, undefined, 'Only admins can set role, isActive or emailVerified.'],
    ['a plain user creating someone', PLAIN, {}, undefined, 'Only admins can create accounts for others.'],
  ])('refuses %s before hashing or writing', async (_case, who, extra, settings, message) => {
    const { service, context, committed, events } = setUp(settings);
    await expect(service.createUser(context(who), newUser(extra))).rejects.toThrow(new ForbiddenError(message));
    expect(committed).toEqual([]);
    expect(events).toEqual([]);
  });
});

describe('UserService.updateUser (no database)', () => {
  it("parks an owner's new address until it is confirmed, audits the request and tells the mail outbox", async () => {
    const { service, context, audits, events, people } = setUp();
    await service.updateUser(context(PLAIN), USER_ID, { email: 'Moved@Example.com' }, 'merge');
    expect(people.get(USER_ID)).toMatchObject({ email: 'user@example.com', emailVerified: true, pendingEmail: 'moved@example.com' });
    expect(audits()).toEqual([{ action: 'user.email_change_requested', entityId: USER_ID, userId: USER_ID }]);
    expect(events).toEqual([
      { type: 'UserChanged', userId: USER_ID, fields: ['pendingEmail'] },
      { type: 'EmailChangeRequested', userId: USER_ID, newEmail: 'moved@example.com', currentEmail: 'user@example.com' },
    ]);
  });

  it("applies an admin's new address at once, unverified, and tells the mail outbox", async () => {
    const { service, context, audits, events, people } = setUp();
    await service.updateUser(context(ADMIN), USER_ID, { email: 'Moved@Example.com' }, 'merge');
    expect(people.get(USER_ID)).toMatchObject({ email: 'moved@example.com', emailVerified: false });
    expect(audits()).toEqual([{ action: 'user.updated', entityId: USER_ID, userId: ADMIN_ID }]);
    expect(events).toEqual([
      { type: 'UserChanged', userId: USER_ID, fields: ['email', 'emailVerified'] },
      { type: 'EmailAddressChanged', userId: USER_ID, email: 'moved@example.com', previousEmail: 'user@example.com', verified: false, byAdmin: true },
    ]);
  });

  it('asks a sign-in within 5 minutes for a new address or role, not for other fields', async () => {
    const { service, context, committed, people } = setUp();
    const stale = (who: Actor): Actor => ({ ...who, authTime: Math.floor(Date.now() / 1000) - 301 });
    await expect(service.updateUser(context(stale(PLAIN)), USER_ID, { email: 'moved@example.com' }, 'merge')).rejects.toBeInstanceOf(ReauthenticationRequiredError);
    await expect(service.updateUser(context(stale(ADMIN)), USER_ID, { role: UserRole.MODERATOR }, 'merge')).rejects.toBeInstanceOf(ReauthenticationRequiredError);
    expect(committed).toEqual([]);
    // Another spelling of the same mailbox and other fields need no recent sign-in.
    const before = people.get(USER_ID)?.email as string;
    await service.updateUser(context(stale(PLAIN)), USER_ID, { email: before.toUpperCase(), lastName: 'Stale' }, 'merge');
    expect(people.get(USER_ID)).toMatchObject({ lastName: 'Stale' });
  });

  it('ends the sessions of a deactivated user and renews its stamp', async () => {
    const { service, context, audits, events, people } = setUp();
    await service.updateUser(context(ADMIN), USER_ID, { isActive: false }, 'merge');
    expect(people.get(USER_ID)?.securityStamp).toBe('stamp-2');
    expect(audits()).toEqual([{ action: 'user.deactivated', entityId: USER_ID, userId: ADMIN_ID }]);
    expect(events).toEqual([
      { type: 'UserChanged', userId: USER_ID, fields: ['isActive'] },
      { type: 'UserActivationChanged', userId: USER_ID, active: false },
      { type: 'SessionsEnded', sessionIds: ['s-1', 's-2'], userId: USER_ID, reason: 'deactivated' },
    ]);
  });

  it('refuses a field the actor may not change, and nothing commits or is told', async () => {
    const { service, context, committed, events, people } = setUp();
    await expect(service.updateUser(context(PLAIN), USER_ID, { firstName: 'Ok', role: UserRole.ADMIN }, 'merge')).rejects.toThrow('You may not change role of this user.');
    expect(committed).toEqual([]);
    expect(events).toEqual([]);
    expect(people.get(USER_ID)?.role).toBe(UserRole.USER);
  });

  it('refuses a stale version', async () => {
    const { service, context, events } = setUp();
    await expect(service.updateUser(context(ADMIN), USER_ID, { firstName: 'Late' }, 'merge', { anyOf: [2] })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(events).toEqual([]);
  });
});

describe('UserService.deleteUser (no database)', () => {
  it('keeps the last active admin', async () => {
    const { service, context, events, people } = setUp();
    await expect(service.deleteUser(context(ADMIN), ADMIN_ID)).rejects.toBeInstanceOf(ConflictError);
    expect(people.get(ADMIN_ID)?.deletedAt).toBeNull();
    expect(events).toEqual([]);
  });

  it('deletes, ends the sessions and tells the caches', async () => {
    const { service, context, audits, events } = setUp();
    await service.deleteUser(context(ADMIN), USER_ID);
    expect(audits()).toEqual([{ action: 'user.deleted', entityId: USER_ID, userId: ADMIN_ID }]);
    expect(events).toEqual([
      { type: 'UserDeleted', userId: USER_ID },
      { type: 'SessionsEnded', sessionIds: ['s-1', 's-2'], userId: USER_ID, reason: 'user_deleted' },
    ]);
  });
});
