import { CreateUserInput, ReplaceUserInput, UpdateUserInput } from '../../../src/users/user.inputs';
import { ValidationError } from '../../../src/platform/errors/domain.errors';
import { validateInput } from '../../../src/platform/validation/validate-input';

const valid = { username: 'dana', email: 'dana@example.com', password: 'Val1d-pass', firstName: 'Dana', lastName: 'Scully' };

async function fieldErrors(type: new () => object, raw: unknown): Promise<string[]> {
  try {
    await validateInput(type, raw);
  } catch (error) {
    if (error instanceof ValidationError) return [...new Set(error.errors.map((entry) => entry.field))];
    throw error;
  }
  return [];
}

describe('validateInput', () => {
  it('accepts a valid body and trims everything but passwords', async () => {
    const input = await validateInput(CreateUserInput, { ...valid, username: '  dana ', password: ' Val1d-pass ' });
    expect(input.username).toBe('dana');
    expect(input.password).toBe(' Val1d-pass ');
    expect(input).toBeInstanceOf(CreateUserInput);
  });

  it('reports every failing field at once', async () => {
    const fields = await fieldErrors(CreateUserInput, { username: 'a', email: 'nope', password: 'short', firstName: '', lastName: 'x'.repeat(101), phone: '555' });
    expect(fields.sort()).toEqual(['email', 'firstName', 'lastName', 'password', 'phone', 'username']);
  });

  it.each([
    ['no upper-case letter', 'lower-case1!'],
    ['no lower-case letter', 'UPPER-CASE1!'],
    ['no digit', 'No-digits-here!'],
    ['no special character', 'NoSpecial123'],
    ['too short', 'Ab1!'],
    ['too long', `Aa1!${'x'.repeat(125)}`],
  ])('rejects a password with %s', async (_why, password) => {
    expect(await fieldErrors(CreateUserInput, { ...valid, password })).toEqual(['password']);
  });

  it('rejects unknown fields instead of dropping them, __proto__ included', async () => {
    expect(await fieldErrors(CreateUserInput, { ...valid, isAdmin: true })).toEqual(['isAdmin']);
    expect(await fieldErrors(CreateUserInput, JSON.parse(`{"__proto__": {"role": "admin"}, "username": "dana", "email": "dana@example.com", "password": "Val1d-pass", "firstName": "D", "lastName": "S"}`))).toEqual(['__proto__']);
  });

  it('rejects bodies that are not objects', async () => {
    for (const raw of [null, 'text', 42, [valid]]) {
      expect(await fieldErrors(CreateUserInput, raw)).toEqual(['body']);
    }
  });

  it('lets a partial update leave fields out but not null them, except the phone', async () => {
    expect(await fieldErrors(UpdateUserInput, {})).toEqual([]);
    expect(await fieldErrors(UpdateUserInput, { phone: null })).toEqual([]);
    expect(await fieldErrors(UpdateUserInput, { username: null, firstName: null })).toEqual(['username', 'firstName']);
  });

  it('lets a replacement (PUT) leave role and status out but not null them', async () => {
    const profile = { username: 'dana', email: 'dana@example.com', firstName: 'Dana', lastName: 'Scully' };
    expect(await fieldErrors(ReplaceUserInput, profile)).toEqual([]);
    expect(await fieldErrors(ReplaceUserInput, { ...profile, role: null, isActive: null, emailVerified: null })).toEqual(['role', 'isActive', 'emailVerified']);
  });

  it.each([
    ['a NUL character', 'Da\u0000na'],
    ['a lone high surrogate', 'Da\uD800na'],
    ['a lone low surrogate', '\uDC00Dana'],
  ])('refuses text with %s, which PostgreSQL cannot store, with one error for the field', async (_what, firstName) => {
    try {
      await validateInput(CreateUserInput, { ...valid, firstName });
      throw new Error('expected a validation error');
    } catch (error) {
      expect((error as ValidationError).errors).toEqual([{ field: 'firstName', message: 'firstName must be valid Unicode text without NUL characters' }]);
    }
    // A well-formed pair is text like any other; passwords are only hashed, so they may hold anything.
    expect(await fieldErrors(CreateUserInput, { ...valid, firstName: 'Dana \uD83D\uDE00' })).toEqual([]);
    expect(await fieldErrors(CreateUserInput, { ...valid, password: `${valid.password}\u0000\uD800` })).toEqual([]);
  });

  it('never echoes the rejected value', async () => {
    try {
      await validateInput(CreateUserInput, { ...valid, password: 'leaky' });
      throw new Error('expected a validation error');
    } catch (error) {
      expect(JSON.stringify(error)).not.toContain('leaky');
      expect((error as ValidationError).errors[0].message).not.toContain('leaky');
    }
  });
});
