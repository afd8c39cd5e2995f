import { randomBytes } from 'node:crypto';
import { MfaChallengeService } from '../../../src/mfa/challenge/mfa-challenge.service';
import { AMR_BY_METHOD } from '../../../src/mfa/challenge/mfa-method';
import { RedisMfaChallengeStore } from '../../../src/mfa/challenge/redis-mfa-challenge.store';
import type { MfaStores } from '../../../src/mfa/mfa.service';
import { OrmPasskeyCredentialStore } from '../../../src/mfa/passkeys/orm-passkey-credential.store';
import { OrmRecoveryCodeStore } from '../../../src/mfa/recovery/orm-recovery-code.store';
import { OrmTotpAuthenticatorStore } from '../../../src/mfa/totp/orm-totp-authenticator.store';
import { OrmTotpReplayGuard } from '../../../src/mfa/totp/orm-totp-replay.guard';
import { createRedis, type RedisClient } from '../../../src/platform/redis/redis.client';
import { describeWithRedis, REDIS_URL } from '../../support/redis-mode';
import { mfaKit } from '../../mfa/mfa-test-kit';
import { openMfaDatabase } from './mfa-database';

/**
 * The second step of a login as the lead will wire it, on PostgreSQL (factors) and Redis (the
 * mfaToken): enrol TOTP, sign in with a code, with a recovery code, and see replay and brute force fail.
 */
describeWithRedis('MFA login second step on PostgreSQL and Redis', () => {
  let db: Awaited<ReturnType<typeof openMfaDatabase>>;
  let redis: RedisClient;
  let prefix: string;

  beforeAll(async () => {
    db = await openMfaDatabase('flow');
    prefix = `uma-test-mfa-${randomBytes(4).toString('hex')}:`;
    redis = createRedis({ url: REDIS_URL }, prefix);
    await new Promise((resolve) => redis.once('ready', resolve));
  });
  afterAll(async () => {
    const keys = (await redis?.keys(`${prefix}*`)) ?? [];
    if (keys.length > 0) await redis.del(...keys.map((key) => key.slice(prefix.length)));
    redis?.disconnect();
    await db?.close();
  });

  function kit() {
    const em = db.orm.em.fork();
    const stores: MfaStores = { totp: new OrmTotpAuthenticatorStore(em), recoveryCodes: new OrmRecoveryCodeStore(em), passkeys: new OrmPasskeyCredentialStore(em) };
    const mfa = mfaKit({ stores, replayGuard: new OrmTotpReplayGuard(em) });
    const challenges = new MfaChallengeService(new RedisMfaChallengeStore(redis));
    return { ...mfa, challenges };
  }

  async function enrol(k: ReturnType<typeof kit>, userId: string) {
    const setup = await k.service.beginTotpSetup(userId, 'flow@example.com');
    const { recoveryCodes } = await k.service.confirmTotp(userId, k.totp.generate(setup.secret));
    k.time.ms += 30_000;
    return { setup, recoveryCodes };
  }

  async function startLogin(k: ReturnType<typeof kit>, userId: string) {
    return k.challenges.issue({ userId, methods: await k.service.methodsFor(userId), amr: ['pwd'], authTime: k.time.ms });
  }

  it('enrols: the secret is stored sealed, the codes hashed, and the status reads back', async () => {
    const k = kit();
    const user = await db.newUser();
    const { setup, recoveryCodes } = await enrol(k, user);
    const [row] = await db.orm.em.getConnection().execute<{ secret_sealed: string; confirmed: boolean; last_used_step: string }[]>('select * from mfa_totp where user_id = ?', [user]);
    expect(row.confirmed).toBe(true);
    expect(row.secret_sealed).toMatch(/^v1\.t1\./);
    expect(row.secret_sealed).not.toContain(setup.secret);
    expect(row.last_used_step).not.toBeNull();
    const codes = await db.orm.em.getConnection().execute<{ code_hash: string }[]>('select code_hash from mfa_recovery_codes where user_id = ?', [user]);
    expect(codes).toHaveLength(10);
    for (const code of recoveryCodes) expect(JSON.stringify(codes)).not.toContain(code.replace('-', ''));
    expect(await k.service.status(user)).toEqual({ totp: true, passkeys: 0, recoveryCodesLeft: 10 });
  });

  it('a setup may start over, but never replaces a confirmed authenticator', async () => {
    const k = kit();
    const user = await db.newUser();
    await k.service.beginTotpSetup(user, 'flow');
    const { setup } = await enrol(k, user);
    await expect(k.service.beginTotpSetup(user, 'flow')).rejects.toThrow(/already on/);
    k.time.ms += 30_000;
    expect((await k.service.verifyTotp(user, k.totp.generate(setup.secret))).ok).toBe(true);
  });

  it('signs in with a TOTP code: the token is spent, and the code cannot be replayed on a new login', async () => {
    const k = kit();
    const user = await db.newUser();
    const { setup } = await enrol(k, user);
    const { mfaToken } = await startLogin(k, user);
    const code = k.totp.generate(setup.secret);
    const result = await k.challenges.attempt(mfaToken, async (challenge) => ((await k.service.verifyTotp(challenge.userId, code)).ok ? AMR_BY_METHOD.totp : null));
    expect(result).toMatchObject({ ok: true, proof: 'otp', challenge: { userId: user, amr: ['pwd'], methods: ['totp', 'recovery_code'] } });
    expect(await k.challenges.attempt(mfaToken, async () => 'otp')).toEqual({ ok: false, reason: 'expired' });

    const again = await startLogin(k, user);
    const replay = await k.challenges.attempt(again.mfaToken, async (challenge) => ((await k.service.verifyTotp(challenge.userId, code)).ok ? 'otp' : null));
    expect(replay).toEqual({ ok: false, reason: 'wrong', userId: user, attemptsLeft: 4 });
  });

  it('signs in with a recovery code once', async () => {
    const k = kit();
    const user = await db.newUser();
    const { recoveryCodes } = await enrol(k, user);
    const check = (code: string) => async (challenge: { userId: string }) => ((await k.service.useRecoveryCode(challenge.userId, code)) ? AMR_BY_METHOD.recovery_code : null);
    expect((await k.challenges.attempt((await startLogin(k, user)).mfaToken, check(recoveryCodes[2]))).ok).toBe(true);
    expect(await k.challenges.attempt((await startLogin(k, user)).mfaToken, check(recoveryCodes[2]))).toMatchObject({ ok: false, reason: 'wrong' });
    expect((await k.service.status(user)).recoveryCodesLeft).toBe(9);
  });

  it('brute force: 5 wrong codes kill the token, and the right code after them fails', async () => {
    const k = kit();
    const user = await db.newUser();
    const { setup } = await enrol(k, user);
    const { mfaToken } = await startLogin(k, user);
    const verify = (code: string) => k.challenges.attempt(mfaToken, async (challenge) => ((await k.service.verifyTotp(challenge.userId, code)).ok ? 'otp' : null));
    const guesses = await Promise.all(['000000', '111111', '222222', '333333', '444444', '555555', '666666'].map(verify));
    expect(guesses.filter((result) => !result.ok && result.reason === 'wrong')).toHaveLength(5);
    expect(await verify(k.totp.generate(setup.secret))).toEqual({ ok: false, reason: 'expired' });
  });

  it('an admin reset leaves the user without a second factor', async () => {
    const k = kit();
    const user = await db.newUser();
    await enrol(k, user);
    await k.service.reset(user);
    expect(await k.service.methodsFor(user)).toEqual([]);
    const [{ count }] = await db.orm.em.getConnection().execute<{ count: string }[]>('select (select count(*) from mfa_totp where user_id = ?) + (select count(*) from mfa_recovery_codes where user_id = ?) as count', [user, user]);
    expect(Number(count)).toBe(0);
  });

  it('a deleted user takes the MFA rows along (on delete cascade)', async () => {
    const k = kit();
    const user = await db.newUser();
    await enrol(k, user);
    await db.orm.em.getConnection().execute('delete from users where id = ?', [user]);
    const [{ count }] = await db.orm.em.getConnection().execute<{ count: string }[]>('select (select count(*) from mfa_totp where user_id = ?) + (select count(*) from mfa_recovery_codes where user_id = ?) as count', [user, user]);
    expect(Number(count)).toBe(0);
  });
});
