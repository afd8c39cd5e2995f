import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { OneTimeTokenExpiredError, OneTimeTokenInvalidError, OneTimeTokenUsedError } from '../../../src/auth/tokens/one-time-token.errors';
import { OneTimeTokenService } from '../../../src/auth/tokens/one-time-token.service';
import { connectDatabase, migrate, type Orm } from '../../../src/platform/db/database';
import { createScratchDatabase } from '../../support/scratch-database';

describe('one-time tokens in PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createScratchDatabase>>;
  let orm: Orm;
  const service = new OneTimeTokenService();
  let users = 0;

  const em = () => orm.em.fork() as EntityManager;

  async function newUser(): Promise<string> {
    users += 1;
    const id = `00000000-0000-4000-8000-${String(users).padStart(12, '0')}`;
    await em().execute(
      `insert into users (id, username, email, password_hash, first_name, last_name, created_at, updated_at)
       values (?, ?, ?, 'x', 'A', 'B', now(), now())`,
      [id, `user${users}`, `user${users}@example.com`],
    );
    return id;
  }

  beforeAll(async () => {
    database = await createScratchDatabase('tokens');
    orm = await connectDatabase({ databaseUrl: database.url, poolMax: 12 });
    await migrate(orm);
  });

  afterAll(async () => {
    await orm.close(true);
    await database.drop();
  });

  it('stores only the SHA-256 of a 32-byte base64url token, with the lifetime of its purpose', async () => {
    const userId = await newUser();
    const before = Date.now();
    const { token, expiresAt } = await service.issue(em(), { userId, purpose: 'reset_password', email: 'user@example.com' });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(Math.abs(expiresAt.getTime() - (before + 30 * 60_000))).toBeLessThan(10_000);
    const rows = await em().execute<{ token_hash: string; purpose: string; email: string }[]>('select * from one_time_tokens where user_id = ?', [userId]);
    expect(rows).toEqual([expect.objectContaining({ token_hash: createHash('sha256').update(token).digest('hex'), purpose: 'reset_password', email: 'user@example.com' })]);
    expect(JSON.stringify(rows)).not.toContain(token);
    const verify = await service.issue(em(), { userId, purpose: 'verify_email' });
    expect(Math.abs(verify.expiresAt.getTime() - (Date.now() + 24 * 3600_000))).toBeLessThan(10_000);
  });

  it('is used once: the second use is refused as used', async () => {
    const userId = await newUser();
    const { token } = await service.issue(em(), { userId, purpose: 'verify_email', email: 'a@example.com' });
    await expect(service.consume(em(), token, 'verify_email')).resolves.toEqual({ userId, email: 'a@example.com' });
    await expect(service.consume(em(), token, 'verify_email')).rejects.toBeInstanceOf(OneTimeTokenUsedError);
  });

  it('refuses a wrong token, a malformed one and one meant for another purpose as invalid', async () => {
    const userId = await newUser();
    const { token } = await service.issue(em(), { userId, purpose: 'reset_password' });
    await expect(service.consume(em(), token, 'verify_email')).rejects.toBeInstanceOf(OneTimeTokenInvalidError);
    await expect(service.consume(em(), 'A'.repeat(43), 'reset_password')).rejects.toBeInstanceOf(OneTimeTokenInvalidError);
    await expect(service.consume(em(), `${token}'; drop table users; --`, 'reset_password')).rejects.toBeInstanceOf(OneTimeTokenInvalidError);
    await expect(service.consume(em(), token, 'reset_password')).resolves.toMatchObject({ userId });
  });

  it('refuses an expired token as expired', async () => {
    const userId = await newUser();
    const { token } = await service.issue(em(), { userId, purpose: 'reset_password' });
    await em().execute(`update one_time_tokens set expires_at = now() - interval '1 second' where user_id = ?`, [userId]);
    await expect(service.consume(em(), token, 'reset_password')).rejects.toEqual(new OneTimeTokenExpiredError('expired'));
    await expect(service.consume(em(), token, 'reset_password')).rejects.toMatchObject({ code: 'TOKEN_EXPIRED', reason: 'expired' });
  });

  it('lets a newer token of the same purpose supersede older ones, and leaves other purposes alone', async () => {
    const userId = await newUser();
    const older = await service.issue(em(), { userId, purpose: 'verify_email' });
    const reset = await service.issue(em(), { userId, purpose: 'reset_password' });
    const newer = await service.issue(em(), { userId, purpose: 'verify_email' });
    await expect(service.consume(em(), older.token, 'verify_email')).rejects.toMatchObject({ code: 'TOKEN_EXPIRED', reason: 'superseded' });
    await expect(service.consume(em(), newer.token, 'verify_email')).resolves.toMatchObject({ userId });
    await expect(service.consume(em(), reset.token, 'reset_password')).resolves.toMatchObject({ userId });
  });

  it('invalidates live tokens after a password or e-mail change', async () => {
    const userId = await newUser();
    const reset = await service.issue(em(), { userId, purpose: 'reset_password' });
    const change = await service.issue(em(), { userId, purpose: 'change_email', email: 'new@example.com' });
    expect(await service.invalidate(em(), userId, ['reset_password'])).toBe(1);
    await expect(service.consume(em(), reset.token, 'reset_password')).rejects.toBeInstanceOf(OneTimeTokenExpiredError);
    expect(await service.invalidate(em(), userId)).toBe(1);
    await expect(service.consume(em(), change.token, 'change_email')).rejects.toBeInstanceOf(OneTimeTokenExpiredError);
  });

  it('of ten parallel uses of one token, exactly one wins and the others are told it was used', async () => {
    const userId = await newUser();
    const { token } = await service.issue(em(), { userId, purpose: 'reset_password' });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => em().transactional((tx) => service.consume(tx as EntityManager, token, 'reset_password'))));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => (o.reason as Error).constructor);
    expect(refused).toEqual(Array(9).fill(OneTimeTokenUsedError));
  });

  it('a use whose transaction rolls back leaves the token usable', async () => {
    const userId = await newUser();
    const { token } = await service.issue(em(), { userId, purpose: 'change_email', email: 'n@example.com' });
    await expect(
      em().transactional(async (tx) => {
        await service.consume(tx as EntityManager, token, 'change_email');
        throw new Error('the address was taken meanwhile');
      }),
    ).rejects.toThrow('taken');
    await expect(service.consume(em(), token, 'change_email')).resolves.toEqual({ userId, email: 'n@example.com' });
  });

  it('of parallel requests for a token, one stays live (issuing is serialised per user and purpose)', async () => {
    const userId = await newUser();
    const issued = await Promise.all(Array.from({ length: 6 }, () => service.issue(em(), { userId, purpose: 'verify_email' })));
    const outcomes = await Promise.allSettled(issued.map(({ token }) => service.consume(em(), token, 'verify_email')));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const [live] = await em().execute<{ n: number }[]>('select count(*)::int as n from one_time_tokens where user_id = ? and used_at is null and superseded_at is null', [userId]);
    expect(live.n).toBe(0);
  });

  it('purges tokens long expired', async () => {
    const userId = await newUser();
    await service.issue(em(), { userId, purpose: 'reset_password' });
    await em().execute(`update one_time_tokens set expires_at = now() - interval '2 days' where user_id = ?`, [userId]);
    expect(await service.purgeExpired(em())).toBeGreaterThanOrEqual(1);
    const rows = await em().execute('select 1 from one_time_tokens where user_id = ?', [userId]);
    expect(rows).toEqual([]);
  });
});
