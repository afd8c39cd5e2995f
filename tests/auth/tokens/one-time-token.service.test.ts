import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { OneTimeTokenExpiredError, OneTimeTokenInvalidError, OneTimeTokenUsedError } from '../../../src/auth/tokens/one-time-token.errors';
import type { OneTimeTokenRepository, TokenState } from '../../../src/auth/tokens/one-time-token.repository';
import { hashOneTimeToken, newOneTimeToken, ONE_TIME_TOKEN_TTL_SECONDS, OneTimeTokenService } from '../../../src/auth/tokens/one-time-token.service';

const em = { transactional: (work: (tx: unknown) => unknown) => work(em) } as unknown as EntityManager;

function fakeRepository(overrides: Partial<Record<keyof OneTimeTokenRepository, jest.Mock>> = {}) {
  return {
    lockIssuing: jest.fn(async () => undefined),
    supersedeLive: jest.fn(async () => 0),
    insert: jest.fn(async () => new Date('2030-01-01T00:00:00Z')),
    consume: jest.fn(async () => undefined),
    stateOf: jest.fn(async (): Promise<TokenState | undefined> => undefined),
    purge: jest.fn(async () => 0),
    ...overrides,
  };
}

describe('OneTimeTokenService', () => {
  it('makes 43-character base64url tokens of 32 random bytes, never twice the same', () => {
    const tokens = new Set(Array.from({ length: 100 }, newOneTimeToken));
    expect(tokens.size).toBe(100);
    for (const token of tokens) expect(Buffer.from(token, 'base64url').toString('base64url')).toBe(token);
    expect([...tokens].every((token) => /^[A-Za-z0-9_-]{43}$/.test(token))).toBe(true);
  });

  it('hashes with SHA-256 in hex', () => {
    expect(hashOneTimeToken('abc')).toBe(createHash('sha256').update('abc').digest('hex'));
  });

  it('gives each purpose its lifetime: verification and e-mail change a day, reset half an hour', () => {
    expect(ONE_TIME_TOKEN_TTL_SECONDS).toEqual({ verify_email: 86400, reset_password: 1800, change_email: 86400 });
  });

  it('issues under the per-user lock, superseding older tokens of the purpose first, and stores only the hash', async () => {
    const repository = fakeRepository();
    const issued = await new OneTimeTokenService(repository as unknown as OneTimeTokenRepository).issue(em, { userId: 'u1', purpose: 'reset_password' });
    expect(repository.lockIssuing).toHaveBeenCalledWith(em, 'u1', 'reset_password');
    expect(repository.supersedeLive).toHaveBeenCalledWith(em, 'u1', ['reset_password']);
    expect(repository.insert).toHaveBeenCalledWith(em, { userId: 'u1', purpose: 'reset_password', tokenHash: hashOneTimeToken(issued.token), email: null, ttlSeconds: 1800 });
    expect(repository.lockIssuing.mock.invocationCallOrder[0]).toBeLessThan(repository.supersedeLive.mock.invocationCallOrder[0]);
    expect(repository.supersedeLive.mock.invocationCallOrder[0]).toBeLessThan(repository.insert.mock.invocationCallOrder[0]);
  });

  it('refuses a malformed token without asking the database', async () => {
    const repository = fakeRepository();
    const service = new OneTimeTokenService(repository as unknown as OneTimeTokenRepository);
    for (const token of ['', 'short', 'A'.repeat(44), `${'A'.repeat(42)}=`, `${'A'.repeat(42)}+`, 42 as unknown as string]) {
      await expect(service.consume(em, token, 'verify_email')).rejects.toBeInstanceOf(OneTimeTokenInvalidError);
    }
    expect(repository.consume).not.toHaveBeenCalled();
  });

  it.each([
    [undefined, OneTimeTokenInvalidError],
    [{ used: true, superseded: false, expired: false }, OneTimeTokenUsedError],
    [{ used: true, superseded: false, expired: true }, OneTimeTokenUsedError],
    [{ used: false, superseded: false, expired: true }, OneTimeTokenExpiredError],
    [{ used: false, superseded: true, expired: false }, OneTimeTokenExpiredError],
  ])('tells why a token it could not consume was refused (%j)', async (state, error) => {
    const repository = fakeRepository({ stateOf: jest.fn(async () => state) });
    const service = new OneTimeTokenService(repository as unknown as OneTimeTokenRepository);
    await expect(service.consume(em, newOneTimeToken(), 'verify_email')).rejects.toBeInstanceOf(error);
  });

  it('the three refusals carry distinct codes', () => {
    expect([new OneTimeTokenInvalidError().code, new OneTimeTokenUsedError().code, new OneTimeTokenExpiredError('expired').code]).toEqual(['TOKEN_INVALID', 'TOKEN_USED', 'TOKEN_EXPIRED']);
  });

  it('returns the user and address of a consumed token', async () => {
    const repository = fakeRepository({ consume: jest.fn(async () => ({ id: 't', userId: 'u1', email: 'n@example.com' })) });
    const service = new OneTimeTokenService(repository as unknown as OneTimeTokenRepository);
    await expect(service.consume(em, newOneTimeToken(), 'change_email')).resolves.toEqual({ userId: 'u1', email: 'n@example.com' });
    expect(repository.stateOf).not.toHaveBeenCalled();
  });
});
