import { randomBytes, randomUUID } from 'node:crypto';
import { UserRole } from '../../../src/users/user-role';
import { DEFAULT_PASSWORD, seedUser, signedIn, userInput } from '../../support/factories';
import { expectProblem, expectStatus, fieldNames, PUBLIC_USER_FIELDS } from '../../support/problem';
import { useTestServer } from '../../support/use-test-server';

const hex = (bytes = 4) => randomBytes(bytes).toString('hex');

describe('REST /v1/users', () => {
  const ctx = useTestServer({}, { admin: true });

  /** The stored row, read past the ORM's hidden properties. */
  async function storedRow(id: string): Promise<Record<string, any> | undefined> {
    const rows = await ctx.server.orm.em.fork().getConnection().execute('select * from users where id = ?', [id]);
    return rows[0];
  }

  describe('POST /v1/users (sign-up)', () => {
    it('answers 201 with a Location header and exactly the public fields', async () => {
      const input = userInput({ phone: '+14155550123' });
      const response = await ctx.api.post('/v1/users', input);

      expectStatus(response, 201);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(Object.keys(response.body).sort()).toEqual(PUBLIC_USER_FIELDS);
      expect(response.body).not.toHaveProperty('passwordHash');
      expect(response.body).not.toHaveProperty('password');
      expect(response.body).not.toHaveProperty('deletedAt');
      expect(response.text).not.toMatch(/argon2|password/i);
      expect(response.headers.get('location')).toBe(`/v1/users/${response.body.id}`);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        username: input.username,
        email: input.email,
        firstName: input.firstName,
        lastName: input.lastName,
        phone: '+14155550123',
        role: 'user',
        isActive: true,
        emailVerified: false,
        pendingEmail: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        lastLoginAt: null,
        version: 1,
      });
      expect(new Date(response.body.createdAt).toISOString()).toBe(response.body.createdAt);

      const location = await ctx.api.get(response.headers.get('location')!, { token: ctx.admin.token });
      expectStatus(location, 200);
      expect(location.body).toEqual(response.body);
    });

    it('lower-cases the email and trims surrounding whitespace from strings', async () => {
      const input = userInput();
      const response = await ctx.api.post('/v1/users', {
        ...input,
        username: `  ${input.username}  `,
        email: ` ${input.email.toUpperCase()} `,
        firstName: '\tAda ',
        lastName: ' Lovelace\n',
        phone: ' +442071234567 ',
      });

      expectStatus(response, 201);
      expect(response.body).toMatchObject({
        username: input.username,
        email: input.email.toLowerCase(),
        firstName: 'Ada',
        lastName: 'Lovelace',
        phone: '+442071234567',
      });
      const row = await storedRow(response.body.id);
      expect(row).toMatchObject({ username: input.username, email: input.email.toLowerCase(), first_name: 'Ada', last_name: 'Lovelace' });
    });

    it('stores the password only as an argon2id hash', async () => {
      const response = await ctx.api.post('/v1/users', userInput());
      expectStatus(response, 201);

      const row = await storedRow(response.body.id);
      expect(row?.password_hash).toMatch(/^\$argon2id\$/);
      expect(row?.password_hash).not.toContain(DEFAULT_PASSWORD);
      expect(row?.deleted_at).toBeNull();
      expect(await ctx.server.services.hasher.verify(row!.password_hash, DEFAULT_PASSWORD)).toBe(true);
    });

    it('accepts a missing or null phone and stores null', async () => {
      const withoutPhone = await ctx.api.post('/v1/users', userInput());
      const nullPhone = await ctx.api.post('/v1/users', userInput({ phone: null }));
      expectStatus(withoutPhone, 201);
      expectStatus(nullPhone, 201);
      expect(withoutPhone.body.phone).toBeNull();
      expect(nullPhone.body.phone).toBeNull();
    });

    it('refuses role, isActive and emailVerified from an anonymous sign-up with 403', async () => {
      for (const extra of [{ role: 'admin' }, { isActive: false }, { emailVerified: true }]) {
        const response = await ctx.api.post('/v1/users', userInput(extra));
        expectProblem(response, 403);
      }
    });

    it('lets an admin create an account with a role and flags', async () => {
      const response = await ctx.api.post('/v1/users', userInput({ role: 'moderator', isActive: false, emailVerified: true }), { token: ctx.admin.token });
      expectStatus(response, 201);
      expect(response.body).toMatchObject({ role: 'moderator', isActive: false, emailVerified: true });
    });

    it('refuses a signed-in plain user creating an account with 403', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
      expectProblem(await ctx.api.post('/v1/users', userInput(), { token: user.token }), 403);
    });
  });

  describe('GET /v1/users/{id}', () => {
    it('returns the user to themselves, an admin and a moderator', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
      const moderator = await signedIn(ctx.server, ctx.api, UserRole.MODERATOR);
      for (const token of [user.token, ctx.admin.token, moderator.token]) {
        const response = await ctx.api.get(`/v1/users/${user.id}`, { token });
        expectStatus(response, 200);
        expect(Object.keys(response.body).sort()).toEqual(PUBLIC_USER_FIELDS);
        expect(response.body).toMatchObject({ id: user.id, username: user.username, email: user.email, role: 'user' });
      }
    });

    it('answers 404 for an id that does not exist', async () => {
      const problem = expectProblem(await ctx.api.get(`/v1/users/${randomUUID()}`, { token: ctx.admin.token }), 404);
      expect(problem.type).toBe('/problems/not-found');
    });

    it('answers 404 for a soft-deleted user', async () => {
      const target = await seedUser(ctx.server);
      expectStatus(await ctx.api.delete(`/v1/users/${target.id}`, { token: ctx.admin.token }), 204);
      expectProblem(await ctx.api.get(`/v1/users/${target.id}`, { token: ctx.admin.token }), 404);
    });

    it('answers 400 for a malformed id', async () => {
      for (const id of ['not-a-uuid', '12345', `${randomUUID()}x`]) {
        const problem = expectProblem(await ctx.api.get(`/v1/users/${id}`, { token: ctx.admin.token }), 400);
        expect(problem.type).toBe('/problems/malformed-request');
      }
    });

    it('answers 404, as for a missing id, when a plain user reads someone else', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
      const other = await seedUser(ctx.server);
      const hidden = expectProblem(await ctx.api.get(`/v1/users/${other.id}`, { token: user.token }), 404);
      const missing = expectProblem(await ctx.api.get(`/v1/users/${randomUUID()}`, { token: user.token }), 404);
      expect(hidden.detail).toBe(missing.detail);
    });

    it('answers 401 without a token and with a bad token', async () => {
      const user = await seedUser(ctx.server);
      const anonymous = await ctx.api.get(`/v1/users/${user.id}`);
      expectProblem(anonymous, 401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expectProblem(await ctx.api.get(`/v1/users/${user.id}`, { token: 'not.a.token' }), 401);
    });
  });

  describe('PUT /v1/users/{id} (full replacement)', () => {
    it('replaces the profile and clears an absent phone', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER, { phone: '+14155550123' });
      const before = await ctx.api.get(`/v1/users/${user.id}`, { token: user.token });
      expect(before.body.phone).toBe('+14155550123');

      const replacement = { username: `renamed_${hex()}`, email: `Renamed_${hex()}@Example.com`, firstName: 'New', lastName: 'Name' };
      const response = await ctx.api.put(`/v1/users/${user.id}`, replacement, { token: user.token });

      expectStatus(response, 200);
      expect(Object.keys(response.body).sort()).toEqual(PUBLIC_USER_FIELDS);
      // The owner's new address waits for its confirmation link (tests/e2e/users/email-change.test.ts).
      expect(response.body).toMatchObject({ ...replacement, email: user.email, pendingEmail: replacement.email.toLowerCase(), phone: null, id: user.id });
      expect(new Date(response.body.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(before.body.updatedAt).getTime());
      const after = await ctx.api.get(`/v1/users/${user.id}`, { token: ctx.admin.token });
      expect(after.body).toEqual(response.body);
    });

    it('keeps a phone that is given', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
      const response = await ctx.api.put(`/v1/users/${user.id}`, { username: user.username, email: user.email, firstName: 'A', lastName: 'B', phone: '+4930123456' }, { token: user.token });
      expectStatus(response, 200);
      expect(response.body.phone).toBe('+4930123456');
    });

    it('answers 422 naming every missing required field, and changes nothing', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
      const response = await ctx.api.put(`/v1/users/${user.id}`, { username: user.username, firstName: 'Only' }, { token: user.token });
      const problem = expectProblem(response, 422);
      expect(fieldNames(problem.errors)).toEqual(['email', 'lastName']);
      const after = await ctx.api.get(`/v1/users/${user.id}`, { token: user.token });
      expect(after.body.firstName).toBe('Test');
    });

    it('answers 404 when a plain user replaces someone else', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
      const other = await seedUser(ctx.server);
      const response = await ctx.api.put(`/v1/users/${other.id}`, { username: other.username, email: other.email, firstName: 'X', lastName: 'Y' }, { token: user.token });
      expectProblem(response, 404);
    });
  });

  describe('PATCH /v1/users/{id} (JSON merge patch)', () => {
    it('accepts application/merge-patch+json, changes only the given fields and clears phone: null', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER, { phone: '+14155550123' });
      const before = (await ctx.api.get(`/v1/users/${user.id}`, { token: user.token })).body;

      const response = await ctx.api.patch(`/v1/users/${user.id}`, { firstName: ' Grace ', phone: null }, { token: user.token, headers: { 'content-type': 'application/merge-patch+json' } });

      expectStatus(response, 200);
      expect(response.body).toEqual({ ...before, firstName: 'Grace', phone: null, updatedAt: expect.any(String), version: before.version + 1 });
      expect((await ctx.api.get(`/v1/users/${user.id}`, { token: ctx.admin.token })).body).toMatchObject({ firstName: 'Grace', phone: null, lastName: before.lastName });
    });

    it('accepts application/json too and lower-cases a new email', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
      const email = `Patched_${hex()}@EXAMPLE.org`;
      const response = await ctx.api.patch(`/v1/users/${user.id}`, { email }, { token: ctx.admin.token });
      expectStatus(response, 200);
      expect(response.body.email).toBe(email.toLowerCase());
    });

    it('answers 422 for username: null and leaves the user unchanged', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
      const response = await ctx.api.patch(`/v1/users/${user.id}`, { username: null }, { token: user.token, headers: { 'content-type': 'application/merge-patch+json' } });
      const problem = expectProblem(response, 422);
      expect(fieldNames(problem.errors)).toEqual(['username']);
      expect((await ctx.api.get(`/v1/users/${user.id}`, { token: user.token })).body.username).toBe(user.username);
    });

    it('answers 422 for null in any other non-nullable field', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
      const response = await ctx.api.patch(`/v1/users/${user.id}`, { email: null, firstName: null, lastName: null }, { token: user.token });
      const problem = expectProblem(response, 422);
      expect(fieldNames(problem.errors)).toEqual(['email', 'firstName', 'lastName']);
    });

    it('refuses a plain user changing their own role with 403', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
      expectProblem(await ctx.api.patch(`/v1/users/${user.id}`, { role: 'admin' }, { token: user.token }), 403);
      expect((await ctx.api.get(`/v1/users/${user.id}`, { token: user.token })).body.role).toBe('user');
    });

    it('lets an admin change role and status of another user', async () => {
      const target = await seedUser(ctx.server);
      const response = await ctx.api.patch(`/v1/users/${target.id}`, { role: 'moderator', emailVerified: true }, { token: ctx.admin.token });
      expectStatus(response, 200);
      expect(response.body).toMatchObject({ role: 'moderator', emailVerified: true });
    });
  });

  describe('DELETE /v1/users/{id}', () => {
    it('answers 204, then the user is gone from reads and lists, and its username and email are free again', async () => {
      const target = await seedUser(ctx.server);
      const response = await ctx.api.delete(`/v1/users/${target.id}`, { token: ctx.admin.token });
      expect(response.status).toBe(204);
      expect(response.text).toBe('');

      expectProblem(await ctx.api.get(`/v1/users/${target.id}`, { token: ctx.admin.token }), 404);
      expectProblem(await ctx.api.delete(`/v1/users/${target.id}`, { token: ctx.admin.token }), 404);
      const list = await ctx.api.get(`/v1/users?q=${encodeURIComponent(target.username)}`, { token: ctx.admin.token });
      expectStatus(list, 200);
      expect(list.body.data).toEqual([]);
      expect(list.body.pagination.total).toBe(0);

      const row = await storedRow(target.id);
      expect(row?.deleted_at).not.toBeNull();

      const again = await ctx.api.post('/v1/users', userInput({ username: target.username.toUpperCase(), email: target.email }));
      expectStatus(again, 201);
      expect(again.body.id).not.toBe(target.id);
      expect(again.body.email).toBe(target.email);
    });

    it('lets a user delete themselves; their token then stops working', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
      expect((await ctx.api.delete(`/v1/users/${user.id}`, { token: user.token })).status).toBe(204);
      expectProblem(await ctx.api.get(`/v1/users/${user.id}`, { token: user.token }), 401);
    });

    it('answers 404 when a plain user deletes someone else, and the user survives', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
      const other = await seedUser(ctx.server);
      expectProblem(await ctx.api.delete(`/v1/users/${other.id}`, { token: user.token }), 404);
      expectStatus(await ctx.api.get(`/v1/users/${other.id}`, { token: ctx.admin.token }), 200);
    });
  });

  describe('bad input', () => {
    it('answers 400 problem+json for malformed JSON', async () => {
      const response = await ctx.api.request('POST', '/v1/users', { rawBody: '{"username": "abc",', headers: { 'content-type': 'application/json' } });
      const problem = expectProblem(response, 400);
      expect(problem.type).toBe('/problems/malformed-request');
    });

    it('answers 400 for a body that is not JSON (text/plain)', async () => {
      const response = await ctx.api.request('POST', '/v1/users', { rawBody: JSON.stringify(userInput()), headers: { 'content-type': 'text/plain' } });
      expectProblem(response, 400);
      const patch = await ctx.api.request('PATCH', `/v1/users/${ctx.admin.id}`, { rawBody: '{"firstName":"X"}', headers: { 'content-type': 'text/plain' }, token: ctx.admin.token });
      expectProblem(patch, 400);
    });

    it('answers 422 for a JSON array body and 400 for a bare JSON scalar', async () => {
      const array = await ctx.api.request('POST', '/v1/users', { rawBody: '[]', headers: { 'content-type': 'application/json' } });
      expect(fieldNames(expectProblem(array, 422).errors)).toEqual(['body']);
      for (const rawBody of ['"text"', 'null', '42']) {
        const response = await ctx.api.request('POST', '/v1/users', { rawBody, headers: { 'content-type': 'application/json' } });
        expectProblem(response, 400);
      }
    });

    it('answers 422 listing every failing field at once', async () => {
      const response = await ctx.api.post('/v1/users', {
        username: 'x',
        email: 'not-an-email',
        password: 'zqx',
        firstName: '',
        lastName: 'y'.repeat(101),
        phone: '0123',
      });
      const problem = expectProblem(response, 422);
      expect(problem.type).toBe('/problems/validation-failed');
      expect(fieldNames(problem.errors)).toEqual(['email', 'firstName', 'lastName', 'password', 'phone', 'username']);
      for (const error of problem.errors) expect(error.message).toEqual(expect.any(String));
      expect(response.text).not.toContain('zqx');
    });

    it('answers 422 naming every required field when the body is empty', async () => {
      const problem = expectProblem(await ctx.api.post('/v1/users', {}), 422);
      expect(fieldNames(problem.errors)).toEqual(['email', 'firstName', 'lastName', 'password', 'username']);
    });

    it('answers 422 naming an unknown field', async () => {
      const problem = expectProblem(await ctx.api.post('/v1/users', userInput({ nickname: 'nick', passwordHash: 'x' })), 422);
      expect(fieldNames(problem.errors)).toEqual(['nickname', 'passwordHash']);
      const patch = expectProblem(await ctx.api.patch(`/v1/users/${ctx.admin.id}`, { deletedAt: null }, { token: ctx.admin.token }), 422);
      expect(fieldNames(patch.errors)).toEqual(['deletedAt']);
    });

    it('answers 422 for fields of the wrong JSON type', async () => {
      const problem = expectProblem(await ctx.api.post('/v1/users', userInput({ username: 12345, firstName: ['a'], phone: 14155550123 })), 422);
      expect(fieldNames(problem.errors)).toEqual(['firstName', 'phone', 'username']);
    });

    it('answers 413 for a body over 100 kB', async () => {
      const response = await ctx.api.post('/v1/users', userInput({ firstName: 'x'.repeat(101 * 1024) }));
      const problem = expectProblem(response, 413);
      expect(problem.type).toBe('/problems/payload-too-large');
    });

    it('answers 409 naming username for a duplicate username in another letter case', async () => {
      const existing = await seedUser(ctx.server, { username: `Dup_${hex()}` });
      const response = await ctx.api.post('/v1/users', userInput({ username: existing.username.toUpperCase() }));
      const problem = expectProblem(response, 409);
      expect(problem).toMatchObject({ type: '/problems/conflict', field: 'username' });
    });

    it('answers 409 naming email for a duplicate email in another letter case', async () => {
      const existing = await seedUser(ctx.server);
      const response = await ctx.api.post('/v1/users', userInput({ email: existing.email.toUpperCase() }));
      const problem = expectProblem(response, 409);
      expect(problem).toMatchObject({ type: '/problems/conflict', field: 'email' });
    });

    it('answers 409 when an update takes a name already in use', async () => {
      const user = await signedIn(ctx.server, ctx.api, UserRole.USER);
      const other = await seedUser(ctx.server);
      const problem = expectProblem(await ctx.api.patch(`/v1/users/${user.id}`, { username: other.username.toUpperCase() }, { token: user.token }), 409);
      expect(problem.field).toBe('username');
      const emailProblem = expectProblem(await ctx.api.patch(`/v1/users/${user.id}`, { email: other.email.toUpperCase() }, { token: user.token }), 409);
      expect(emailProblem.field).toBe('email');
    });

    it('of two concurrent sign-ups with one username, exactly one wins and the other gets 409', async () => {
      const username = `race_${hex()}`;
      const responses = await Promise.all([ctx.api.post('/v1/users', userInput({ username })), ctx.api.post('/v1/users', userInput({ username: username.toUpperCase() }))]);
      expect(responses.map((response) => response.status).sort()).toEqual([201, 409]);
      const conflict = responses.find((response) => response.status === 409)!;
      expect(expectProblem(conflict, 409).field).toBe('username');
      const list = await ctx.api.get(`/v1/users?q=${username}`, { token: ctx.admin.token });
      expect(list.body.pagination.total).toBe(1);
    });
  });

  describe('validation rules', () => {
    const longPassword = (length: number) => `Aa1!${'x'.repeat(length - 4)}`;

    it.each([
      ['username of 2 characters', { username: 'ab' }, 'username'],
      ['username of 33 characters', { username: 'a'.repeat(33) }, 'username'],
      ['username with a space inside', { username: 'bad name' }, 'username'],
      ['username with other punctuation', { username: 'bad!name' }, 'username'],
      ['username with a non-ASCII letter', { username: 'jürgen' }, 'username'],
      ['password of 7 characters', { password: 'Aa1!xyz' }, 'password'],
      ['password without an upper-case letter', { password: 'correct-h0rse' }, 'password'],
      ['password without a lower-case letter', { password: 'CORRECT-H0RSE' }, 'password'],
      ['password without a digit', { password: 'Correct-horse' }, 'password'],
      ['password without a special character', { password: 'CorrectH0rse' }, 'password'],
      ['password of 129 characters', { password: longPassword(129) }, 'password'],
      ['empty firstName', { firstName: '' }, 'firstName'],
      ['whitespace-only lastName', { lastName: '   ' }, 'lastName'],
      ['firstName of 101 characters', { firstName: 'f'.repeat(101) }, 'firstName'],
      ['phone without +', { phone: '14155550123' }, 'phone'],
      ['phone starting with +0', { phone: '+04155550123' }, 'phone'],
      ['phone of 16 digits', { phone: '+1234567890123456' }, 'phone'],
      ['phone with spaces inside', { phone: '+1 415 555 0123' }, 'phone'],
      ['email without @', { email: 'user.example.com' }, 'email'],
      ['email without a domain', { email: 'user@' }, 'email'],
      ['email over 254 characters', { email: `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com` }, 'email'],
    ])('rejects %s with 422 on that field', async (_name, override, field) => {
      const problem = expectProblem(await ctx.api.post('/v1/users', userInput(override)), 422);
      expect(fieldNames(problem.errors)).toEqual([field]);
    });

    it('rejects a password equal to the username or the email, in any letter case', async () => {
      const username = `Secret_Pass1${hex(2)}`;
      const asUsername = expectProblem(await ctx.api.post('/v1/users', userInput({ username, password: username.toUpperCase().replace('SECRET', 'secret') })), 422);
      expect(fieldNames(asUsername.errors)).toEqual(['password']);

      const email = `Mail.Pass1${hex(2)}@Example.com`;
      const asEmail = expectProblem(await ctx.api.post('/v1/users', userInput({ email, password: email })), 422);
      expect(fieldNames(asEmail.errors)).toEqual(['password']);
    });

    it.each([
      ['username of 3 characters with _ . -', { username: `a.${hex(1).slice(0, 1)}` }],
      ['username of exactly 32 characters', { username: `u-_.${hex(14)}` }],
      ['password of exactly 8 characters', { password: 'Aa1!wxyz' }],
      ['password of exactly 128 characters', { password: longPassword(128) }],
      ['names of 1 and 100 characters', { firstName: 'A', lastName: 'L'.repeat(100) }],
      ['phone with 15 digits', { phone: '+123456789012345' }],
      ['phone null', { phone: null }],
    ])('accepts %s', async (_name, override) => {
      const response = await ctx.api.post('/v1/users', userInput(override));
      expectStatus(response, 201);
    });
  });
});
