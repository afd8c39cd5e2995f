import { AuthService, isMfaRequired, type LoginResult, type TokenPair } from '../../src/auth/auth.service';
import { Session } from '../../src/auth/sessions/session.entity';
import { MemorySessionCache } from '../../src/auth/sessions/memory-session.cache';
import type { Actor } from '../../src/context/request-context';
import { UserRole } from '../../src/users/user-role';
import { TooManyRequestsError, UnauthenticatedError, ValidationError } from '../../src/platform/errors/domain.errors';
import { randomBytes } from 'node:crypto';
import { User } from '../../src/users/user.entity';
import type { PasswordHasher } from '../../src/auth/passwords/password.hasher';
import { TokenService } from '../../src/auth/tokens/token.service';
import { hashToken } from '../../src/auth/tokens/token.hasher';
import { LoginThrottle } from '../../src/auth/throttle/login.throttle';
import { MemoryLoginAttemptStore } from '../../src/auth/throttle/memory-login-attempt.store';
import { RedisFailureReporter } from '../../src/platform/redis/redis-failure.reporter';
import { createLogger } from '../../src/platform/observability/logger';
import { fakeUnitOfWork } from '../support/fake-unit-of-work';

/** These users have no second factor: a login must end in tokens. */
async function tokensOf(result: Promise<LoginResult>): Promise<TokenPair> {
  const settled = await result;
  if (isMfaRequired(settled)) throw new Error('expected tokens, got an MFA step');
  return settled;
}

const ME: Actor = { id: 'u1', username: 'me', role: UserRole.USER, sessionId: 's1', tokenId: 'jti-1', tokenExpiresAt: new Date(Date.now() + 60_000) };

/** Logout and logout-all on in-memory sessions; hashing, tokens and the throttle are not involved. */
function setUp() {
  const rows = new Set(['s1', 's2', 's3']);
  const sessions = {
    deleteById: async (id: string) => void rows.delete(id),
    deleteByUserId: async () => {
      const ended = [...rows];
      rows.clear();
      return ended;
    },
  };
  const uow = fakeUnitOfWork(new Map<Function, object>([[Session, sessions]]));
  const sessionCache = new MemorySessionCache(60);
  const auth = new AuthService({} as never, {} as never, sessionCache, {} as never, uow.commands, {} as never);
  return { ...uow, auth, rows, sessionCache };
}

describe('AuthService logout (no database)', () => {
  it('blacklists the access token, ends the session in an audited write and tells the session cache after it', async () => {
    const { auth, context, rows, audits, events, sessionCache } = setUp();
    await auth.logout(context(ME));
    expect((await sessionCache.lookup('jti-1', 's1')).revoked).toBe(true);
    expect([...rows]).toEqual(['s2', 's3']);
    expect(audits()).toEqual([{ action: 'auth.logout', entityId: 's1', userId: 'u1' }]);
    expect(events).toEqual([{ type: 'SessionsEnded', sessionIds: ['s1'], userId: 'u1', reason: 'logout' }]);
  });

  it('ends every session of the user with logout-all and says how many', async () => {
    const { auth, context, rows, audits, events } = setUp();
    await expect(auth.logoutAll(context(ME))).resolves.toBe(3);
    expect(rows.size).toBe(0);
    expect(audits()).toEqual([{ action: 'auth.logout', entityId: 'u1', userId: 'u1' }]);
    expect(events).toEqual([{ type: 'SessionsEnded', sessionIds: ['s1', 's2', 's3'], userId: 'u1', reason: 'logout' }]);
  });

  it('needs a signed-in caller, and changes nothing without one', async () => {
    const { auth, context, rows, audits } = setUp();
    await expect(auth.logout(context(null))).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(auth.logoutAll(context(null))).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(rows.size).toBe(3);
    expect(audits()).toEqual([]);
  });
});

const USER_ID = 'dddddddd-dddd-4ddd-8ddd-dddddddddddd';
const PASSWORD = 'Right-passw0rd!';
const sessionId = (n: number) => `eeeeeeee-eeee-4eee-8eee-${String(n).padStart(12, '0')}`;
const FIRST_SESSION = sessionId(1);

/**
 * Login and refresh on in-memory users and sessions: the real token service (random secret), the real
 * login throttle on the memory store, and a hasher whose hash is the password's name.
 */
function setUpSignIn(options: { stampChangedMeanwhile?: boolean } = {}) {
  const alice = { id: USER_ID, username: 'alice', role: UserRole.USER, email: 'alice@example.com', passwordHash: `h:${PASSWORD}`, securityStamp: 'stamp-1', isActive: true, deletedAt: null } as unknown as User;
  const verified: string[] = [];
  const hasher = {
    verify: async (hash: string, password: string) => (verified.push(password), hash === `h:${password}`),
    verifyAgainstDummy: async (password: string) => (verified.push(password), false as const),
    needsRehash: () => false,
    hash: async (password: string) => `h:${password}`,
  } as unknown as PasswordHasher;
  const users = {
    findByLogin: async (login: string) => ([alice.username, alice.email].includes(login.toLowerCase()) ? alice : null),
    // Under the lock: a change that committed while the password was checked renewed the stamp.
    findOne: async () => (options.stampChangedMeanwhile ? { ...alice, securityStamp: 'stamp-2' } : alice),
    // The row locked and, for a sign-in, its lastLoginAt written, as the one UPDATE would.
    lockForSignIn: async (_id: string, changes: { lastLoginAt: Date | null }) => {
      const row = await users.findOne();
      if (changes.lastLoginAt) row.lastLoginAt = changes.lastLoginAt;
      return row;
    },
  };
  const live = new Map<string, Session>();
  const ended: string[] = [];
  const sessions = {
    findLive: async (id: string) => live.get(id) ?? null,
    rotate: async (id: string, presentedHash: string, nextHash: string) => {
      const row = live.get(id);
      if (!row || row.tokenHash !== presentedHash) return false;
      Object.assign(row, { previousTokenHash: presentedHash, tokenHash: nextHash, rotatedAt: new Date() });
      return true;
    },
    deleteById: async (id: string) => void (live.delete(id), ended.push(id)),
  };
  let nextSession = 0;
  // A session gets its id when created, as the entity does; it is live once its write commits.
  const create = (entity: Function, data: Record<string, unknown>) => (entity === Session ? { id: sessionId(++nextSession), previousTokenHash: null, rotatedAt: null, ...data } : { ...data });
  const uow = fakeUnitOfWork(new Map<Function, object>([[User, users], [Session, sessions]]), { create });
  const tokens = new TokenService({ secret: randomBytes(32).toString('hex'), algorithm: 'HS256', accessTokenTtlSeconds: 900, refreshTokenTtlSeconds: 3600 });
  const throttle = new LoginThrottle(new MemoryLoginAttemptStore(), { maxFailuresPerIp: 2, maxFailuresPerAccount: 100, windowSeconds: 60 }, new RedisFailureReporter(createLogger('silent')));
  const auth = new AuthService(hasher, tokens, new MemorySessionCache(60), throttle, uow.commands, {} as never);
  /** Signs alice in and makes the session committed by the login live, as PostgreSQL would. */
  const signIn = async () => {
    const pair = await tokensOf(auth.login(uow.context(null), { username: 'alice', password: PASSWORD }));
    const row = uow.committed.find((persisted) => persisted.id === pair.sessionId) as unknown as Session;
    live.set(row.id, row);
    return pair;
  };
  return { ...uow, auth, alice, tokens, verified, live, ended, signIn };
}

describe('AuthService.login (no database)', () => {
  it('opens a session under the stamp the password was checked with, audits it and tells the user caches', async () => {
    const { auth, context, alice, tokens, committed, audits, events } = setUpSignIn();
    const pair = await tokensOf(auth.login(context(null), { username: 'Alice@Example.com', password: PASSWORD }));
    expect(pair).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: alice, sessionId: FIRST_SESSION });
    expect(tokens.verifyAccess(pair.accessToken)).toMatchObject({ sub: USER_ID, sid: FIRST_SESSION, role: UserRole.USER });
    expect(tokens.verifyRefresh(pair.refreshToken)).toMatchObject({ sub: USER_ID, sid: FIRST_SESSION });
    const session = committed.find((row) => row.id === FIRST_SESSION);
    expect(session).toMatchObject({ user: alice, securityStamp: 'stamp-1', tokenHash: hashToken(pair.refreshToken), ipAddress: '203.0.113.7' });
    expect(alice.lastLoginAt).toBeInstanceOf(Date);
    expect(audits()).toEqual([{ action: 'auth.login', entityId: FIRST_SESSION, userId: USER_ID }]);
    expect(events).toEqual([
      { type: 'SessionOpened', sessionId: FIRST_SESSION, userId: USER_ID, method: 'password' },
      { type: 'UserChanged', userId: USER_ID, fields: ['lastLoginAt'] },
    ]);
  });

  it.each([
    ['a wrong password', 'alice', 'Wrong-passw0rd!', USER_ID],
    ['an unknown user (checked against the dummy hash)', 'nobody', PASSWORD, null],
  ])('refuses %s with the one answer, keeping the failure on the record and opening no session', async (_case, username, password, userId) => {
    const { auth, context, committed, audits, events, verified } = setUpSignIn();
    await expect(auth.login(context(null), { username, password })).rejects.toThrow(new UnauthenticatedError('Invalid username or password.'));
    expect(verified).toEqual([password]);
    expect(audits()).toEqual([{ action: 'auth.login_failed', entityId: userId, userId }]);
    expect(committed.filter((row) => 'tokenHash' in row)).toEqual([]);
    expect(events).toEqual([]);
  });

  it('refuses a deactivated user with the right password, like a wrong one', async () => {
    const { auth, context, alice, audits, events } = setUpSignIn();
    alice.isActive = false;
    await expect(auth.login(context(null), { username: 'alice', password: PASSWORD })).rejects.toThrow(new UnauthenticatedError('Invalid username or password.'));
    expect(audits()).toEqual([{ action: 'auth.login_failed', entityId: USER_ID, userId: USER_ID }]);
    expect(alice.lastLoginAt).toBeUndefined();
    expect(events).toEqual([]);
  });

  it('opens no session when the password was changed while it was being checked', async () => {
    const { auth, context, committed, events } = setUpSignIn({ stampChangedMeanwhile: true });
    await expect(auth.login(context(null), { username: 'alice', password: PASSWORD })).rejects.toThrow(new UnauthenticatedError('Invalid username or password.'));
    expect(committed).toEqual([]);
    expect(events).toEqual([]);
  });

  it('locks the account out for this IP after too many failures, before verifying any password, even the right one', async () => {
    const { auth, context, verified, audits } = setUpSignIn();
    const attempt = (password: string) => auth.login(context(null), { username: 'alice', password });
    await expect(attempt('Wrong-passw0rd!')).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(attempt('Wrong-passw0rd!')).rejects.toBeInstanceOf(UnauthenticatedError);
    const refused = await attempt(PASSWORD).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TooManyRequestsError);
    expect((refused as TooManyRequestsError).retryAfterSeconds).toBeGreaterThan(0);
    expect(verified).toHaveLength(2);
    expect(audits().map(({ action }) => action)).toEqual(['auth.login_failed', 'auth.login_failed']);
  });

  it('refuses malformed input before looking anyone up', async () => {
    const { auth, context, verified, committed } = setUpSignIn();
    await expect(auth.login(context(null), { username: '', password: PASSWORD })).rejects.toBeInstanceOf(ValidationError);
    expect(verified).toEqual([]);
    expect(committed).toEqual([]);
  });
});

describe('AuthService.refresh (no database)', () => {
  it('rotates: a new pair for the same session, the presented token retired, the session cache told', async () => {
    const { auth, context, tokens, live, signIn, events } = setUpSignIn();
    const first = await signIn();
    events.length = 0;
    const second = await auth.refresh(context(null), { refreshToken: first.refreshToken });
    expect(second.sessionId).toBe(first.sessionId);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(tokens.verifyAccess(second.accessToken)).toMatchObject({ sub: USER_ID, sid: first.sessionId });
    expect(live.get(first.sessionId)).toMatchObject({ tokenHash: hashToken(second.refreshToken), previousTokenHash: hashToken(first.refreshToken) });
    expect(events).toEqual([{ type: 'SessionChanged', sessionId: first.sessionId }]);
  });

  it('treats a retired token seen again as stolen: refused, the session ended and audited', async () => {
    const { auth, context, live, ended, signIn, audits, events } = setUpSignIn();
    const first = await signIn();
    await auth.refresh(context(null), { refreshToken: first.refreshToken });
    // Past the grace for a client racing itself.
    live.get(first.sessionId)!.rotatedAt = new Date(Date.now() - 60_000);
    events.length = 0;
    await expect(auth.refresh(context(null), { refreshToken: first.refreshToken })).rejects.toThrow(new UnauthenticatedError('The refresh token has already been used.'));
    expect(ended).toEqual([first.sessionId]);
    expect(live.has(first.sessionId)).toBe(false);
    expect(audits()).toContainEqual({ action: 'auth.refresh_reuse_detected', entityId: first.sessionId, userId: USER_ID });
    expect(events).toEqual([{ type: 'SessionsEnded', sessionIds: [first.sessionId], userId: USER_ID, reason: 'refresh_reuse' }]);
  });

  it('only refuses a token retired a moment ago (a client racing itself), keeping the session', async () => {
    const { auth, context, live, ended, signIn } = setUpSignIn();
    const first = await signIn();
    const second = await auth.refresh(context(null), { refreshToken: first.refreshToken });
    await expect(auth.refresh(context(null), { refreshToken: first.refreshToken })).rejects.toThrow('The refresh token has already been used.');
    expect(ended).toEqual([]);
    expect(live.get(first.sessionId)?.tokenHash).toBe(hashToken(second.refreshToken));
  });

  it.each([
    ['is deactivated', (alice: User) => void (alice.isActive = false)],
    ['was deleted', (alice: User) => void (alice.deletedAt = new Date())],
    ['renewed its stamp (password changed)', (alice: User) => void (alice.securityStamp = 'stamp-2')],
  ])('refuses to refresh the session of a user who %s', async (_case, change) => {
    const { auth, context, alice, signIn, events } = setUpSignIn();
    const first = await signIn();
    change(alice);
    events.length = 0;
    await expect(auth.refresh(context(null), { refreshToken: first.refreshToken })).rejects.toThrow(new UnauthenticatedError('The session has ended.'));
    expect(events).toEqual([]);
  });

  it('refuses an access token, and a session that is gone', async () => {
    const { auth, context, live, signIn } = setUpSignIn();
    const first = await signIn();
    await expect(auth.refresh(context(null), { refreshToken: first.accessToken })).rejects.toThrow('The token is not a refresh token.');
    live.clear();
    await expect(auth.refresh(context(null), { refreshToken: first.refreshToken })).rejects.toThrow(new UnauthenticatedError('The session has ended.'));
  });
});

/** The check of every protected request: the token, the revocation list, a live session and the user as they are now. */
function setUpAuthenticate() {
  const sign = setUpSignIn();
  const views = new Map<string, { id: string; username: string; role: UserRole; isActive: boolean; securityStamp: string }>([
    [USER_ID, { id: USER_ID, username: 'alice', role: UserRole.USER, isActive: true, securityStamp: 'stamp-1' }],
  ]);
  const sessionCache = new MemorySessionCache(60);
  const userCache = { getUser: async (id: string) => views.get(id) ?? null, getList: async () => null } as never;
  const auth = new AuthService({} as never, sign.tokens, sessionCache, {} as never, sign.commands, userCache);
  return { ...sign, check: auth, views, sessionCache };
}

describe('AuthService.authenticate (no database)', () => {
  it('proves the actor from a live session, with the role the user has now', async () => {
    const { check, signIn, context, views } = setUpAuthenticate();
    const { accessToken, sessionId } = await signIn();
    views.get(USER_ID)!.role = UserRole.MODERATOR;
    await expect(check.authenticate(context(null), accessToken)).resolves.toMatchObject({ id: USER_ID, username: 'alice', role: UserRole.MODERATOR, sessionId });
  });

  it.each([
    ['a revoked token', 'The token has been revoked.', async (s: ReturnType<typeof setUpAuthenticate>, jti: string, sid: string) => s.sessionCache.revokeToken(jti, sid, new Date(Date.now() + 60_000))],
    ['an ended session', 'The session has ended.', async (s: ReturnType<typeof setUpAuthenticate>) => s.live.clear()],
    ['a deactivated user', 'The account is not active.', async (s: ReturnType<typeof setUpAuthenticate>) => void (s.views.get(USER_ID)!.isActive = false)],
    ['a deleted user', 'The account is not active.', async (s: ReturnType<typeof setUpAuthenticate>) => void s.views.delete(USER_ID)],
    ['a renewed stamp (password changed since)', 'The session has ended.', async (s: ReturnType<typeof setUpAuthenticate>) => void (s.views.get(USER_ID)!.securityStamp = 'stamp-2')],
  ])('refuses %s', async (_case, message, change) => {
    const setup = setUpAuthenticate();
    const { accessToken } = await setup.signIn();
    const claims = setup.tokens.verifyAccess(accessToken);
    await change(setup, claims.jti, claims.sid);
    await expect(setup.check.authenticate(setup.context(null), accessToken)).rejects.toThrow(new UnauthenticatedError(message));
  });

  it('refuses a refresh token and a forged one before any lookup', async () => {
    const { check, signIn, context } = setUpAuthenticate();
    const { refreshToken, accessToken } = await signIn();
    await expect(check.authenticate(context(null), refreshToken)).rejects.toThrow('The token is not an access token.');
    await expect(check.authenticate(context(null), `${accessToken}x`)).rejects.toThrow('The token is invalid.');
  });
});
