import argon2 from 'argon2';
import { UserRole } from '../../../src/users/user-role';
import { decodeToken, sql } from '../../support/auth';
import { DEFAULT_PASSWORD, login, seedUser, signedIn } from '../../support/factories';
import { useTestServer } from '../../support/use-test-server';

describe('REST POST /v1/users/{id}/password and password storage', () => {
  const ctx = useTestServer();

  const validate = (token: string) => ctx.api.get('/v1/auth/validate', { token });
  const refresh = (refreshToken: string) => ctx.api.post('/v1/auth/refresh', { refreshToken });
  const changePassword = (userId: string, body: Record<string, unknown>, token?: string) => ctx.api.post(`/v1/users/${userId}/password`, body, { token });
  const tryLogin = (username: string, password: string) => ctx.api.post('/v1/auth/login', { username, password });
  const storedHash = async (userId: string) => (await sql(ctx.server, 'select password_hash from users where id = ?', [userId]))[0].password_hash as string;
  /** The algorithm and cost parameters of a PHC string, whatever order the parameters are written in. */
  const phc = (hash: string) => {
    const [, id, version, params] = hash.split('$');
    return { id, version, ...Object.fromEntries(params.split(',').map((pair) => pair.split('='))) };
  };
  const serverParams = { id: 'argon2id', version: 'v=19', m: '1024', t: '1', p: '1' };
  const passwords = Array.from({ length: 7 }, (_, i) => `Rotated-pass${i}!`);

  describe('changing your own password', () => {
    it('answers 204; only the new password logs in afterwards', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const response = await changePassword(user.id, { currentPassword: user.password, newPassword: passwords[1] }, user.token);
      expect(response.status).toBe(204);
      expect(response.text).toBe('');
      expect((await tryLogin(user.username, user.password)).status).toBe(401);
      expect((await tryLogin(user.username, passwords[1])).status).toBe(200);
    });

    it('keeps the current session and ends every other one', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const laptop = await login(ctx.api, user);
      const phone = await login(ctx.api, user);
      expect((await changePassword(user.id, { currentPassword: user.password, newPassword: passwords[1] }, user.token)).status).toBe(204);

      expect((await validate(user.token)).status).toBe(200);
      expect((await refresh(user.refreshToken)).status).toBe(200);
      for (const other of [laptop, phone]) {
        expect((await validate(other.token)).status).toBe(401);
        expect((await refresh(other.refreshToken)).status).toBe(401);
      }
      const rows = await sql(ctx.server, 'select id from sessions where user_id = ?', [user.id]);
      expect(rows.map((row) => row.id)).toEqual([decodeToken(user.token).sid]);
    });

    it('stores an argon2id PHC hash with the server’s parameters, records history and an audit entry without secrets', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const before = await storedHash(user.id);
      await changePassword(user.id, { currentPassword: user.password, newPassword: passwords[2] }, user.token);
      const after = await storedHash(user.id);
      expect(after).not.toBe(before);
      expect(after).toMatch(/^\$argon2id\$v=19\$[mtp=0-9,]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
      expect(phc(after)).toEqual(serverParams);
      expect(after).not.toContain(passwords[2]);
      expect(await argon2.verify(after, passwords[2])).toBe(true);

      const history = await sql(ctx.server, 'select password_hash from password_history where user_id = ? order by created_at desc', [user.id]);
      expect(history.map((row) => row.password_hash)).toEqual([after, before]);

      const audit = await sql(ctx.server, "select user_id, entity_id, old_values, new_values from audit_logs where action = 'auth.password_changed' and entity_id = ?", [user.id]);
      expect(audit).toEqual([{ user_id: user.id, entity_id: user.id, old_values: null, new_values: null }]);
    });

    it('refuses a wrong current password with 422 and changes nothing', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const other = await login(ctx.api, user);
      const before = await storedHash(user.id);
      const response = await changePassword(user.id, { currentPassword: 'Not-the-passw0rd', newPassword: passwords[1] }, user.token);
      expect(response.status).toBe(422);
      expect(response.body.errors).toEqual([{ field: 'currentPassword', message: expect.any(String) }]);
      expect(await storedHash(user.id)).toBe(before);
      expect((await validate(other.token)).status).toBe(200);
      expect(response.text).not.toContain('Not-the-passw0rd');
    });

    it('requires the current password', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const response = await changePassword(user.id, { newPassword: passwords[1] }, user.token);
      expect(response.status).toBe(422);
      expect(response.body.errors).toEqual([{ field: 'currentPassword', message: expect.any(String) }]);
    });

    it('refuses any of the last 5 passwords, and allows the 6th older one', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      // DEFAULT_PASSWORD, then passwords[1..5]: six passwords in all, passwords[5] current.
      let current = user.password;
      for (const next of passwords.slice(1, 6)) {
        expect((await changePassword(user.id, { currentPassword: current, newPassword: next }, user.token)).status).toBe(204);
        current = next;
      }
      for (const recent of passwords.slice(1, 6)) {
        const response = await changePassword(user.id, { currentPassword: current, newPassword: recent }, user.token);
        expect(response.status).toBe(422);
        expect(response.body.errors).toEqual([{ field: 'newPassword', message: expect.stringMatching(/last 5/) }]);
      }
      expect((await changePassword(user.id, { currentPassword: current, newPassword: DEFAULT_PASSWORD }, user.token)).status).toBe(204);
      expect((await tryLogin(user.username, DEFAULT_PASSWORD)).status).toBe(200);
    });

    it('refuses the current password as the new one', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      const response = await changePassword(user.id, { currentPassword: user.password, newPassword: user.password }, user.token);
      expect(response.status).toBe(422);
      expect(response.body.errors[0].field).toBe('newPassword');
    });

    it.each([
      ['too short', 'Sh0rt!'],
      ['without an upper-case letter', 'no-upper-case-1'],
      ['without a lower-case letter', 'NO-LOWER-CASE-1'],
      ['without a digit', 'No-digits-here!'],
      ['without a special character', 'NoSpecial1234'],
      ['longer than 128 characters', `Aa1!${'x'.repeat(125)}`],
    ])('refuses a new password %s with 422', async (_label, newPassword) => {
      const user = await signedIn(ctx.server, ctx.api);
      const response = await changePassword(user.id, { currentPassword: user.password, newPassword }, user.token);
      expect(response.status).toBe(422);
      expect(response.body.errors).toContainEqual({ field: 'newPassword', message: expect.any(String) });
      expect((await tryLogin(user.username, user.password)).status).toBe(200);
    });

    it('refuses the username or email as the new password, in any letter case', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER, { username: 'Pass.Word-1x', email: 'Pass.Word-1x@Example.com' });
      for (const newPassword of ['pass.word-1X', 'PASS.WORD-1X@example.com']) {
        const response = await changePassword(user.id, { currentPassword: user.password, newPassword }, user.token);
        expect(response.status).toBe(422);
        expect(response.body.errors).toEqual([{ field: 'newPassword', message: expect.stringMatching(/username or email/) }]);
      }
    });

    it('refuses unknown fields and a missing new password', async () => {
      const user = await signedIn(ctx.server, ctx.api);
      expect((await changePassword(user.id, { currentPassword: user.password }, user.token)).status).toBe(422);
      expect((await changePassword(user.id, { currentPassword: user.password, newPassword: passwords[1], confirm: passwords[1] }, user.token)).status).toBe(422);
    });
  });

  describe('changing someone else’s password', () => {
    it('lets an admin reset it without the current password, ending all of that user’s sessions', async () => {
      const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      const user = await signedIn(ctx.server, ctx.api);
      const response = await changePassword(user.id, { newPassword: passwords[3] }, admin.token);
      expect(response.status).toBe(204);
      expect((await validate(user.token)).status).toBe(401);
      expect((await refresh(user.refreshToken)).status).toBe(401);
      expect((await validate(admin.token)).status).toBe(200);
      expect((await tryLogin(user.username, user.password)).status).toBe(401);
      expect((await tryLogin(user.username, passwords[3])).status).toBe(200);
    });

    it('still applies the history rule to an admin reset', async () => {
      const admin = await signedIn(ctx.server, ctx.api, UserRole.ADMIN);
      const user = await seedUser(ctx.server);
      expect((await changePassword(user.id, { newPassword: user.password }, admin.token)).status).toBe(422);
    });

    it('refuses a moderator with 403, a plain user with 404 and an anonymous caller with 401', async () => {
      const moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
      const plain = await signedIn(ctx.server, ctx.api);
      const target = await signedIn(ctx.server, ctx.api);
      const before = await storedHash(target.id);
      const body = { currentPassword: target.password, newPassword: passwords[4] };
      expect((await changePassword(target.id, body, moderator.token)).status).toBe(403);
      expect((await changePassword(target.id, body, plain.token)).status).toBe(404);
      expect((await changePassword(target.id, body)).status).toBe(401);
      expect(await storedHash(target.id)).toBe(before);
      expect((await validate(target.token)).status).toBe(200);
    });
  });

  describe('re-hashing on login', () => {
    it('re-hashes a password stored with other argon2 parameters on the next successful login', async () => {
      const user = await seedUser(ctx.server);
      const legacy = await argon2.hash(user.password, { type: argon2.argon2id, memoryCost: 2048, timeCost: 1, parallelism: 1 });
      expect(phc(legacy)).toEqual({ ...serverParams, m: '2048' });
      await sql(ctx.server, 'update users set password_hash = ? where id = ?', [legacy, user.id]);

      expect((await tryLogin(user.username, 'Wrong-passw0rd!')).status).toBe(401);
      expect(await storedHash(user.id)).toBe(legacy);

      expect((await tryLogin(user.username, user.password)).status).toBe(200);
      const rehashed = await storedHash(user.id);
      expect(rehashed).not.toBe(legacy);
      expect(phc(rehashed)).toEqual(serverParams);
      expect(await argon2.verify(rehashed, user.password)).toBe(true);
      expect((await tryLogin(user.username, user.password)).status).toBe(200);
    });

    it('re-hashes an argon2i hash to argon2id', async () => {
      const user = await seedUser(ctx.server);
      const legacy = await argon2.hash(user.password, { type: argon2.argon2i, memoryCost: 1024, timeCost: 1, parallelism: 1 });
      await sql(ctx.server, 'update users set password_hash = ? where id = ?', [legacy, user.id]);
      expect((await tryLogin(user.username, user.password)).status).toBe(200);
      expect(phc(await storedHash(user.id))).toEqual(serverParams);
    });

    it('leaves a hash with today’s parameters alone', async () => {
      const user = await seedUser(ctx.server);
      const before = await storedHash(user.id);
      expect((await tryLogin(user.username, user.password)).status).toBe(200);
      expect(await storedHash(user.id)).toBe(before);
    });
  });
});
