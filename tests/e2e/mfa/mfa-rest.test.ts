import { UserRole } from '../../../src/users/user-role';
import { decodeToken, forgeFrom, sql } from '../../support/auth';
import { login, seedUser, signedIn, type SignedIn } from '../../support/factories';
import { awayFromStepBoundary, totpCode, wrongCode } from '../../support/totp';
import { useTestServer } from '../../support/use-test-server';

/**
 * TOTP and recovery codes through REST, on the real server, PostgreSQL and Redis (issue 16).
 * Each test enrols its own user: a TOTP step accepted once cannot be used again, and the lock-out
 * counts per account.
 */
describe('MFA through REST', () => {
  const ctx = useTestServer({}, { admin: true });

  /** A user with TOTP on; the confirmation used the previous step, so steps 0 and +1 are left. */
  async function enrolled(role: UserRole = UserRole.USER): Promise<SignedIn & { secret: string; recoveryCodes: string[] }> {
    await awayFromStepBoundary();
    const user = await signedIn(ctx.server, ctx.api, role);
    const setup = await ctx.api.post('/v1/auth/mfa/totp/setup', undefined, { token: user.token });
    expect(setup.status).toBe(200);
    const confirm = await ctx.api.post('/v1/auth/mfa/totp/confirm', { code: totpCode(setup.body.secret, -1) }, { token: user.token });
    expect(confirm.status).toBe(200);
    return { ...user, secret: setup.body.secret, recoveryCodes: confirm.body.recoveryCodes };
  }

  async function passwordStep(user: { username: string; password: string }) {
    const response = await ctx.api.post('/v1/auth/login', { username: user.username, password: user.password });
    expect(response.status).toBe(200);
    return response.body as { mfaRequired: boolean; mfaToken: string; methods: string[]; expiresIn: number; accessToken?: string };
  }

  const actionsOf = async (userId: string) =>
    (await sql<{ action: string }>(ctx.server, 'select action from audit_logs where entity_id = ? or user_id = ? order by created_at, id', [userId, userId])).map((row) => row.action);

  describe('enrolment', () => {
    it('sets up with a secret, an otpauth URL and a QR code, and confirms with a code into ten recovery codes', async () => {
      await awayFromStepBoundary();
      const user = await signedIn(ctx.server, ctx.api);
      const setup = await ctx.api.post('/v1/auth/mfa/totp/setup', undefined, { token: user.token });
      expect(setup.status).toBe(200);
      expect(setup.headers.get('cache-control')).toBe('no-store');
      expect(setup.body.secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(setup.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
      expect(setup.body.qrCodeSvg).toMatch(/<svg/);
      expect((await ctx.api.get('/v1/auth/mfa', { token: user.token })).body).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0 });

      const wrong = await ctx.api.post('/v1/auth/mfa/totp/confirm', { code: wrongCode(setup.body.secret) }, { token: user.token });
      expect(wrong.status).toBe(422);
      const confirm = await ctx.api.post('/v1/auth/mfa/totp/confirm', { code: totpCode(setup.body.secret) }, { token: user.token });
      expect(confirm.status).toBe(200);
      expect(confirm.body.recoveryCodes).toHaveLength(10);
      expect(new Set(confirm.body.recoveryCodes).size).toBe(10);
      expect((await ctx.api.get('/v1/auth/mfa', { token: user.token })).body).toEqual({ totp: true, passkeys: 0, recoveryCodesLeft: 10 });
      // Once on, a second setup is refused rather than silently replacing the secret.
      expect((await ctx.api.post('/v1/auth/mfa/totp/setup', undefined, { token: user.token })).status).toBe(409);
      // Secrets are sealed at rest, never stored in clear.
      const [row] = await sql<{ secret_sealed: string }>(ctx.server, 'select secret_sealed from mfa_totp where user_id = ?', [user.id]);
      expect(row.secret_sealed).not.toContain(setup.body.secret);
      expect(await actionsOf(user.id)).toEqual(expect.arrayContaining(['mfa.totp_setup_started', 'mfa.totp_enabled']));
    });

    it('refuses the MFA routes without a token', async () => {
      expect((await ctx.api.post('/v1/auth/mfa/totp/setup')).status).toBe(401);
      expect((await ctx.api.get('/v1/auth/mfa')).status).toBe(401);
    });
  });

  describe('login with TOTP on', () => {
    it('answers a challenge and no tokens, then the token pair for a code, with amr and auth_time', async () => {
      const user = await enrolled();
      const challenge = await passwordStep(user);
      expect(challenge).toEqual({ mfaRequired: true, mfaToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), methods: ['totp', 'recovery_code'], expiresIn: 300 });
      expect(challenge).not.toHaveProperty('accessToken');

      const before = Math.floor(Date.now() / 1000);
      const verified = await ctx.api.post('/v1/auth/mfa/verify', { mfaToken: challenge.mfaToken, code: totpCode(user.secret) });
      expect(verified.status).toBe(200);
      const claims = decodeToken(verified.body.accessToken);
      expect(claims.amr).toEqual(['pwd', 'otp']);
      expect(claims.auth_time).toBeGreaterThanOrEqual(before);
      expect((await ctx.api.get('/v1/auth/validate', { token: verified.body.accessToken })).status).toBe(200);

      // A refresh keeps the sign-in's amr and auth_time: it is not a new sign-in.
      const refreshed = await ctx.api.post('/v1/auth/refresh', { refreshToken: verified.body.refreshToken });
      expect(refreshed.status).toBe(200);
      expect(decodeToken(refreshed.body.accessToken)).toMatchObject({ amr: ['pwd', 'otp'], auth_time: claims.auth_time });

      // The mfaToken worked once.
      expect((await ctx.api.post('/v1/auth/mfa/verify', { mfaToken: challenge.mfaToken, code: totpCode(user.secret, 1) })).status).toBe(401);
      expect(await actionsOf(user.id)).toEqual(expect.arrayContaining(['auth.mfa_challenged', 'auth.login']));
    });

    it('refuses a code replayed within its window, and accepts the next step', async () => {
      const user = await enrolled();
      const code = totpCode(user.secret);
      expect((await ctx.api.post('/v1/auth/mfa/verify', { mfaToken: (await passwordStep(user)).mfaToken, code })).status).toBe(200);
      const replay = await ctx.api.post('/v1/auth/mfa/verify', { mfaToken: (await passwordStep(user)).mfaToken, code });
      expect(replay.status).toBe(401);
      expect((await ctx.api.post('/v1/auth/mfa/verify', { mfaToken: (await passwordStep(user)).mfaToken, code: totpCode(user.secret, 1) })).status).toBe(200);
    });

    it('accepts ±1 step of clock drift and refuses ±2', async () => {
      const user = await enrolled();
      // The confirmation took step −1; +2 and −2 are out of the window, +1 is in.
      for (const offset of [2, -2]) {
        const challenge = await passwordStep(user);
        expect((await ctx.api.post('/v1/auth/mfa/verify', { mfaToken: challenge.mfaToken, code: totpCode(user.secret, offset) })).status).toBe(401);
      }
      expect((await ctx.api.post('/v1/auth/mfa/verify', { mfaToken: (await passwordStep(user)).mfaToken, code: totpCode(user.secret, 1) })).status).toBe(200);
    });

    it('takes each recovery code once', async () => {
      const user = await enrolled();
      const [first, second] = user.recoveryCodes;
      const used = await ctx.api.post('/v1/auth/mfa/verify', { mfaToken: (await passwordStep(user)).mfaToken, recoveryCode: first });
      expect(used.status).toBe(200);
      expect(decodeToken(used.body.accessToken).amr).toEqual(['pwd', 'otp']);
      expect((await ctx.api.post('/v1/auth/mfa/verify', { mfaToken: (await passwordStep(user)).mfaToken, recoveryCode: first })).status).toBe(401);
      expect((await ctx.api.post('/v1/auth/mfa/verify', { mfaToken: (await passwordStep(user)).mfaToken, recoveryCode: second })).status).toBe(200);
      expect((await ctx.api.get('/v1/auth/mfa', { token: used.body.accessToken })).body.recoveryCodesLeft).toBe(8);
      expect(await actionsOf(user.id)).toEqual(expect.arrayContaining(['mfa.recovery_code_used', 'auth.mfa_failed']));
    });

    it('wants exactly one of code and recoveryCode', async () => {
      const user = await enrolled();
      const { mfaToken } = await passwordStep(user);
      expect((await ctx.api.post('/v1/auth/mfa/verify', { mfaToken })).status).toBe(422);
      expect((await ctx.api.post('/v1/auth/mfa/verify', { mfaToken, code: totpCode(user.secret), recoveryCode: user.recoveryCodes[0] })).status).toBe(422);
      // Neither spent the token.
      expect((await ctx.api.post('/v1/auth/mfa/verify', { mfaToken, code: totpCode(user.secret) })).status).toBe(200);
    });

    it('kills the mfaToken after five wrong codes, even for the right one after', async () => {
      const user = await enrolled();
      const { mfaToken } = await passwordStep(user);
      for (let attempt = 0; attempt < 5; attempt += 1) {
        expect((await ctx.api.post('/v1/auth/mfa/verify', { mfaToken, code: wrongCode(user.secret) })).status).toBe(401);
      }
      const late = await ctx.api.post('/v1/auth/mfa/verify', { mfaToken, code: totpCode(user.secret) });
      expect(late.status).toBe(401);
      expect(late.body.detail).toMatch(/sign in again/);
    });

    it('counts wrong codes toward the login lock-out', async () => {
      const user = await enrolled();
      // LOGIN_MAX_FAILURES_PER_IP is 5: four wrong codes, and the fifth failure is a wrong password.
      const { mfaToken } = await passwordStep(user);
      for (let attempt = 0; attempt < 4; attempt += 1) {
        expect((await ctx.api.post('/v1/auth/mfa/verify', { mfaToken, code: wrongCode(user.secret) })).status).toBe(401);
      }
      // The right password does not clear the count while a second factor is still owed.
      const second = await passwordStep(user);
      expect((await ctx.api.post('/v1/auth/login', { username: user.username, password: 'Wrong-passw0rd!' })).status).toBe(401);
      expect((await ctx.api.post('/v1/auth/login', { username: user.username, password: user.password })).status).toBe(429);
      // Locked out, even the right code is refused.
      expect((await ctx.api.post('/v1/auth/mfa/verify', { mfaToken: second.mfaToken, code: totpCode(user.secret) })).status).toBe(429);
    });
  });

  describe('step-up', () => {
    const minutesAgo = (minutes: number) => Math.floor(Date.now() / 1000) - minutes * 60;

    it('turns TOTP off and issues new recovery codes only after a sign-in within 5 minutes', async () => {
      const user = await enrolled();
      const stale = forgeFrom(ctx.server, user.token, { auth_time: minutesAgo(6) });
      const legacy = forgeFrom(ctx.server, user.token, { amr: undefined, auth_time: undefined });
      for (const token of [stale, legacy]) {
        const off = await ctx.api.delete('/v1/auth/mfa/totp', { token });
        expect(off.status).toBe(401);
        expect(off.body).toMatchObject({ code: 'REAUTHENTICATION_REQUIRED', status: 401 });
        expect(off.headers.get('www-authenticate')).toMatch(/insufficient_user_authentication/);
        expect((await ctx.api.post('/v1/auth/mfa/recovery-codes', undefined, { token })).body.code).toBe('REAUTHENTICATION_REQUIRED');
      }
      const recent = forgeFrom(ctx.server, user.token, { auth_time: minutesAgo(4) });
      const renewed = await ctx.api.post('/v1/auth/mfa/recovery-codes', undefined, { token: recent });
      expect(renewed.status).toBe(200);
      expect(renewed.body.recoveryCodes).toHaveLength(10);
      expect(renewed.body.recoveryCodes).not.toContain(user.recoveryCodes[0]);
      expect((await ctx.api.delete('/v1/auth/mfa/totp', { token: recent })).status).toBe(204);
      // Off: the password alone signs in again.
      expect((await ctx.api.post('/v1/auth/login', { username: user.username, password: user.password })).body.accessToken).toEqual(expect.any(String));
      expect(await actionsOf(user.id)).toEqual(expect.arrayContaining(['mfa.recovery_codes_regenerated', 'mfa.totp_disabled']));
    });

    it('asks a recent sign-in to change the password or the e-mail', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const stale = forgeFrom(ctx.server, user.token, { auth_time: minutesAgo(10) });
      const password = await ctx.api.post(`/v1/users/${user.id}/password`, { currentPassword: user.password, newPassword: 'Brand-new-passw0rd!' }, { token: stale });
      expect(password.status).toBe(401);
      expect(password.body.code).toBe('REAUTHENTICATION_REQUIRED');
      const email = await ctx.api.patch(`/v1/users/${user.id}`, { email: `fresh_${user.username}@example.com` }, { token: stale });
      expect(email.status).toBe(401);
      expect(email.body.code).toBe('REAUTHENTICATION_REQUIRED');
      // Other profile fields need no step-up.
      expect((await ctx.api.patch(`/v1/users/${user.id}`, { lastName: 'Stale' }, { token: stale })).status).toBe(200);
      expect((await ctx.api.patch(`/v1/users/${user.id}`, { email: `fresh_${user.username}@example.com` }, { token: user.token })).status).toBe(200);
    });

    it("asks a recent sign-in of an admin changing someone's role", async () => {
      const target = await seedUser(ctx.server);
      const stale = forgeFrom(ctx.server, ctx.admin.token, { auth_time: minutesAgo(10) });
      const refused = await ctx.api.patch(`/v1/users/${target.id}`, { role: 'moderator' }, { token: stale });
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('REAUTHENTICATION_REQUIRED');
      const fresh = await login(ctx.api, ctx.admin);
      expect((await ctx.api.patch(`/v1/users/${target.id}`, { role: 'moderator' }, { token: fresh.token })).status).toBe(200);
    });
  });

  describe('admin reset', () => {
    it('removes every factor of a user and ends its sessions, audited; only admins, and only after a recent sign-in', async () => {
      const user = await enrolled();
      const session = { accessToken: user.token, refreshToken: user.refreshToken };
      expect((await ctx.api.get('/v1/auth/validate', { token: session.accessToken })).status).toBe(200);
      const other = await signedIn(ctx.server, ctx.api);
      expect((await ctx.api.delete(`/v1/users/${user.id}/mfa`, { token: other.token })).status).toBe(404);
      const stale = forgeFrom(ctx.server, ctx.admin.token, { auth_time: Math.floor(Date.now() / 1000) - 600 });
      expect((await ctx.api.delete(`/v1/users/${user.id}/mfa`, { token: stale })).body.code).toBe('REAUTHENTICATION_REQUIRED');

      const admin = await login(ctx.api, ctx.admin);
      expect((await ctx.api.delete(`/v1/users/${user.id}/mfa`, { token: admin.token })).status).toBe(204);
      expect((await ctx.api.delete(`/v1/users/${user.id}/mfa`, { token: admin.token })).status).toBe(404);
      const [row] = await sql<{ user_id: string; old_values: Record<string, unknown> }>(ctx.server, "select user_id, old_values from audit_logs where action = 'mfa.reset' and entity_id = ?", [user.id]);
      expect(row).toMatchObject({ user_id: ctx.admin.id, old_values: { totp: true, passkeys: 0, recoveryCodesLeft: 10 } });
      // Whoever held a session of the account (perhaps the one who enrolled the factor) is out.
      expect((await ctx.api.get('/v1/auth/validate', { token: session.accessToken })).status).toBe(401);
      expect((await ctx.api.post('/v1/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(401);
      // The password alone signs in again.
      expect((await ctx.api.post('/v1/auth/login', { username: user.username, password: user.password })).body.accessToken).toEqual(expect.any(String));
    });
  });
});
