import { UserRole } from '../../../src/users/user-role';
import { sql } from '../../support/auth';
import { DEFAULT_PASSWORD, signedIn, type SignedIn } from '../../support/factories';
import type { HttpResponse } from '../../support/http';
import { useTestServer } from '../../support/use-test-server';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A session opened with a credential that has since changed, or for a user since deactivated, is
 * dead: the security stamp is checked when the session is created and on every use. The production
 * argon2 cost here, so that logins take long enough to straddle the change.
 */
describe('logins racing a credential change', () => {
  const ctx = useTestServer({ ARGON2_MEMORY_KIB: '19456', ARGON2_ITERATIONS: '2', LOGIN_MAX_FAILURES_PER_IP: '1000', LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000' }, { admin: true });

  /** 24 logins with the same credentials, 20 ms apart, with `change` run among them. */
  async function loginsAround(user: SignedIn, change: () => Promise<HttpResponse>): Promise<{ tokens: { access: string; refresh: string }[]; change: HttpResponse }> {
    const logins: Promise<HttpResponse>[] = [];
    let changed: Promise<HttpResponse> | undefined;
    for (let i = 0; i < 24; i += 1) {
      logins.push(ctx.api.post('/v1/auth/login', { username: user.username, password: DEFAULT_PASSWORD }));
      if (i === 6) changed = change();
      await sleep(20);
    }
    const answers = await Promise.all(logins);
    const tokens = answers.filter((answer) => answer.status === 200).map((answer) => ({ access: answer.body.accessToken as string, refresh: answer.body.refreshToken as string }));
    return { tokens, change: await (changed as Promise<HttpResponse>) };
  }

  async function survivors(tokens: { access: string; refresh: string }[]): Promise<number> {
    let alive = 0;
    for (const { access, refresh } of tokens) {
      const validated = await ctx.api.get('/v1/auth/validate', { token: access });
      const refreshed = await ctx.api.post('/v1/auth/refresh', { refreshToken: refresh });
      if (validated.status !== 401 || refreshed.status !== 401) alive += 1;
    }
    return alive;
  }

  it.each([
    ['an admin resets it', (user: SignedIn) => ctx.api.post(`/v1/users/${user.id}/password`, { newPassword: 'Brand-new-passw0rd!' }, { token: ctx.admin.token }), true],
    ['the user changes it', (user: SignedIn) => ctx.api.post(`/v1/users/${user.id}/password`, { currentPassword: DEFAULT_PASSWORD, newPassword: 'Brand-new-passw0rd!' }, { token: user.token }), false],
  ])('no session opened with the old password works after %s', async (_how, change, checkOwn) => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const { tokens, change: changed } = await loginsAround(user, () => change(user));
    expect(changed.status).toBe(204);
    // The session that changed its own password stays; every other one, raced or not, is dead.
    expect(await survivors(checkOwn ? [...tokens, { access: user.token, refresh: user.refreshToken }] : tokens)).toBe(0);
    const [{ n }] = await sql(ctx.server, 'select count(*)::int as n from sessions where user_id = ? and security_stamp <> (select security_stamp from users where id = ?)', [user.id, user.id]);
    expect(n).toBe(0);
  });

  it('no session opened around a deactivation comes back when the user is reactivated', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const { tokens, change } = await loginsAround(user, () => ctx.api.patch(`/v1/users/${user.id}`, { isActive: false }, { token: ctx.admin.token }));
    expect(change.status).toBe(200);
    expect((await ctx.api.patch(`/v1/users/${user.id}`, { isActive: true }, { token: ctx.admin.token })).status).toBe(200);
    expect(await survivors([...tokens, { access: user.token, refresh: user.refreshToken }])).toBe(0);
    // The reactivated user signs in again as usual.
    expect((await ctx.api.post('/v1/auth/login', { username: user.username, password: DEFAULT_PASSWORD })).status).toBe(200);
  });

  it('an own password change keeps the current session and ends the others', async () => {
    const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
    const other = await ctx.api.post('/v1/auth/login', { username: user.username, password: DEFAULT_PASSWORD });
    const changed = await ctx.api.post(`/v1/users/${user.id}/password`, { currentPassword: DEFAULT_PASSWORD, newPassword: 'Own-new-passw0rd!' }, { token: user.token });
    expect(changed.status).toBe(204);
    expect((await ctx.api.get('/v1/auth/validate', { token: user.token })).status).toBe(200);
    expect((await ctx.api.get('/v1/auth/validate', { token: other.body.accessToken })).status).toBe(401);
  });

  it('a demoted admin’s sessions end; a promotion keeps them', async () => {
    const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
    const moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
    expect((await ctx.api.patch(`/v1/users/${admin.id}`, { role: 'user' }, { token: ctx.admin.token })).status).toBe(200);
    expect((await ctx.api.patch(`/v1/users/${moderator.id}`, { role: 'admin' }, { token: ctx.admin.token })).status).toBe(200);
    expect((await ctx.api.get('/v1/auth/validate', { token: admin.token })).status).toBe(401);
    expect((await ctx.api.get('/v1/auth/validate', { token: moderator.token })).body.user.role).toBe('admin');
  });
});
