import { Session } from '../../../src/auth/sessions/session.entity';
import type { SessionRepository } from '../../../src/auth/sessions/session.repository';
import { UserRole } from '../../../src/users/user-role';
import { decodeToken } from '../../support/auth';
import { signedIn, type SignedIn } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

/**
 * The cache-aside race on sessions, through the real service, PostgreSQL and (when one answers)
 * Redis: a request reads the session row, a revocation deletes the row and forgets the cached
 * session, and only then does the first request cache what it read. The revoked session must not
 * be believed by any later request.
 */
describe('a session read just before its revocation is not cached after it', () => {
  const ctx = useTestServer({}, { admin: true });

  /** An EntityManager whose session read waits, once the row is read, until released. */
  function heldSessionRead() {
    const em = ctx.server.orm.em.fork();
    const sessions = em.getRepository(Session) as SessionRepository;
    const findLive = sessions.findLive.bind(sessions);
    let read!: () => void;
    let release!: () => void;
    const rowRead = new Promise<void>((resolve) => (read = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    sessions.findLive = async (id: string) => {
      const row = await findLive(id);
      read();
      await released;
      return row;
    };
    return { em, rowRead, release };
  }

  const validate = (token: string) => ctx.api.get('/v1/auth/validate', { token });

  async function raceRevocation(user: SignedIn, revoke: () => Promise<{ status: number }>): Promise<void> {
    const held = heldSessionRead();
    const racing = ctx.server.services.auth.authenticate({ em: held.em }, user.token);
    await held.rowRead;
    expect((await revoke()).status).toBe(204);
    held.release();
    // It began before the revocation and read a live row: that one request may still pass.
    expect((await racing).id).toBe(user.id);
  }

  it('admin revokes one session: the token of that session is refused afterwards', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const sid = decodeToken(user.token).sid as string;
    await raceRevocation(user, () => ctx.api.delete(`/v1/users/${user.id}/sessions/${sid}`, { token: ctx.admin.token }));
    expect((await validate(user.token)).status).toBe(401);
  });

  it('logout with the refreshed token: the earlier access token of that session is refused afterwards', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const refreshed = await ctx.api.post('/v1/auth/refresh', { refreshToken: user.refreshToken });
    expect(refreshed.status).toBe(200);
    // Only the token presented to logout is blacklisted; the earlier one relies on the session being gone.
    await raceRevocation(user, () => ctx.api.post('/v1/auth/logout', undefined, { token: refreshed.body.accessToken }));
    expect((await validate(user.token)).status).toBe(401);
  });
});
