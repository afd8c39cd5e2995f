import { sleep } from '../../support/auth';
import { seedUser } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

/**
 * Many IPs guessing one account: past LOGIN_MAX_FAILURES_PER_ACCOUNT the account takes one attempt
 * every few seconds. Tests all come from 127.0.0.1, so the per-IP threshold is set out of reach.
 */
describe('login slowdown per account', () => {
  const ctx = useTestServer({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', LOGIN_MAX_FAILURES_PER_IP: '1000' });

  const attempt = (username: string, password: string) => ctx.api.post('/v1/auth/login', { username, password });
  const WRONG = 'Wrong-passw0rd!';

  it('allows one attempt per slowdown period past the threshold, with a short Retry-After, and the owner gets in after waiting', async () => {
    const user = await seedUser(ctx.server);
    for (let i = 0; i < 3; i += 1) expect((await attempt(user.username, WRONG)).status).toBe(401);

    // The first attempt of a period goes through (and fails), the next ones wait.
    expect((await attempt(user.username, WRONG)).status).toBe(401);
    const slowed = await attempt(user.username, user.password);
    expect(slowed.status).toBe(429);
    const retryAfter = Number(slowed.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(5);
    expect(slowed.body).toMatchObject({ status: 429, retryAfter });

    await sleep(retryAfter * 1000 + 50);
    expect((await attempt(user.username, user.password)).status).toBe(200);
  });

  it('Retry-After is never shorter than the real wait', async () => {
    const user = await seedUser(ctx.server);
    for (let i = 0; i < 4; i += 1) expect((await attempt(user.username, WRONG)).status).toBe(401);
    await sleep(700);
    const slowed = await attempt(user.username, user.password);
    expect(slowed.status).toBe(429);
    await sleep(Number(slowed.headers.get('retry-after')) * 1000 + 50);
    expect((await attempt(user.username, user.password)).status).toBe(200);
  });

  it('slows only the attacked account', async () => {
    const victim = await seedUser(ctx.server);
    const neighbour = await seedUser(ctx.server);
    for (let i = 0; i < 4; i += 1) await attempt(victim.username, WRONG);
    expect((await attempt(victim.username, victim.password)).status).toBe(429);
    expect((await attempt(neighbour.username, neighbour.password)).status).toBe(200);
  });

  it('counts failures by email and by username against one account', async () => {
    const user = await seedUser(ctx.server);
    await attempt(user.username, WRONG);
    await attempt(user.email, WRONG);
    await attempt(user.email.toUpperCase(), WRONG);
    // Threshold reached: one attempt passes, the next waits.
    expect((await attempt(user.username, WRONG)).status).toBe(401);
    expect((await attempt(user.email, user.password)).status).toBe(429);
  });
});
