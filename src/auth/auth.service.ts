import type { Actor, RequestContext } from '../context/request-context';
import { Session } from './sessions/session.entity';
import { User } from '../users/user.entity';
import { LoginInput, RefreshTokenInput } from './auth.inputs';
import { findLiveUserView } from '../users/user-view.query';
import { EmailNotVerifiedError, TooManyRequestsError, UnauthenticatedError } from '../platform/errors/domain.errors';
import { withOrmErrors } from '../platform/errors/orm-error.translator';
import { type LoginThrottle, throttledAccount } from './throttle/login.throttle';
import type { PasswordHasher } from './passwords/password.hasher';
import { hashToken } from './tokens/token.hasher';
import type { Authentication, TokenService } from './tokens/token.service';
import { authenticationClaims } from '../mfa/step-up.policy';
import { validateInput } from '../platform/validation/validate-input';
import type { AuditedCommands, AuditedUnitOfWork } from '../audit/audited-command.pipeline';
import { stageSessionInsert } from './sessions/session.rows';
import type { SessionCache } from './sessions/session.cache';
import type { UserReadCache } from '../users/cache/user.cache';
import type { UserChanged } from '../users/user.events';
import type { SessionChanged, SessionOpened, SessionsEnded } from './sessions/session.events';
import { type MfaRequired, noSecondFactor, type SecondFactorPort } from './second-factor.port';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: User;
  sessionId: string;
}

/** What a login answers: the token pair, or, with MFA on, the challenge of its second step. */
export type LoginResult = TokenPair | MfaRequired;

export function isMfaRequired(result: LoginResult): result is MfaRequired {
  return 'mfaRequired' in result;
}

/** How long a just-rotated refresh token counts as a client race rather than theft. */
const ROTATION_GRACE_MS = 10_000;

const INVALID_CREDENTIALS = 'Invalid username or password.';

/** What checking the credentials found: a user to open a session for, or a failure to record. */
type CredentialCheck =
  | { proven: false; userId: string | null }
  | { proven: true; user: User; password: string; stampChecked: string; ipFailures: boolean };

/** The seed's AuthService: credentials in, sessions and tokens out, and the check of every token. */
export class AuthService {
  constructor(
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly sessionCache: SessionCache,
    private readonly throttle: LoginThrottle,
    private readonly commands: AuditedCommands,
    private readonly userCache: UserReadCache,
    private readonly secondFactor: SecondFactorPort = noSecondFactor,
    /** MFA_REQUIRED_ROLES: callers of these roles without a second factor may only enrol one. */
    private readonly mfaRequiredRoles: readonly string[] = [],
    /** REQUIRE_VERIFIED_EMAIL: a sign-in waits for the address to be confirmed. */
    private readonly signInRules: { requireVerifiedEmail: boolean } = { requireVerifiedEmail: false },
  ) {}

  /**
   * Unknown user, wrong password, deactivated or deleted account: one answer and about one cost
   * (a dummy hash is verified when there is no user), so accounts cannot be enumerated.
   */
  async login(ctx: RequestContext, raw: unknown): Promise<LoginResult> {
    const outcome = await this.commands.run(ctx, {
      name: 'auth.login',
      validate: () => validateInput(LoginInput, raw),
      // Anyone may try; proving the credentials is what authorizes opening a session.
      authorize: ({ username, password }) => this.checkCredentials(ctx, username, password),
      prepare: async (check) => ({
        check,
        rehashed: check.proven && this.hasher.needsRehash(check.user.passwordHash) ? await this.hasher.hash(check.password) : null,
        // Read before the user's row is locked, so the lock is held no longer than without MFA.
        methods: check.proven ? await this.secondFactor.methodsFor(ctx.em, check.user.id) : [],
      }),
      work: async ({ em, audit, emit, batch }, { check, rehashed, methods }) => {
        if (!check.proven) {
          // Committed, and only then is the login refused: the failure stays on the record.
          audit({ action: 'auth.login_failed', entityType: 'user', entityId: check.userId, userId: check.userId });
          return null;
        }
        // With MFA on, half a sign-in: no session, and lastLoginAt waits for the second factor.
        const signsIn = methods.length === 0;
        // The row as it is now, locked until the session is in, and lastLoginAt (and a rehash) written
        // by the same statement: a password change, a deactivation or an admin reset that committed
        // while the password was being verified renewed the stamp, and this login fails, its writes
        // rolled back. Committed first, this login's session is ended by that change instead.
        const current = await em.getRepository(User).lockForSignIn(check.user.id, { lastLoginAt: signsIn ? new Date() : null, passwordHash: rehashed });
        if (!current || !current.isActive || current.deletedAt !== null || current.securityStamp !== check.stampChecked) throw new UnauthenticatedError(INVALID_CREDENTIALS);
        // Only after the password was proven: the refusal tells nobody else that the account exists.
        this.assertMaySignIn(current);
        if (!signsIn) {
          audit({ action: 'auth.mfa_challenged', entityType: 'user', entityId: current.id, userId: current.id, newValues: { methods } });
          if (rehashed) emit<UserChanged>({ type: 'UserChanged', userId: current.id, fields: ['password'] });
          return { mfa: { userId: current.id, methods } };
        }
        const opened = this.openSession({ em, batch }, ctx, current, authenticationClaims(['pwd'], Date.now()));
        audit({ action: 'auth.login', entityType: 'session', entityId: opened.sessionId, userId: current.id });
        emit<SessionOpened>({ type: 'SessionOpened', sessionId: opened.sessionId, userId: current.id, method: 'password' });
        // lastLoginAt (and a rehash) changed the user: cached views must not keep the old one.
        emit<UserChanged>({ type: 'UserChanged', userId: current.id, fields: rehashed ? ['lastLoginAt', 'password'] : ['lastLoginAt'] });
        return { opened, account: throttledAccount(current), ipFailures: check.ipFailures };
      },
    });
    if (!outcome) throw new UnauthenticatedError(INVALID_CREDENTIALS);
    // With MFA on, the password alone does not clear the failures: wrong codes count toward the same
    // lock-out, and a known password must not reset it between batches of guessed codes.
    if (outcome.mfa) return this.secondFactor.challenge(outcome.mfa.userId, outcome.mfa.methods, Date.now());
    // Nothing to clear when this IP had no failures on the account (see LoginThrottle.admit).
    if (outcome.ipFailures) await this.throttle.recordSuccess(outcome.account, ctx.ipAddress);
    return outcome.opened;
  }

  /**
   * Rotation: each refresh token works once. A retired token seen again means it leaked, so the
   * whole session dies; a token retired a moment ago is a client racing itself and is only refused.
   */
  async refresh(ctx: RequestContext, raw: unknown): Promise<TokenPair> {
    return this.commands.run(ctx, {
      name: 'auth.refresh',
      validate: async () => {
        const { refreshToken } = await validateInput(RefreshTokenInput, raw);
        return { claims: this.tokens.verifyRefresh(refreshToken), presentedHash: hashToken(refreshToken) };
      },
      // The refresh token is the credential: it must be the session's current one.
      authorize: async ({ claims, presentedHash }) => {
        const session = await ctx.em.getRepository(Session).findLive(claims.sid);
        if (!session || session.user.id !== claims.sub) throw new UnauthenticatedError('The session has ended.');
        if (session.tokenHash !== presentedHash) {
          const racing = session.previousTokenHash === presentedHash && session.rotatedAt !== null && Date.now() - session.rotatedAt.getTime() < ROTATION_GRACE_MS;
          if (!racing) await this.revokeForReuse(ctx, session);
          throw new UnauthenticatedError('The refresh token has already been used.');
        }
        const user = session.user;
        if (!user.isActive || user.deletedAt !== null || session.securityStamp !== user.securityStamp) throw new UnauthenticatedError('The session has ended.');
        return { session, user, presentedHash, claims };
      },
      work: async ({ em, emit }, { session, user, presentedHash, claims }) => {
        // The sign-in's time and factors carry over: a refresh is not a sign-in (step-up asks for one).
        const authentication = { amr: claims.amr, auth_time: claims.auth_time };
        const next = this.tokens.issueRefresh(user.id, session.id, authentication);
        // Only one of two racing rotations matches the presented hash; the other is refused.
        const won = await em.getRepository(Session).rotate(session.id, presentedHash, hashToken(next.token), next.expiresAt);
        if (!won) throw new UnauthenticatedError('The refresh token has already been used.');
        emit<SessionChanged>({ type: 'SessionChanged', sessionId: session.id });
        const access = this.tokens.issueAccess(user, session.id, authentication);
        return { accessToken: access.token, refreshToken: next.token, tokenType: 'Bearer' as const, expiresIn: this.tokens.accessTokenTtlSeconds, user, sessionId: session.id };
      },
    });
  }

  async logout(ctx: RequestContext): Promise<void> {
    const actor = requireActor(ctx);
    await this.sessionCache.revokeToken(actor.tokenId, actor.sessionId, actor.tokenExpiresAt);
    await this.commands.run(ctx, {
      name: 'auth.logout',
      validate: () => undefined,
      // Everyone signed in may end their own session.
      authorize: () => undefined,
      work: async ({ em, audit, emit }) => {
        await em.getRepository(Session).deleteById(actor.sessionId);
        audit({ action: 'auth.logout', entityType: 'session', entityId: actor.sessionId });
        emit<SessionsEnded>({ type: 'SessionsEnded', sessionIds: [actor.sessionId], userId: actor.id, reason: 'logout' });
      },
    });
  }

  async logoutAll(ctx: RequestContext): Promise<number> {
    const actor = requireActor(ctx);
    await this.sessionCache.revokeToken(actor.tokenId, actor.sessionId, actor.tokenExpiresAt);
    return this.commands.run(ctx, {
      name: 'auth.logout-all',
      validate: () => undefined,
      // Everyone signed in may end their own sessions.
      authorize: () => undefined,
      work: async ({ em, audit, emit }) => {
        const endedIds = await em.getRepository(Session).deleteByUserId(actor.id);
        audit({ action: 'auth.logout', entityType: 'user', entityId: actor.id, newValues: { sessionsEnded: endedIds.length } });
        if (endedIds.length > 0) emit<SessionsEnded>({ type: 'SessionsEnded', sessionIds: endedIds, userId: actor.id, reason: 'logout' });
        return endedIds.length;
      },
    });
  }

  /**
   * Every protected request passes here: signature and expiry, token type, blacklist, a live
   * session, and a user who is still active and not deleted.
   */
  async authenticate(ctx: Pick<RequestContext, 'em'>, accessToken: string): Promise<Actor> {
    const claims = this.tokens.verifyAccess(accessToken);
    const tokenExpiresAt = new Date(claims.exp * 1000);
    // One Redis round trip answers both "revoked?" and, usually, "which live session?".
    const state = await this.sessionCache.lookup(claims.jti, claims.sid);
    if (state.revoked) throw new UnauthenticatedError('The token has been revoked.');
    let session = state.session;
    if (!session) {
      // ctx.em only here and below, on a cache miss: a fully cached request never forks the ORM.
      const row = await withOrmErrors(() => ctx.em.getRepository(Session).findLive(claims.sid));
      session = row ? { userId: row.user.id, expiresAt: row.expiresAt.getTime(), stamp: row.securityStamp } : null;
      if (session) await this.sessionCache.remember(claims.sid, session, tokenExpiresAt, state.fill);
    }
    if (!session || session.userId !== claims.sub || session.expiresAt <= Date.now()) throw new UnauthenticatedError('The session has ended.');
    // The role comes from the user as it is now, not as it was when the token was issued.
    const user = await this.userCache.getUser(claims.sub, () => findLiveUserView(ctx.em, claims.sub));
    if (!user || !user.isActive) throw new UnauthenticatedError('The account is not active.');
    // Opened under another stamp: the password changed, or the user was deactivated or demoted, since.
    if (session.stamp !== user.securityStamp) throw new UnauthenticatedError('The session has ended.');
    // Only for the roles that must enrol, so every other request costs no extra query.
    const mustEnrolMfa = this.mfaRequiredRoles.includes(user.role) && (await withOrmErrors(() => this.secondFactor.methodsFor(ctx.em, user.id))).length === 0;
    return { id: user.id, username: user.username, role: user.role, sessionId: claims.sid, tokenId: claims.jti, tokenExpiresAt, amr: claims.amr, authTime: claims.auth_time, ...(mustEnrolMfa ? { mustEnrolMfa } : {}) };
  }

  /**
   * Starts a session for a user whose credentials (and second factor, if any) were just proven. Its
   * row is staged on the write's batch (one statement with the audit and outbox rows), so only the
   * refresh token's hash is ever stored.
   */
  openSession(uow: Pick<AuditedUnitOfWork, 'em' | 'batch'>, ctx: Pick<RequestContext, 'ipAddress' | 'userAgent'>, user: User, authentication: Authentication): TokenPair {
    const session = uow.em.create(
      Session,
      {
        user,
        tokenHash: '',
        securityStamp: user.securityStamp,
        ipAddress: ctx.ipAddress.slice(0, 45),
        userAgent: ctx.userAgent.slice(0, 512),
        expiresAt: new Date(),
      },
      { persist: false },
    );
    const refresh = this.tokens.issueRefresh(user.id, session.id, authentication);
    session.tokenHash = hashToken(refresh.token);
    session.expiresAt = refresh.expiresAt;
    stageSessionInsert(uow.batch, session);
    const access = this.tokens.issueAccess(user, session.id, authentication);
    return { accessToken: access.token, refreshToken: refresh.token, tokenType: 'Bearer', expiresIn: this.tokens.accessTokenTtlSeconds, user, sessionId: session.id };
  }

  /**
   * Opens a session for a user whose sign-in another proof (a passkey) already settled: the same
   * session, audit row and lastLoginAt as a password login, with `method` on the audit row. The
   * account must still be live; the caller records its own failed proofs.
   */
  async signInProven(ctx: RequestContext, userId: string, method: 'passkey'): Promise<TokenPair> {
    return this.commands.run(ctx, {
      name: 'auth.login',
      validate: () => undefined,
      // The proof was checked by the caller; what is left to authorize is the account's state, under lock below.
      authorize: () => undefined,
      work: async ({ em, audit, emit, batch }) => {
        // Locked and lastLoginAt written by one statement; refused, the write rolls back.
        const current = await em.getRepository(User).lockForSignIn(userId, { lastLoginAt: new Date(), passwordHash: null });
        if (!current || !current.isActive || current.deletedAt !== null) throw new UnauthenticatedError('The account is not active.');
        this.assertMaySignIn(current);
        // A passkey sign-in required user verification, so the one proof stands for both factors.
        const opened = this.openSession({ em, batch }, ctx, current, authenticationClaims(['hwk'], Date.now()));
        audit({ action: 'auth.login', entityType: 'session', entityId: opened.sessionId, userId: current.id, newValues: { method } });
        emit<SessionOpened>({ type: 'SessionOpened', sessionId: opened.sessionId, userId: current.id, method });
        emit<UserChanged>({ type: 'UserChanged', userId: current.id, fields: ['lastLoginAt'] });
        return opened;
      },
    });
  }

  /** A failure is counted by the login throttle; too many of them refuse before any hash is verified. */
  private async checkCredentials(ctx: RequestContext, login: string, password: string): Promise<CredentialCheck> {
    const user = await ctx.em.getRepository(User).findByLogin(login);
    // Failures count against the account (its current credential) however it was named; unknown names by the name.
    const account = user ? throttledAccount(user) : `name:${login}`;
    const { retryAfter, ipFailures } = await this.throttle.admit(account, ctx.ipAddress);
    if (retryAfter > 0) throw new TooManyRequestsError('Too many failed logins; try again later.', retryAfter);

    // The stamp as it was when the password was checked: the session may only be opened under it.
    const stampChecked = user?.securityStamp;
    const passwordMatches = user ? await this.hasher.verify(user.passwordHash, password) : await this.hasher.verifyAgainstDummy(password);
    if (!user || !passwordMatches || !user.isActive) {
      await this.throttle.recordFailure(account, ctx.ipAddress);
      return { proven: false, userId: user?.id ?? null };
    }
    return { proven: true, user, password, stampChecked: stampChecked as string, ipFailures };
  }

  private assertMaySignIn(user: User): void {
    if (this.signInRules.requireVerifiedEmail && !user.emailVerified) throw new EmailNotVerifiedError();
  }

  private async revokeForReuse(ctx: RequestContext, session: Session): Promise<void> {
    await this.commands.run(ctx, {
      name: 'auth.refresh-reuse',
      validate: () => undefined,
      // Nobody asked for this: a leaked refresh token was seen, and the session it opens must die.
      authorize: () => undefined,
      work: async ({ em, audit, emit }) => {
        await em.getRepository(Session).deleteById(session.id);
        audit({ action: 'auth.refresh_reuse_detected', entityType: 'session', entityId: session.id, userId: session.user.id });
        emit<SessionsEnded>({ type: 'SessionsEnded', sessionIds: [session.id], userId: session.user.id, reason: 'refresh_reuse' });
      },
    });
  }
}

export function requireActor(ctx: Pick<RequestContext, 'actor'>): Actor {
  if (!ctx.actor) throw UnauthenticatedError.required();
  return ctx.actor;
}
