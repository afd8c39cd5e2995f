import { PUBLIC_USER_FIELD_NAMES, reviveDates, toUserView, USER_VIEW_FIELD_NAMES, USER_VIEW_FIELDS, USER_VIEW_TIMESTAMPS } from '../../src/users/user-view';
import { User } from '../../src/users/user.entity';
import { UserRole } from '../../src/users/user-role';
import { PUBLIC_USER_FIELDS } from '../support/problem';

/** A full entity, with every secret and internal mark set, as a repository hands it out. */
function entity(): User {
  const user = new User();
  Object.assign(user, {
    username: 'ada',
    email: 'ada@example.com',
    emailKey: 'ada@example.com',
    emailIssue: 'an old rule',
    passwordHash: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
    firstName: 'Ada',
    lastName: 'Lovelace',
    phone: '+14155550123',
    role: UserRole.MODERATOR,
    lastLoginAt: new Date('2030-01-02T03:04:05.678Z'),
    deletedAt: new Date('2031-01-01T00:00:00.000Z'),
    version: 7,
  });
  return user;
}

describe('the user read model', () => {
  it('shows exactly the fields the API promises (the tests\' own list), and the security stamp only to the server', () => {
    expect([...PUBLIC_USER_FIELD_NAMES].sort()).toEqual(PUBLIC_USER_FIELDS);
    expect(USER_VIEW_FIELD_NAMES.filter((name) => !USER_VIEW_FIELDS[name].public)).toEqual(['securityStamp']);
  });

  it('never holds the password hash, the email key or issue, or the deletion mark', () => {
    for (const secret of ['passwordHash', 'emailKey', 'emailIssue', 'deletedAt']) expect(USER_VIEW_FIELD_NAMES).not.toContain(secret);
  });

  it('names only properties the entity has', () => {
    const user = entity();
    for (const name of USER_VIEW_FIELD_NAMES) expect(name in user).toBe(true);
  });

  it('knows its timestamps by their kind', () => {
    expect([...USER_VIEW_TIMESTAMPS]).toEqual(['createdAt', 'updatedAt', 'lastLoginAt']);
  });
});

describe('toUserView', () => {
  it('copies the read model\'s fields of an entity, in its order, and nothing else', () => {
    const user = entity();
    const view = toUserView(user);
    expect(Object.keys(view)).toEqual(USER_VIEW_FIELD_NAMES);
    expect(view).toEqual({
      id: user.id,
      username: 'ada',
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      phone: '+14155550123',
      role: UserRole.MODERATOR,
      isActive: true,
      emailVerified: false,
      pendingEmail: null,
      createdAt: user.createdAt,
      updatedAt: user.updatedAt,
      lastLoginAt: new Date('2030-01-02T03:04:05.678Z'),
      version: 7,
      securityStamp: user.securityStamp,
    });
  });

  it('leaves no secret in the JSON a cache tier stores', () => {
    const text = JSON.stringify(toUserView(entity()));
    expect(text).not.toMatch(/argon2|passwordHash|emailKey|emailIssue|deletedAt|an old rule|2031-/);
  });

  it('survives the cache\'s JSON round trip, timestamps as Dates again', () => {
    const view = toUserView(entity());
    expect(JSON.parse(JSON.stringify(view), reviveDates)).toEqual(view);
  });
});

describe('reviveDates', () => {
  it('revives the view\'s timestamps only, and leaves null alone', () => {
    expect(reviveDates('createdAt', '2030-01-02T03:04:05.678Z')).toEqual(new Date('2030-01-02T03:04:05.678Z'));
    expect(reviveDates('lastLoginAt', null)).toBeNull();
    expect(reviveDates('lastName', '2030-01-02T03:04:05.678Z')).toBe('2030-01-02T03:04:05.678Z');
  });
});
