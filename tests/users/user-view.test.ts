import { parseCachedViews, PUBLIC_USER_FIELD_NAMES, toUserView, USER_VIEW_FIELD_NAMES, USER_VIEW_FIELDS, USER_VIEW_TIMESTAMPS } from '../../src/users/user-view';
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
    expect(parseCachedViews(JSON.stringify(view))).toEqual(view);
  });
});

describe('parseCachedViews', () => {
  const at = '2030-01-02T03:04:05.678Z';

  it('revives the view\'s timestamps only, and leaves null and look-alike strings alone', () => {
    expect(parseCachedViews(JSON.stringify({ createdAt: at, lastLoginAt: null, lastName: at, version: 3 }))).toEqual({ createdAt: new Date(at), lastLoginAt: null, lastName: at, version: 3 });
  });

  it('revives them wherever a list or a page holds its views', () => {
    const page = { items: [{ updatedAt: at }, { updatedAt: at, lastLoginAt: at }], total: 2 };
    const cursorPage = { edges: [{ cursor: 'c1', node: { createdAt: at, username: 'ada' } }], totalCount: 1, endCursor: 'c1' };
    expect(parseCachedViews(JSON.stringify(page))).toEqual({ items: [{ updatedAt: new Date(at) }, { updatedAt: new Date(at), lastLoginAt: new Date(at) }], total: 2 });
    expect(parseCachedViews(JSON.stringify(cursorPage))).toEqual({ edges: [{ cursor: 'c1', node: { createdAt: new Date(at), username: 'ada' } }], totalCount: 1, endCursor: 'c1' });
    expect(parseCachedViews(JSON.stringify([[{ createdAt: at }]]))).toEqual([[{ createdAt: new Date(at) }]]);
  });

  it('passes through what holds no object', () => {
    expect(parseCachedViews('"row"')).toBe('row');
    expect(parseCachedViews('null')).toBeNull();
    expect(parseCachedViews('[1, "x", null]')).toEqual([1, 'x', null]);
  });
});
