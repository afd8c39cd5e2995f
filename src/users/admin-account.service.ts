import { type EntityManager, LockMode } from '@mikro-orm/postgresql';
import { ChangePasswordInput, CreateUserInput } from './user.inputs';
import { PasswordHistory } from '../auth/passwords/password-history.entity';
import { Session } from '../auth/sessions/session.entity';
import { User } from './user.entity';
import { UserRole } from './user-role';
import { NotFoundError } from '../platform/errors/domain.errors';
import { withOrmErrors } from '../platform/errors/orm-error.translator';
import { normalizeEmail } from '../platform/validation/email/email.address';
import type { PasswordHasher } from '../auth/passwords/password.hasher';
import { validateInput } from '../platform/validation/validate-input';
import type { AuditService } from '../audit/audit.service';
import { assertPasswordDiffersFromIdentity } from './user.service';

/** Who acts in the audit trail when an operator runs a command on the server itself. */
const OPERATOR = { actor: null, ipAddress: 'cli' };

/**
 * The operator's recovery commands (npm run admin:create, admin:reset-password): they act on the
 * database directly, so they work whether the service runs or not, and they follow the same rules
 * as the API (input validation, password policy, audit trail, ending sessions).
 */
export class AdminAccountService {
  constructor(
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
  ) {}

  /** A new, active admin with a verified address. A taken username or e-mail is a ConflictError. */
  async createAdmin(em: EntityManager, raw: { username: string; email: string; password: string }): Promise<User> {
    const input = await validateInput(CreateUserInput, { ...raw, firstName: 'Admin', lastName: 'Admin' });
    assertPasswordDiffersFromIdentity(input.password, input.username, input.email);
    const passwordHash = await this.hasher.hash(input.password);
    return withOrmErrors(() =>
      em.transactional(async (tx) => {
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
        this.audit.record(tx, OPERATOR, { action: 'user.created', entityType: 'user', entityId: user.id, newValues: { username: user.username, email: user.email, role: user.role, via: 'cli' } });
        return user;
      }),
    );
  }

  /**
   * Sets a new password for the account with this username or e-mail, renews its security stamp and
   * ends all of its sessions. Returns the user and how many sessions ended.
   */
  async resetPassword(em: EntityManager, login: string, password: string): Promise<{ user: User; sessionsEnded: number }> {
    const user = await withOrmErrors(() => em.getRepository(User).findByLogin(login));
    if (!user) throw new NotFoundError(`No live account has the username or e-mail ${JSON.stringify(login)}.`);
    const { newPassword } = await validateInput(ChangePasswordInput, { newPassword: password });
    assertPasswordDiffersFromIdentity(newPassword, user.username, user.email, 'newPassword');
    const passwordHash = await this.hasher.hash(newPassword);
    const sessionsEnded = await withOrmErrors(() =>
      em.transactional(async (tx) => {
        const current = await tx.getRepository(User).findOne({ id: user.id, deletedAt: null }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
        if (!current) throw new NotFoundError('The account was deleted meanwhile.');
        current.passwordHash = passwordHash;
        tx.getRepository(User).renewStamp(current);
        tx.persist(tx.create(PasswordHistory, { user: current, passwordHash }));
        const ended = await tx.getRepository(Session).deleteByUserId(current.id);
        this.audit.record(tx, OPERATOR, { action: 'auth.password_changed', entityType: 'user', entityId: current.id, newValues: { via: 'cli', sessionsEnded: ended.length } });
        return ended.length;
      }),
    );
    return { user, sessionsEnded };
  }
}
