import { presentUser } from '../../src/users/user.presenter';
import { toUserView, type UserView } from '../../src/users/user-view';
import { User } from '../../src/users/user.entity';
import { UserRole } from '../../src/users/user-role';
import { PUBLIC_USER_FIELDS } from '../support/problem';

function view(changes: Partial<UserView> = {}): UserView {
  const user = new User();
  Object.assign(user, { username: 'ada', email: 'ada@example.com', passwordHash: '$argon2id$secret', firstName: 'Ada', lastName: 'Lovelace', ...changes });
  return user;
}

describe('presentUser', () => {
  it('shows the public fields, in the read model\'s order, timestamps as ISO strings', () => {
    const created = new Date('2026-01-02T03:04:05.678Z');
    const user = view({ createdAt: created, updatedAt: created, lastLoginAt: null, role: UserRole.ADMIN, version: 3 });
    const shown = presentUser(user);
    expect(Object.keys(shown)).toEqual(['id', 'username', 'email', 'firstName', 'lastName', 'phone', 'role', 'isActive', 'emailVerified', 'pendingEmail', 'createdAt', 'updatedAt', 'lastLoginAt', 'version']);
    expect([...Object.keys(shown)].sort()).toEqual(PUBLIC_USER_FIELDS);
    expect(shown).toEqual({
      id: user.id,
      username: 'ada',
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      phone: null,
      role: 'admin',
      isActive: true,
      emailVerified: false,
      pendingEmail: null,
      createdAt: '2026-01-02T03:04:05.678Z',
      updatedAt: '2026-01-02T03:04:05.678Z',
      lastLoginAt: null,
      version: 3,
    });
  });

  it('renders a last login as an ISO string', () => {
    expect(presentUser(view({ lastLoginAt: new Date('2030-05-06T07:08:09.123Z') })).lastLoginAt).toBe('2030-05-06T07:08:09.123Z');
  });

  it('never shows the security stamp, the hash or any other entity property, from an entity or from a cached view', () => {
    const user = view({ phone: '+14155550123' });
    for (const source of [user, toUserView(user)]) {
      const shown = presentUser(source);
      expect(shown).not.toHaveProperty('securityStamp');
      expect(JSON.stringify(shown)).not.toMatch(/argon2|passwordHash|emailKey|deletedAt/);
      expect(JSON.stringify(shown)).not.toContain(user.securityStamp);
    }
  });
});
