import { AuthService } from '../../src/auth/auth.service';
import { Session } from '../../src/auth/sessions/session.entity';
import { MemorySessionCache } from '../../src/auth/sessions/memory-session.cache';
import type { Actor } from '../../src/context/request-context';
import { UserRole } from '../../src/users/user-role';
import { UnauthenticatedError } from '../../src/platform/errors/domain.errors';
import { fakeUnitOfWork } from '../support/fake-unit-of-work';

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
    expect(events).toEqual([{ type: 'SessionsEnded', sessionIds: ['s1'] }]);
  });

  it('ends every session of the user with logout-all and says how many', async () => {
    const { auth, context, rows, audits, events } = setUp();
    await expect(auth.logoutAll(context(ME))).resolves.toBe(3);
    expect(rows.size).toBe(0);
    expect(audits()).toEqual([{ action: 'auth.logout', entityId: 'u1', userId: 'u1' }]);
    expect(events).toEqual([{ type: 'SessionsEnded', sessionIds: ['s1', 's2', 's3'] }]);
  });

  it('needs a signed-in caller, and changes nothing without one', async () => {
    const { auth, context, rows, audits } = setUp();
    await expect(auth.logout(context(null))).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(auth.logoutAll(context(null))).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(rows.size).toBe(3);
    expect(audits()).toEqual([]);
  });
});
