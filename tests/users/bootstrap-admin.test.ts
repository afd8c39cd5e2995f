import { ensureBootstrapAdmin } from '../../src/users/bootstrap-admin';
import { User } from '../../src/users/user.entity';
import { UserRole } from '../../src/users/user-role';
import { PasswordHistory } from '../../src/auth/passwords/password-history.entity';
import type { PasswordHasher } from '../../src/auth/passwords/password.hasher';
import { fakeUnitOfWork } from '../support/fake-unit-of-work';

const ADMIN_ID = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const credentials = { username: 'root_admin', email: 'Root.Admin@Example.com', password: 'Bootstrap-passw0rd!' };
const hasher = { hash: async (password: string) => `h:${password}` } as unknown as PasswordHasher;

/** The first admin written through the pipeline on in-memory users (tests/e2e/users/ covers PostgreSQL). */
function setUp(adminExists: boolean) {
  const users = {
    existsAdmin: async () => adminExists,
    add: (data: Partial<User>) => ({ id: ADMIN_ID, ...data }) as User,
  };
  const uow = fakeUnitOfWork(new Map<Function, object>([[User, users], [PasswordHistory, {}]]));
  const orm = { em: { fork: () => uow.context(null).em } } as never;
  return { ...uow, orm };
}

describe('ensureBootstrapAdmin (no database)', () => {
  it('creates a verified admin and its first password history in one write, then tells the user caches', async () => {
    const { orm, commands, committed, events } = setUp(false);
    await expect(ensureBootstrapAdmin(orm, { hasher, commands }, credentials)).resolves.toBe(true);
    expect(committed).toEqual([{ user: expect.objectContaining({ id: ADMIN_ID, username: 'root_admin', email: 'root.admin@example.com', role: UserRole.ADMIN, emailVerified: true }), passwordHash: `h:${credentials.password}` }]);
    expect(events).toEqual([{ type: 'UserCreated', userId: ADMIN_ID, sendWelcome: false }]);
  });

  it('writes nothing while a live admin exists', async () => {
    const { orm, commands, committed, events } = setUp(true);
    await expect(ensureBootstrapAdmin(orm, { hasher, commands }, credentials)).resolves.toBe(false);
    expect(committed).toEqual([]);
    expect(events).toEqual([]);
  });
});
