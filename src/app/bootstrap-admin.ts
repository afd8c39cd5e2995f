import type { MikroORM } from '@mikro-orm/postgresql';
import { PasswordHistory } from '../entities/password-history.entity';
import { User } from '../entities/user.entity';
import { UserRole } from '../entities/user-role';
import type { PasswordHasher } from '../security/password.hasher';

export interface AdminCredentials {
  username: string;
  email: string;
  password: string;
}

/** Creates the first admin from configuration when the database has none; returns whether it did. */
export async function ensureBootstrapAdmin(orm: MikroORM, hasher: PasswordHasher, admin: AdminCredentials): Promise<boolean> {
  const em = orm.em.fork();
  if (await em.getRepository(User).existsAdmin()) return false;
  const passwordHash = await hasher.hash(admin.password);
  await em.transactional(async (tx) => {
    const user = tx.getRepository(User).add({
      username: admin.username,
      email: admin.email.toLowerCase(),
      passwordHash,
      firstName: 'Admin',
      lastName: 'Admin',
      role: UserRole.ADMIN,
      emailVerified: true,
    });
    tx.persist(tx.create(PasswordHistory, { user, passwordHash }));
  });
  return true;
}
