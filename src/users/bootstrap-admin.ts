import { randomBytes, randomInt } from 'node:crypto';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { PasswordHistory } from '../auth/passwords/password-history.entity';
import { User } from './user.entity';
import { UserRole } from './user-role';
import type { PasswordHasher } from '../auth/passwords/password.hasher';
import { normalizeEmail } from '../platform/validation/email/email.address';
import type { AuditedCommands, CommandContext } from '../audit/audited-command.pipeline';
import type { UserCreated } from './user.events';

export interface AdminCredentials {
  username: string;
  email: string;
  password: string;
}

export interface GeneratedAdminSettings {
  username: string;
  email: string;
  /** Where the credentials are written (mode 0600); the password is never logged. */
  credentialsFile: string;
}

/** What creating the first admin needs from the composition root: the hasher and the write pipeline. */
export interface FirstAdminWriter {
  hasher: PasswordHasher;
  commands: AuditedCommands;
}

/** The server itself acts: there is no actor, and no client address. */
const startup = (em: EntityManager): CommandContext => ({ actor: null, ipAddress: 'startup', em });

/**
 * Through the pipeline like every write: a taken username or e-mail becomes a ConflictError naming
 * the field, never the driver's message (which holds the statement's parameters, this hash among
 * them), and the user caches hear of the new user once it has committed.
 */
async function createAdmin(em: EntityManager, writer: FirstAdminWriter, admin: AdminCredentials): Promise<void> {
  await writer.commands.run(startup(em), {
    name: 'admin.bootstrap',
    // The configuration was checked when it was read (env.schema.ts); the generated password meets the policy.
    validate: () => admin,
    // Only the server runs this, at start-up, and only while no live admin exists.
    authorize: (credentials) => credentials,
    prepare: async (credentials) => ({ credentials, passwordHash: await writer.hasher.hash(credentials.password) }),
    work: async ({ em: tx, emit }, { credentials, passwordHash }) => {
      const user = tx.getRepository(User).add({
        username: credentials.username,
        email: normalizeEmail(credentials.email).email,
        passwordHash,
        firstName: 'Admin',
        lastName: 'Admin',
        role: UserRole.ADMIN,
        emailVerified: true,
      });
      tx.persist(tx.create(PasswordHistory, { user, passwordHash }));
      // Created verified by an operator: nothing to confirm, nobody to welcome by mail.
        emit<UserCreated>({ type: 'UserCreated', userId: user.id, sendWelcome: false });
    },
  });
}

/** Creates the first admin from configuration when the database has none; returns whether it did. */
export async function ensureBootstrapAdmin(orm: MikroORM, writer: FirstAdminWriter, admin: AdminCredentials): Promise<boolean> {
  const em = orm.em.fork();
  if (await em.getRepository(User).existsAdmin()) return false;
  await createAdmin(em, writer, admin);
  return true;
}

const PASSWORD_CLASSES = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', '!#%+-.:=?@_~'];

/**
 * 24 characters (about 140 bits) from unambiguous letters, digits and symbols that need no quoting
 * in a shell or JSON, with each class of the password policy (src/users/user.rules.ts) present.
 */
export function generateAdminPassword(length = 24): string {
  const all = PASSWORD_CLASSES.join('');
  const chars = PASSWORD_CLASSES.map((set) => set[randomInt(set.length)]);
  while (chars.length < length) chars.push(all[randomInt(all.length)]);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}

/**
 * When the database has no admin, creates one with a random password and writes the credentials to
 * `credentialsFile`. The file is created with mode 0600 (never readable by others, not even for a
 * moment) under a temporary name and renamed into place only once the admin is committed, so it
 * never names an admin that does not exist. Returns whether it created one.
 */
export async function ensureGeneratedAdmin(orm: MikroORM, writer: FirstAdminWriter, settings: GeneratedAdminSettings): Promise<boolean> {
  const em = orm.em.fork();
  if (await em.getRepository(User).existsAdmin()) return false;
  const password = generateAdminPassword();
  await mkdir(dirname(settings.credentialsFile), { recursive: true });
  const pending = join(dirname(settings.credentialsFile), `.first-admin-${randomBytes(6).toString('hex')}.tmp`);
  const text = [
    `# First admin of the User API, created ${new Date().toISOString()}.`,
    '# Sign in, change the password, then delete this file.',
    `username: ${settings.username}`,
    `email: ${normalizeEmail(settings.email).email}`,
    `password: ${password}`,
    '',
  ].join('\n');
  await writeFile(pending, text, { mode: 0o600, flag: 'wx' });
  try {
    await createAdmin(em, writer, { ...settings, password });
  } catch (error) {
    await unlink(pending);
    // Another instance starting at the same time created it first: not an error.
    if (await orm.em.fork().getRepository(User).existsAdmin()) return false;
    throw error;
  }
  await rename(pending, settings.credentialsFile);
  return true;
}
