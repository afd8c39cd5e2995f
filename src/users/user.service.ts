import { type EntityManager, LockMode } from '@mikro-orm/postgresql';
import type { ReplicaRouter } from '../platform/db/replica.router';
import type { UserReadCache } from './cache/user.cache';
import { toUserView, type UserView } from './user-view';
import type { RequestContext } from '../context/request-context';
import { CreateUserInput, ReplaceUserInput, UpdateUserInput } from './user.inputs';
import { CursorPageInput, OffsetPageInput, UserFilterInput, type UserOrderInput } from './user-query.inputs';
import { PasswordHistory } from '../auth/passwords/password-history.entity';
import { Session } from '../auth/sessions/session.entity';
import { User } from './user.entity';
import { UserRole } from './user-role';
import { ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError, ValidationError } from '../platform/errors/domain.errors';
import { canOnUser, createUserDenial, type CreateUserDenial, firstFieldDenied } from './user.policy';
import type { CursorResult } from './user.repository';
import { findLiveUserView } from './user-view.query';
import type { PasswordHasher } from '../auth/passwords/password.hasher';
import { withCursor } from '../platform/validation/cursor';
import { assertUuid } from '../platform/validation/ids';
import { requireRecentSignIn } from '../mfa/step-up.policy';
import { validateInput } from '../platform/validation/validate-input';
import { emailKey, normalizeEmail } from '../platform/validation/email/email.address';
import { assertAnAdminRemains, lockActiveAdmins } from './last-admin.guard';
import { assertVersion, type VersionPrecondition } from './version.precondition';
import { diffFields } from '../audit/audit.service';
import type { AuditedCommands, AuditedUnitOfWork } from '../audit/audited-command.pipeline';
import type { EmailAddressChanged, EmailChangeRequested, UserActivationChanged, UserChanged, UserCreated, UserDeleted, UserRoleChanged } from './user.events';
import type { SessionsEnded } from '../auth/sessions/session.events';

export type UserCursorPage = Omit<CursorResult, 'edges'> & { edges: { cursor: string; node: UserView }[] };

export interface UserPage {
  items: UserView[];
  page: number;
  limit: number;
  total: number;
  totalPages: number;
}

const PROFILE_FIELDS = ['username', 'email', 'firstName', 'lastName', 'phone'] as const;
const AUDITED_FIELDS: (keyof User)[] = [...PROFILE_FIELDS, 'role', 'isActive', 'emailVerified'];

const ROLE_RANK: Record<UserRole, number> = { [UserRole.USER]: 1, [UserRole.MODERATOR]: 2, [UserRole.ADMIN]: 3 };

const CREATE_DENIALS: Record<CreateUserDenial, string> = {
  'not-admin': 'Only admins can create accounts for others.',
  'signup-disabled': 'Sign-up is disabled.',
  privileged: 'Only admins can set role, isActive or emailVerified.',
};

export interface UserServiceSettings {
  signupEnabled: boolean;
  /** REQUIRE_IF_MATCH: updates and deletions must name the version they change. */
  requireVersionPrecondition: boolean;
}

/**
 * The seed's UserService: the user operations, whichever door the request came in by. Who may do
 * what is user.policy.ts; every write runs through the command pipeline, and caches hear of it from
 * its after-commit events (src/app/event-subscribers.ts), not from here.
 */
export class UserService {
  constructor(
    private readonly settings: UserServiceSettings,
    private readonly hasher: PasswordHasher,
    private readonly commands: AuditedCommands,
    private readonly cache: UserReadCache,
    private readonly reads: ReplicaRouter,
  ) {}

  async createUser(ctx: RequestContext, raw: unknown): Promise<User> {
    return this.commands.run(ctx, {
      name: 'user.create',
      validate: () => validateInput(CreateUserInput, raw),
      authorize: (input) => {
        const denial = createUserDenial(ctx.actor, input, this.settings);
        if (denial) throw new ForbiddenError(CREATE_DENIALS[denial]);
        assertPasswordDiffersFromIdentity(input.password, input.username, input.email);
        return input;
      },
      prepare: async (input) => ({ input, passwordHash: await this.hasher.hash(input.password) }),
      work: async ({ em, audit, emit }, { input, passwordHash }) => {
        const created = em.getRepository(User).add({
          username: input.username,
          email: normalizeEmail(input.email).email,
          passwordHash,
          firstName: input.firstName,
          lastName: input.lastName,
          phone: input.phone ?? null,
          role: input.role ?? UserRole.USER,
          isActive: input.isActive ?? true,
          emailVerified: input.emailVerified ?? false,
        });
        em.persist(em.create(PasswordHistory, { user: created, passwordHash }));
        audit({ action: 'user.created', entityType: 'user', entityId: created.id, newValues: pick(created, AUDITED_FIELDS) });
        // Sign-up always gets its verification link; an admin may create an account quietly.
        const sendWelcome = !created.emailVerified && (ctx.actor === null || input.sendEmail !== false);
        emit<UserCreated>({ type: 'UserCreated', userId: created.id, sendWelcome });
        return created;
      },
    });
  }

  /** Served through the cache; the visibility rule is applied to whatever the cache returns. */
  async getUserById(ctx: RequestContext, id: string): Promise<UserView> {
    if (!ctx.actor) throw UnauthenticatedError.required();
    const userId = assertUuid(id, 'user id');
    const user = await this.cache.getUser(userId, () => findLiveUserView(ctx.em, userId));
    if (!user || !canOnUser(ctx.actor, 'read', user)) throw new NotFoundError('User not found.');
    return user;
  }

  async listUsers(ctx: RequestContext, rawFilter: unknown, order: UserOrderInput, rawPage: unknown): Promise<UserPage> {
    this.assertCanList(ctx);
    const filter = await validateFilter(rawFilter);
    const page = await validateInput(OffsetPageInput, rawPage, 'page');
    // Lists and search may be served by a read replica (see ReplicaRouter); such a result is not cached.
    let fromReplica = false;
    const load = async () => {
      const offset = (page.page - 1) * page.limit;
      const found = await this.reads.read(ctx, (em, connectionType) => em.getRepository(User).findAllPaginated(filter, order, { offset, limit: page.limit }, { connectionType }));
      fromReplica = found.fromReplica;
      return { items: found.value.items.map(toUserView), total: found.value.total };
    };
    const { items, total } = await this.cache.getList(JSON.stringify({ kind: 'offset', filter, order, page }), load, () => !fromReplica);
    return { items, page: page.page, limit: page.limit, total, totalPages: Math.ceil(total / page.limit) };
  }

  async listUsersByCursor(ctx: RequestContext, rawFilter: unknown, order: UserOrderInput, rawPage: unknown): Promise<UserCursorPage> {
    this.assertCanList(ctx);
    const filter = await validateFilter(rawFilter);
    const page = await validateInput(CursorPageInput, rawPage, 'page');
    let fromReplica = false;
    const load = async () => {
      const found = await withCursor(page.after, () => this.reads.read(ctx, (em, connectionType) => em.getRepository(User).findPage(filter, order, page, { connectionType })));
      fromReplica = found.fromReplica;
      return { ...found.value, edges: found.value.edges.map(({ cursor, node }) => ({ cursor, node: toUserView(node) })) };
    };
    return this.cache.getList(JSON.stringify({ kind: 'cursor', filter, order, page }), load, () => !fromReplica);
  }

  /**
   * `merge` is a partial change (PATCH, GraphQL); `replace` swaps the whole profile (PUT). The row
   * is read under its lock, so the audit's old values are what this change replaced (concurrent
   * changes leave a serial history) and the version precondition is checked against the truth.
   */
  async updateUser(ctx: RequestContext, id: string, raw: unknown, mode: 'merge' | 'replace', precondition?: VersionPrecondition): Promise<User> {
    return this.commands.run(ctx, {
      name: 'user.update',
      validate: async () => {
        const input: UpdateUserInput = mode === 'replace' ? { phone: null, ...(await validateInput(ReplaceUserInput, raw)) } : await validateInput(UpdateUserInput, raw);
        const changes = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as Partial<User>;
        if (changes.email) changes.email = normalizeEmail(changes.email).email;
        return changes;
      },
      // Per field, against the row as it is under its lock: see the work.
      authorize: (changes) => changes,
      work: async ({ em, audit, emit }, changes) => {
        const mayRemoveAnAdmin = changes.role !== undefined || changes.isActive !== undefined;
        const activeAdmins = mayRemoveAnAdmin ? await lockActiveAdmins(em) : null;
        const target = await this.findVisible(ctx, em, id, { lock: true });
        const denied = firstFieldDenied(ctx.actor, Object.keys(changes), target);
        if (denied !== undefined) throw new ForbiddenError(`You may not change ${denied} of this user.`);
        assertVersion(target.version, precondition, this.settings.requireVersionPrecondition);
        if (activeAdmins) assertAnAdminRemains(activeAdmins, target.id, { role: changes.role ?? target.role, isActive: changes.isActive ?? target.isActive, deleted: false });
        // A new mailbox (not merely another spelling of it) was never verified, unless an admin vouches for it now.
        const newAddress = changes.email !== undefined && emailKey(changes.email) !== target.emailKey;
        // A new address (where password resets go) or a new role: a stolen access token alone must not do it.
        if (newAddress || (changes.role !== undefined && changes.role !== target.role)) requireRecentSignIn(ctx.actor ?? {});
        // An owner's new address waits for the link mailed there; an admin's applies at once, unverified unless vouched for.
        const pendingAddress = newAddress && ctx.actor?.id === target.id ? (changes.email as string) : null;
        if (pendingAddress !== null) {
          await assertAddressFree(em, pendingAddress, target.id);
          delete changes.email;
        } else if (newAddress && changes.emailVerified === undefined) changes.emailVerified = false;
        const before = pick(target, AUDITED_FIELDS);
        const previousEmail = target.email;
        if (pendingAddress !== null) target.pendingEmail = pendingAddress;
        em.getRepository(User).update(target, changes);
        // Losing the right to sign in or a role ends the sessions opened before (a promotion does not).
        if ((before.isActive === true && target.isActive === false) || ROLE_RANK[target.role] < ROLE_RANK[before.role as UserRole]) em.getRepository(User).renewStamp(target);
        const { oldValues, newValues } = diffFields(before, pick(target, AUDITED_FIELDS), AUDITED_FIELDS as string[]);
        auditUpdate(audit, target.id, oldValues, newValues);
        const deactivated = before.isActive === true && target.isActive === false;
        const endedSessions = deactivated ? await em.getRepository(Session).deleteByUserId(target.id) : [];
        emit<UserChanged>({ type: 'UserChanged', userId: target.id, fields: pendingAddress !== null ? [...Object.keys(newValues), 'pendingEmail'] : Object.keys(newValues) });
        if ('role' in newValues) emit<UserRoleChanged>({ type: 'UserRoleChanged', userId: target.id, from: String(oldValues.role), to: String(newValues.role) });
        if ('isActive' in newValues) emit<UserActivationChanged>({ type: 'UserActivationChanged', userId: target.id, active: newValues.isActive === true });
        if (endedSessions.length > 0) emit<SessionsEnded>({ type: 'SessionsEnded', sessionIds: endedSessions, userId: target.id, reason: 'deactivated' });
        if (pendingAddress !== null) {
          audit({ action: 'user.email_change_requested', entityType: 'user', entityId: target.id, newValues: { pendingEmail: pendingAddress } });
          emit<EmailChangeRequested>({ type: 'EmailChangeRequested', userId: target.id, newEmail: pendingAddress, currentEmail: previousEmail });
        } else if (newAddress) {
          emit<EmailAddressChanged>({ type: 'EmailAddressChanged', userId: target.id, email: target.email, previousEmail, verified: target.emailVerified, byAdmin: true });
        }
        return target;
      },
    });
  }

  async deleteUser(ctx: RequestContext, id: string, precondition?: VersionPrecondition): Promise<void> {
    await this.commands.run(ctx, {
      name: 'user.delete',
      validate: () => undefined,
      // Against the row as it is under its lock: see the work.
      authorize: () => undefined,
      work: async ({ em, audit, emit }) => {
        const activeAdmins = await lockActiveAdmins(em);
        const target = await this.findVisible(ctx, em, id, { lock: true });
        if (!canOnUser(ctx.actor, 'delete', target)) throw new ForbiddenError('You may not delete this user.');
        assertVersion(target.version, precondition, this.settings.requireVersionPrecondition);
        assertAnAdminRemains(activeAdmins, target.id, { role: target.role, isActive: target.isActive, deleted: true });
        em.getRepository(User).softDelete(target);
        const ended = await em.getRepository(Session).deleteByUserId(target.id);
        audit({ action: 'user.deleted', entityType: 'user', entityId: target.id });
        emit<UserDeleted>({ type: 'UserDeleted', userId: target.id });
        if (ended.length > 0) emit<SessionsEnded>({ type: 'SessionsEnded', sessionIds: ended, userId: target.id, reason: 'user_deleted' });
      },
    });
  }

  /**
   * The user as the actor may see it. Plain users get "not found" for anyone but themselves, exactly
   * as for a missing id, so ids cannot be probed. With `lock`, the row is read FOR UPDATE (inside
   * the caller's transaction) and refreshed from it, whatever the EntityManager held before.
   */
  async findVisible(ctx: RequestContext, em: EntityManager, id: string, options: { lock?: boolean } = {}): Promise<User> {
    if (!ctx.actor) throw UnauthenticatedError.required();
    const userId = assertUuid(id, 'user id');
    const users = em.getRepository(User);
    const user = options.lock ? await users.findOne({ id: userId, deletedAt: null }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true }) : await users.findById(userId);
    if (!user || !canOnUser(ctx.actor, 'read', user)) throw new NotFoundError('User not found.');
    return user;
  }

  private assertCanList(ctx: RequestContext): void {
    if (!ctx.actor) throw UnauthenticatedError.required();
    if (!canOnUser(ctx.actor, 'list')) throw new ForbiddenError('Listing users needs the moderator or admin role.');
  }
}

/** One audit row per kind of change: role and status changes are looked for on their own. */
function auditUpdate(audit: AuditedUnitOfWork['audit'], userId: string, oldValues: Record<string, unknown>, newValues: Record<string, unknown>): void {
  const entry = { entityType: 'user' as const, entityId: userId };
  if ('role' in newValues) {
    audit({ ...entry, action: 'user.role_changed', oldValues: { role: oldValues.role }, newValues: { role: newValues.role } });
  }
  if ('isActive' in newValues) {
    audit({ ...entry, action: newValues.isActive ? 'user.activated' : 'user.deactivated', oldValues: { isActive: oldValues.isActive }, newValues: { isActive: newValues.isActive } });
  }
  const rest = Object.keys(newValues).filter((field) => field !== 'role' && field !== 'isActive');
  if (rest.length > 0) {
    audit({ ...entry, action: 'user.updated', oldValues: pick(oldValues, rest), newValues: pick(newValues, rest) });
  }
}

/** The unique index decides when the address is applied; asking for a taken one is refused now, as a direct change would be. */
async function assertAddressFree(em: EntityManager, address: string, ownerId: string): Promise<void> {
  const holder = await em.getRepository(User).findOne({ emailKey: emailKey(address), deletedAt: null, id: { $ne: ownerId } }, { fields: ['id'] });
  if (holder) throw new ConflictError('A user with this email already exists.', 'email');
}

export function assertPasswordDiffersFromIdentity(password: string, username: string, email: string, field = 'password'): void {
  const lowered = password.toLowerCase();
  if (lowered === username.toLowerCase() || lowered === email.toLowerCase()) {
    throw new ValidationError([{ field, message: `${field} must not be the username or email` }]);
  }
}

async function validateFilter(rawFilter: unknown): Promise<UserFilterInput> {
  const filter = await validateInput(UserFilterInput, rawFilter ?? {}, 'filter');
  if (filter.createdAfter && filter.createdBefore && filter.createdAfter >= filter.createdBefore) {
    throw new ValidationError([{ field: 'createdBefore', message: 'createdBefore must be later than createdAfter' }]);
  }
  return filter;
}

function pick<T extends object>(source: T, fields: readonly (keyof T | string)[]): Record<string, unknown> {
  return Object.fromEntries(fields.filter((field) => field in source).map((field) => [field, (source as Record<string, unknown>)[field as string]]));
}
