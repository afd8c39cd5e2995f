import { type EntityManager, LockMode } from '@mikro-orm/postgresql';
import { ChangePasswordInput, CreateUserInput } from './user.inputs';
import { PasswordHistory } from '../auth/passwords/password-history.entity';
import { Session } from '../auth/sessions/session.entity';
import { User } from './user.entity';
import { UserRole } from './user-role';
import { NotFoundError } from '../platform/errors/domain.errors';
import { normalizeEmail } from '../platform/validation/email/email.address';
import type { PasswordHasher } from '../auth/passwords/password.hasher';
import { validateInput } from '../platform/validation/validate-input';
import type { AuditedCommands, CommandContext } from '../audit/audited-command.pipeline';
import { assertPasswordDiffersFromIdentity } from './user.service';
import type { PasswordChanged, UserChanged, UserCreated } from './user.events';
import type { SessionsEnded } from '../auth/sessions/session.events';

/** Who acts in the audit trail when an operator runs a command on the server itself. */
const operator = (em: EntityManager): CommandContext => ({ actor: null, ipAddress: 'cli', em });

/**
 * The operator's recovery commands (npm run admin:create, admin:reset-password): they act on the
 * database directly, so they work whether the service runs or not, and they follow the same rules
 * as the API (input validation, password policy, audit trail, ending sessions).
 */
export class AdminAccountService {
  constructor(
    private readonly hasher: PasswordHasher,
    private readonly commands: AuditedCommands,
  ) {}

  /** A new, active admin with a verified address. A taken username or e-mail is a ConflictError. */
  async createAdmin(em: EntityManager, raw: { username: string; email: string; password: string }): Promise<User> {
    return this.commands.run(operator(em), {
      name: 'admin.create',
      validate: () => validateInput(CreateUserInput, { ...raw, firstName: 'Admin', lastName: 'Admin' }),
      // The operator has the server itself: whoever may run the command may do this.
      authorize: (input) => {
        assertPasswordDiffersFromIdentity(input.password, input.username, input.email);
        return input;
      },
      prepare: async (input) => ({ input, passwordHash: await this.hasher.hash(input.password) }),
      work: async ({ em: tx, audit, emit }, { input, passwordHash }) => {
        const user = tx.getRepository(User).add({
          username: input.username,
          email: normalizeEmail(input.email).email,
          passwordHash,
          firstName: input.firstName,
          lastName: input.lastName,
          role: UserRole.ADMIN,
          emailVerified: true,
        });
        tx.persist(tx.create(PasswordHistory, { user, passwordHash }));
        audit({ action: 'user.created', entityType: 'user', entityId: user.id, newValues: { username: user.username, email: user.email, role: user.role, via: 'cli' } });
        // Created verified by an operator: nothing to confirm, nobody to welcome by mail.
        emit<UserCreated>({ type: 'UserCreated', userId: user.id, sendWelcome: false });
        return user;
      },
    });
  }

  /**
   * Sets a new password for the account with this username or e-mail, renews its security stamp and
   * ends all of its sessions. Returns the user and how many sessions ended.
   */
  async resetPassword(em: EntityManager, login: string, password: string): Promise<{ user: User; sessionsEnded: number }> {
    return this.commands.run(operator(em), {
      name: 'admin.reset-password',
      // The account is named before the password is judged (an unknown login is the first thing to tell).
      validate: async () => {
        const user = await em.getRepository(User).findByLogin(login);
        if (!user) throw new NotFoundError(`No live account has the username or e-mail ${JSON.stringify(login)}.`);
        const { newPassword } = await validateInput(ChangePasswordInput, { newPassword: password });
        return { user, newPassword };
      },
      authorize: ({ user, newPassword }) => {
        assertPasswordDiffersFromIdentity(newPassword, user.username, user.email, 'newPassword');
        return { user, newPassword };
      },
      prepare: async ({ user, newPassword }) => ({ user, passwordHash: await this.hasher.hash(newPassword) }),
      work: async ({ em: tx, audit, emit }, { user, passwordHash }) => {
        const current = await tx.getRepository(User).findOne({ id: user.id, deletedAt: null }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
        if (!current) throw new NotFoundError('The account was deleted meanwhile.');
        current.passwordHash = passwordHash;
        tx.getRepository(User).renewStamp(current);
        tx.persist(tx.create(PasswordHistory, { user: current, passwordHash }));
        const ended = await tx.getRepository(Session).deleteByUserId(current.id);
        audit({ action: 'auth.password_changed', entityType: 'user', entityId: current.id, newValues: { via: 'cli', sessionsEnded: ended.length } });
        emit<UserChanged>({ type: 'UserChanged', userId: current.id, fields: ['password', 'securityStamp'] });
        emit<PasswordChanged>({ type: 'PasswordChanged', userId: current.id, via: 'operator' });
        if (ended.length > 0) emit<SessionsEnded>({ type: 'SessionsEnded', sessionIds: ended, userId: current.id, reason: 'password_changed' });
        return { user, sessionsEnded: ended.length };
      },
    });
  }
}
