import type { Actor } from '../../src/context/request-context';
import { UserRole } from '../../src/users/user-role';
import { canOnUser, createUserDenial, firstFieldDenied, hasRole, type UserAction, type UserTarget } from '../../src/users/user.policy';

const actor = (id: string, role: UserRole): Actor => ({ id, role, username: id, sessionId: `s-${id}`, tokenId: `t-${id}`, tokenExpiresAt: new Date(0) });

const USER = actor('u1', UserRole.USER);
const MODERATOR = actor('m1', UserRole.MODERATOR);
const ADMIN = actor('a1', UserRole.ADMIN);
const target = (id: string, role: UserRole): UserTarget => ({ id, role });
const PLAIN_TARGET = target('u2', UserRole.USER);
const MODERATOR_TARGET = target('m2', UserRole.MODERATOR);
const ADMIN_TARGET = target('a2', UserRole.ADMIN);

describe('hasRole', () => {
  it.each([
    [null, UserRole.USER, false],
    [USER, UserRole.USER, true],
    [USER, UserRole.MODERATOR, false],
    [USER, UserRole.ADMIN, false],
    [MODERATOR, UserRole.USER, true],
    [MODERATOR, UserRole.MODERATOR, true],
    [MODERATOR, UserRole.ADMIN, false],
    [ADMIN, UserRole.USER, true],
    [ADMIN, UserRole.MODERATOR, true],
    [ADMIN, UserRole.ADMIN, true],
  ])('%o needs %s -> %s', (who, required, expected) => {
    expect(hasRole(who, required)).toBe(expected);
  });
});

describe('canOnUser', () => {
  type Who = 'anonymous' | 'user on self' | 'user on other' | 'moderator on self' | 'moderator on user' | 'moderator on admin' | 'admin on self' | 'admin on user' | 'admin on admin';
  const subjects: Record<Who, [Actor | null, UserTarget]> = {
    anonymous: [null, PLAIN_TARGET],
    'user on self': [USER, target(USER.id, UserRole.USER)],
    'user on other': [USER, PLAIN_TARGET],
    'moderator on self': [MODERATOR, target(MODERATOR.id, UserRole.MODERATOR)],
    'moderator on user': [MODERATOR, PLAIN_TARGET],
    'moderator on admin': [MODERATOR, ADMIN_TARGET],
    'admin on self': [ADMIN, target(ADMIN.id, UserRole.ADMIN)],
    'admin on user': [ADMIN, PLAIN_TARGET],
    'admin on admin': [ADMIN, ADMIN_TARGET],
  };
  const whos = Object.keys(subjects) as Who[];
  const allowedFor = (...allowed: Who[]) => Object.fromEntries(whos.map((who) => [who, allowed.includes(who)])) as Record<Who, boolean>;

  const expected: Record<UserAction, Record<Who, boolean>> = {
    read: allowedFor('user on self', 'moderator on self', 'moderator on user', 'moderator on admin', 'admin on self', 'admin on user', 'admin on admin'),
    list: allowedFor('moderator on self', 'moderator on user', 'moderator on admin', 'admin on self', 'admin on user', 'admin on admin'),
    create: allowedFor('anonymous', 'admin on self', 'admin on user', 'admin on admin'),
    createPrivileged: allowedFor('admin on self', 'admin on user', 'admin on admin'),
    updateProfile: allowedFor('user on self', 'moderator on self', 'admin on self', 'admin on user', 'admin on admin'),
    changeRole: allowedFor('admin on user', 'admin on admin'),
    changeStatus: allowedFor('moderator on user', 'admin on user', 'admin on admin'),
    verifyEmail: allowedFor('admin on self', 'admin on user', 'admin on admin'),
    delete: allowedFor('user on self', 'moderator on self', 'admin on self', 'admin on user', 'admin on admin'),
    changePassword: allowedFor('user on self', 'moderator on self', 'admin on self', 'admin on user', 'admin on admin'),
    manageSessions: allowedFor('user on self', 'moderator on self', 'admin on self', 'admin on user', 'admin on admin'),
    readAudit: allowedFor('admin on self', 'admin on user', 'admin on admin'),
    manageMfa: allowedFor('user on self', 'moderator on self', 'admin on self'),
    resetMfa: allowedFor('admin on self', 'admin on user', 'admin on admin'),
    manageJobs: allowedFor('admin on self', 'admin on user', 'admin on admin'),
    manageWebhooks: allowedFor('admin on self', 'admin on user', 'admin on admin'),
  };

  const cases = (Object.keys(expected) as UserAction[]).flatMap((action) => whos.map((who) => [action, who, expected[action][who]] as const));

  it.each(cases)('%s: %s -> %s', (action, who, allowed) => {
    const [subject, object] = subjects[who];
    expect(canOnUser(subject, action, object)).toBe(allowed);
  });

  it('a moderator may change the status of another moderator', () => {
    expect(canOnUser(MODERATOR, 'changeStatus', MODERATOR_TARGET)).toBe(true);
  });

  it('lets only admins manage webhooks, with or without a target', () => {
    expect(canOnUser(ADMIN, 'manageWebhooks')).toBe(true);
    expect(canOnUser(MODERATOR, 'manageWebhooks')).toBe(false);
    expect(canOnUser(null, 'manageWebhooks')).toBe(false);
  });

  it('refuses changeStatus without a target, even to an admin', () => {
    expect(canOnUser(ADMIN, 'changeStatus')).toBe(false);
    expect(canOnUser(MODERATOR, 'changeStatus')).toBe(false);
  });

  it('decides self by id, not by role: a user with an admin-shaped target that is not them is refused', () => {
    expect(canOnUser(USER, 'updateProfile', target('someone-else', UserRole.USER))).toBe(false);
    expect(canOnUser(USER, 'updateProfile', target(USER.id, UserRole.USER))).toBe(true);
  });
});

describe('firstFieldDenied (which permission each changeable field needs)', () => {
  it.each([
    [USER, ['firstName', 'email', 'phone'], target('u1', UserRole.USER), undefined],
    [USER, ['firstName'], PLAIN_TARGET, 'firstName'],
    [USER, ['firstName', 'role'], target('u1', UserRole.USER), 'role'],
    [USER, ['isActive'], target('u1', UserRole.USER), 'isActive'],
    [USER, ['emailVerified'], target('u1', UserRole.USER), 'emailVerified'],
    [MODERATOR, ['isActive'], PLAIN_TARGET, undefined],
    [MODERATOR, ['isActive'], ADMIN_TARGET, 'isActive'],
    [MODERATOR, ['lastName'], PLAIN_TARGET, 'lastName'],
    [ADMIN, ['username', 'role', 'isActive', 'emailVerified'], PLAIN_TARGET, undefined],
    [ADMIN, ['role'], target('a1', UserRole.ADMIN), 'role'],
  ] as const)('%o changing %o of %o -> %s', (who, fields, on, expected) => {
    expect(firstFieldDenied(who, fields, on)).toBe(expected);
  });

  it('denies a field that has no rule, even to admins (a new field must be given a permission)', () => {
    expect(firstFieldDenied(ADMIN, ['passwordHash'], PLAIN_TARGET)).toBe('passwordHash');
    expect(firstFieldDenied(ADMIN, ['securityStamp'], PLAIN_TARGET)).toBe('securityStamp');
  });
});

describe('createUserDenial (sign-up and accounts made by others)', () => {
  const enabled = { signupEnabled: true };
  const disabled = { signupEnabled: false };

  it('lets anyone sign up while sign-up is enabled, and nobody anonymous once it is not', () => {
    expect(createUserDenial(null, {}, enabled)).toBeNull();
    expect(createUserDenial(null, {}, disabled)).toBe('signup-disabled');
    expect(createUserDenial(null, { role: UserRole.USER }, enabled)).toBeNull();
  });

  it('keeps role, status and verification for admins', () => {
    expect(createUserDenial(null, { role: UserRole.ADMIN }, enabled)).toBe('privileged');
    expect(createUserDenial(null, { isActive: true }, enabled)).toBe('privileged');
    expect(createUserDenial(null, { emailVerified: false }, enabled)).toBe('privileged');
    expect(createUserDenial(ADMIN, { role: UserRole.ADMIN, isActive: false, emailVerified: true }, enabled)).toBeNull();
  });

  it('lets signed-in accounts create others only as admins, whether or not sign-up is enabled', () => {
    expect(createUserDenial(USER, {}, enabled)).toBe('not-admin');
    expect(createUserDenial(MODERATOR, {}, enabled)).toBe('not-admin');
    expect(createUserDenial(ADMIN, {}, disabled)).toBeNull();
  });
});
