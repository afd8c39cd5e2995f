import { sleep } from '../../support/auth';
import { UserRole } from '../../../src/users/user-role';
import { login, seedUser, signedIn } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

/** One client IP guessing one account: locked out for LOGIN_LOCKOUT_SECONDS after LOGIN_MAX_FAILURES_PER_IP failures. */
describe('login lockout per account and IP', () => {
  const ctx = useTestServer({ LOGIN_MAX_FAILURES_PER_IP: '3', LOGIN_LOCKOUT_SECONDS: '2' });

  const attempt = (username: string, password: string) => ctx.api.post('/v1/auth/login', { username, password });
  const WRONG = 'Wrong-passw0rd!';

  async function failTimes(username: string, times: number): Promise<void> {
    for (let i = 0; i < times; i += 1) expect((await attempt(username, WRONG)).status).toBe(401);
  }

  it('refuses even the right password with 429 and Retry-After after 3 failures, then lets it in once the window is over', async () => {
    const user = await seedUser(ctx.server);
    await failTimes(user.username, 3);

    const locked = await attempt(user.username, user.password);
    expect(locked.status).toBe(429);
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    expect(locked.body).toMatchObject({ status: 429, type: '/problems/rate-limited', retryAfter });
    expect((await attempt(user.username, WRONG)).status).toBe(429);

    await sleep(2500);
    expect((await attempt(user.username, user.password)).status).toBe(200);
  });

  it('does not lock before the threshold, and a success clears the count', async () => {
    const user = await seedUser(ctx.server);
    await failTimes(user.username, 2);
    expect((await attempt(user.username, user.password)).status).toBe(200);
    await failTimes(user.username, 2);
    expect((await attempt(user.username, user.password)).status).toBe(200);
  });

  it('counts the account whatever letter case or identifier the failures used', async () => {
    const user = await seedUser(ctx.server);
    await attempt(user.username.toUpperCase(), WRONG);
    await attempt(user.email, WRONG);
    await attempt(user.email.toUpperCase(), WRONG);
    expect((await attempt(user.username, user.password)).status).toBe(429);
    expect((await attempt(user.email, user.password)).status).toBe(429);
  });

  it('counts wrong current passwords in a password change like failed logins, and locks both doors', async () => {
    const user = await seedUser(ctx.server);
    const { token } = await login(ctx.api, user);
    const change = (currentPassword: string) => ctx.api.post(`/v1/users/${user.id}/password`, { currentPassword, newPassword: 'An0ther-Passw0rd!' }, { token });
    for (let i = 0; i < 3; i += 1) expect((await change(WRONG)).status).toBe(422);

    const locked = await change(user.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await attempt(user.username, user.password)).status).toBe(429);

    await sleep(2500);
    expect((await change(user.password)).status).toBe(204);
    expect((await attempt(user.username, 'An0ther-Passw0rd!')).status).toBe(200);
  });

  it('leaves other accounts from the same IP unaffected', async () => {
    const victim = await seedUser(ctx.server);
    const neighbour = await seedUser(ctx.server);
    await failTimes(victim.username, 3);
    expect((await attempt(victim.username, victim.password)).status).toBe(429);
    expect((await attempt(neighbour.username, neighbour.password)).status).toBe(200);
    await failTimes(neighbour.username, 2);
    expect((await attempt(neighbour.username, neighbour.password)).status).toBe(200);
  });

  it('locks out unknown usernames the same way, so the lockout reveals nothing', async () => {
    const ghost = `ghost_${Date.now().toString(36)}`;
    await failTimes(ghost, 3);
    const locked = await attempt(ghost, WRONG);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('Retry-After is never shorter than the real wait', async () => {
    const user = await seedUser(ctx.server);
    await failTimes(user.username, 3);
    // Part-way into a second, where rounding the remaining time to whole seconds would undercount it.
    await sleep(700);
    const locked = await attempt(user.username, user.password);
    expect(locked.status).toBe(429);
    await sleep(Number(locked.headers.get('retry-after')) * 1000 + 50);
    expect((await attempt(user.username, user.password)).status).toBe(200);
  });

  it('applies to the GraphQL login too, with RATE_LIMITED and retryAfter', async () => {
    const user = await seedUser(ctx.server);
    await failTimes(user.username, 3);
    const response = await ctx.api.graphql('mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }', {
      u: user.username,
      p: user.password,
    });
    expect(response.data).toBeNull();
    expect(response.errors?.[0].extensions.code).toBe('RATE_LIMITED');
    expect(response.errors?.[0].extensions.retryAfter).toBeGreaterThanOrEqual(1);
  });
});

/**
 * A locked-out admin is exactly who needs a password reset: a reset starts a fresh count for the
 * new password, from the locked IP and account-wide. Windows are long here, so nothing passes by
 * merely waiting. Failures come from several client addresses (X-Forwarded-For from a trusted proxy).
 */
describe('an admin password reset clears the login lock-out of that account', () => {
  const ctx = useTestServer({ LOGIN_MAX_FAILURES_PER_IP: '3', LOGIN_MAX_FAILURES_PER_ACCOUNT: '5', LOGIN_LOCKOUT_SECONDS: '600', TRUST_PROXY: 'loopback' }, { admin: true });

  const WRONG = 'Wrong-passw0rd!';
  const NEW_PASSWORD = 'Fresh-start-passw0rd!';
  const attempt = (username: string, password: string, ip: string) => ctx.api.post('/v1/auth/login', { username, password }, { headers: { 'x-forwarded-for': ip } });
  const reset = (userId: string) => ctx.api.post(`/v1/users/${userId}/password`, { newPassword: NEW_PASSWORD }, { token: ctx.admin.token });

  it('the locked IP signs in with the new password at once, and the lock-out still works afterwards', async () => {
    const locked = await seedUser(ctx.server, { role: UserRole.ADMIN });
    for (let i = 0; i < 3; i += 1) expect((await attempt(locked.username, WRONG, '203.0.113.7')).status).toBe(401);
    expect((await attempt(locked.username, locked.password, '203.0.113.7')).status).toBe(429);

    expect((await reset(locked.id)).status).toBe(204);
    expect((await attempt(locked.username, NEW_PASSWORD, '203.0.113.7')).status).toBe(200);

    // A fresh count, not no count: guessing the new password is throttled like any other.
    for (let i = 0; i < 3; i += 1) expect((await attempt(locked.username, WRONG, '203.0.113.7')).status).toBe(401);
    expect((await attempt(locked.username, NEW_PASSWORD, '203.0.113.7')).status).toBe(429);
  });

  it('the account-wide slow-down of a distributed attack is cleared too', async () => {
    const attacked = await seedUser(ctx.server, { role: UserRole.ADMIN });
    for (let i = 0; i < 5; i += 1) expect((await attempt(attacked.username, WRONG, `198.51.100.${i + 1}`)).status).toBe(401);
    // The slow-down lets one attempt through per period; the owner's next one waits.
    expect((await attempt(attacked.username, WRONG, '198.51.100.50')).status).toBe(401);
    expect((await attempt(attacked.username, attacked.password, '192.0.2.1')).status).toBe(429);

    expect((await reset(attacked.id)).status).toBe(204);
    expect((await attempt(attacked.username, NEW_PASSWORD, '192.0.2.1')).status).toBe(200);
  });

  it('a reset the admin may not make clears nothing', async () => {
    const target = await seedUser(ctx.server);
    for (let i = 0; i < 3; i += 1) expect((await attempt(target.username, WRONG, '203.0.113.9')).status).toBe(401);
    const moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
    expect((await ctx.api.post(`/v1/users/${target.id}/password`, { newPassword: NEW_PASSWORD }, { token: moderator.token })).status).toBe(403);
    expect((await attempt(target.username, target.password, '203.0.113.9')).status).toBe(429);
  });
});
