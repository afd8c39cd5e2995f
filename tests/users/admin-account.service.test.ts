import { AdminAccountService } from '../../src/users/admin-account.service';
import { User } from '../../src/users/user.entity';
import { UserRole } from '../../src/users/user-role';
import { PasswordHistory } from '../../src/auth/passwords/password-history.entity';
import type { PasswordHasher } from '../../src/auth/passwords/password.hasher';
import { Session } from '../../src/auth/sessions/session.entity';
import { NotFoundError, ValidationError } from '../../src/platform/errors/domain.errors';
import { fakeUnitOfWork } from '../support/fake-unit-of-work';

const USER_ID = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const NEW_ID = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
const PASSWORD = 'Str0ng-passw0rd!';
const hasher = { hash: async (password: string) => `h:${password}` } as unknown as PasswordHasher;

/** The operator's commands on an in-memory user and its sessions; the pipeline and the rules are the real ones. */
function setUp(options: { sessions?: string[]; deletedMeanwhile?: boolean } = {}) {
  const locked = { id: USER_ID, username: 'locked', email: 'locked-1@example.com', role: UserRole.ADMIN, passwordHash: 'h:old', securityStamp: 'stamp-1', deletedAt: null } as unknown as User;
  const users = {
    add: (data: Partial<User>) => ({ id: NEW_ID, ...data }) as User,
    findByLogin: async (login: string) => ([locked.username, locked.email].includes(login.toLowerCase()) ? locked : null),
    // Under the lock: the account may have been deleted since it was named.
    findOne: async () => (options.deletedMeanwhile ? null : locked),
    renewStamp: (user: User) => void (user.securityStamp = 'stamp-2'),
  };
  const ended: string[] = [];
  const sessions = {
    deleteByUserId: async () => {
      ended.push(...(options.sessions ?? ['s-1', 's-2']));
      return options.sessions ?? ['s-1', 's-2'];
    },
  };
  const uow = fakeUnitOfWork(new Map<Function, object>([[User, users], [PasswordHistory, {}], [Session, sessions]]));
  const service = new AdminAccountService(hasher, uow.commands);
  // The command is handed the database, not a request: the operator has no session.
  const em = uow.context(null).em;
  return { ...uow, service, em, locked, ended };
}

describe('AdminAccountService.createAdmin (no database)', () => {
  it('creates an active admin with a verified address, its first password history and a cli audit row, then UserCreated', async () => {
    const { service, em, committed, audits, events } = setUp();
    const admin = await service.createAdmin(em, { username: 'root', email: 'Root@Example.com', password: PASSWORD });
    expect(admin).toMatchObject({ id: NEW_ID, username: 'root', email: 'root@example.com', role: UserRole.ADMIN, emailVerified: true, passwordHash: `h:${PASSWORD}` });
    expect(committed.filter((row) => row.user === admin && row.passwordHash === `h:${PASSWORD}`)).toHaveLength(1);
    expect(audits()).toEqual([{ action: 'user.created', entityId: NEW_ID, userId: null }]);
    const auditRow = committed.find((row) => row.action === 'user.created') as { newValues: Record<string, unknown>; ipAddress: string };
    expect(auditRow).toMatchObject({ ipAddress: 'cli', newValues: { username: 'root', role: UserRole.ADMIN, via: 'cli' } });
    expect(JSON.stringify(auditRow)).not.toContain(PASSWORD);
    expect(events).toEqual([{ type: 'UserCreated', userId: NEW_ID, sendWelcome: false }]);
  });

  it.each([
    ['a password that is the e-mail', { username: 'root', email: 'R00t-admin@example.com', password: 'R00t-Admin@Example.com' }, 'password must not be the username or email'],
    ['a password that breaks the policy', { username: 'root', email: 'root@example.com', password: 'short' }, 'password must be'],
    ['a malformed e-mail', { username: 'root', email: 'not-an-address', password: PASSWORD }, 'email'],
  ])('refuses %s, and nothing commits', async (_case, raw, message) => {
    const { service, em, committed, events } = setUp();
    const refused = await service.createAdmin(em, raw).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect(JSON.stringify((refused as ValidationError).errors)).toContain(message);
    expect(committed).toEqual([]);
    expect(events).toEqual([]);
  });
});

describe('AdminAccountService.resetPassword (no database)', () => {
  it("sets the password, renews the stamp, ends every session and tells the caches after the commit", async () => {
    const { service, em, locked, ended, committed, audits, events } = setUp();
    await expect(service.resetPassword(em, 'LOCKED-1@example.com', PASSWORD)).resolves.toEqual({ user: locked, sessionsEnded: 2 });
    expect(locked).toMatchObject({ passwordHash: `h:${PASSWORD}`, securityStamp: 'stamp-2' });
    expect(ended).toEqual(['s-1', 's-2']);
    expect(committed.filter((row) => row.user === locked && row.passwordHash === `h:${PASSWORD}`)).toHaveLength(1);
    expect(audits()).toEqual([{ action: 'auth.password_changed', entityId: USER_ID, userId: null }]);
    expect(committed.find((row) => row.action === 'auth.password_changed')).toMatchObject({ newValues: { via: 'cli', sessionsEnded: 2 } });
    expect(events).toEqual([
      { type: 'UserChanged', userId: USER_ID, fields: ['password', 'securityStamp'] },
      { type: 'PasswordChanged', userId: USER_ID, via: 'operator' },
      { type: 'SessionsEnded', sessionIds: ['s-1', 's-2'], userId: USER_ID, reason: 'password_changed' },
    ]);
  });

  it('tells no SessionsEnded when the account had no session', async () => {
    const { service, em, events } = setUp({ sessions: [] });
    await expect(service.resetPassword(em, 'locked', PASSWORD)).resolves.toMatchObject({ sessionsEnded: 0 });
    expect(events).toEqual([
      { type: 'UserChanged', userId: USER_ID, fields: ['password', 'securityStamp'] },
      { type: 'PasswordChanged', userId: USER_ID, via: 'operator' },
    ]);
  });

  it('names an unknown login before judging the password', async () => {
    const { service, em, committed } = setUp();
    await expect(service.resetPassword(em, 'nobody', 'short')).rejects.toThrow(new NotFoundError('No live account has the username or e-mail "nobody".'));
    expect(committed).toEqual([]);
  });

  it.each([
    ['the e-mail', 'Locked-1@Example.com', 'newPassword must not be the username or email'],
    ['a password that breaks the policy', 'short', 'password must be'],
  ])('refuses %s as the new password, and the old one stays', async (_case, password, message) => {
    const { service, em, locked, ended, events } = setUp();
    const refused = await service.resetPassword(em, 'locked', password).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect(JSON.stringify((refused as ValidationError).errors)).toContain(message);
    expect(locked).toMatchObject({ passwordHash: 'h:old', securityStamp: 'stamp-1' });
    expect(ended).toEqual([]);
    expect(events).toEqual([]);
  });

  it('refuses an account deleted while the password was hashed, ending nothing', async () => {
    const { service, em, locked, ended, committed, events } = setUp({ deletedMeanwhile: true });
    await expect(service.resetPassword(em, 'locked', PASSWORD)).rejects.toBeInstanceOf(NotFoundError);
    expect(locked.passwordHash).toBe('h:old');
    expect(ended).toEqual([]);
    expect(committed).toEqual([]);
    expect(events).toEqual([]);
  });
});
