import type { AuthService } from '../../src/auth/auth.service';
import { MemoryLoginAttemptStore } from '../../src/auth/throttle/memory-login-attempt.store';
import { LoginThrottle, throttledAccount } from '../../src/auth/throttle/login.throttle';
import { MfaChallengeService } from '../../src/mfa/challenge/mfa-challenge.service';
import { MemoryMfaChallengeStore } from '../../src/mfa/challenge/mfa-challenge.store';
import { MfaLoginService } from '../../src/mfa/mfa-login.service';
import type { MfaServiceFactory } from '../../src/mfa/mfa-service.factory';
import { ServiceUnavailableError, TooManyRequestsError, UnauthenticatedError, ValidationError } from '../../src/platform/errors/domain.errors';
import { createLogger } from '../../src/platform/observability/logger';
import { RedisFailureReporter } from '../../src/platform/redis/redis-failure.reporter';
import { User } from '../../src/users/user.entity';
import { fakeUnitOfWork } from '../support/fake-unit-of-work';
import { mfaKit } from './mfa-test-kit';

const USER_ID = '11111111-1111-4111-8111-111111111111';

async function setUp() {
  const kit = mfaKit();
  const user = { id: USER_ID, isActive: true, deletedAt: null, securityStamp: 'stamp-1', lastLoginAt: null as Date | null };
  const uow = fakeUnitOfWork(
    new Map<Function, object>([
      [
        User,
        {
          findOne: async () => user,
          // The row locked and, for a sign-in, its lastLoginAt written, as the one UPDATE would.
          lockForSignIn: async (_id: string, changes: { lastLoginAt: Date | null }) => (changes.lastLoginAt && (user.lastLoginAt = changes.lastLoginAt), user),
        },
      ],
    ]),
  );
  const throttle = new LoginThrottle(new MemoryLoginAttemptStore(), { maxFailuresPerIp: 7, maxFailuresPerAccount: 100, windowSeconds: 60 }, new RedisFailureReporter(createLogger('silent')));
  const opened: unknown[] = [];
  const auth = {
    openSession: (_em: unknown, _ctx: unknown, _user: unknown, authentication: unknown) => {
      opened.push(authentication);
      return { accessToken: 'a', refreshToken: 'r', tokenType: 'Bearer', expiresIn: 900, user, sessionId: 'session-1' };
    },
  } as unknown as AuthService;
  const challenges = new MfaChallengeService(new MemoryMfaChallengeStore(() => kit.time.ms), {}, () => kit.time.ms);
  const factory = { on: () => kit.service } as unknown as MfaServiceFactory;
  // A passkey that answers for USER_ID when its credential id is 'good'.
  const passkeys = {
    secondFactorOptions: async (_em: unknown, userId: string) => ({ challenge: `options-for-${userId}` }) as never,
    verifySecondFactor: async (_ctx: unknown, raw: unknown, userId: string) => userId === USER_ID && (raw as { id?: string }).id === 'good',
  };
  const service = new MfaLoginService(factory, challenges, auth, throttle, uow.commands, passkeys, () => kit.time.ms);
  const setup = await kit.service.beginTotpSetup(USER_ID, 'alice');
  const { recoveryCodes } = await kit.service.confirmTotp(USER_ID, kit.totp.generate(setup.secret, -1));
  const ctx = uow.context(null);
  const challenge = async () => (await service.challenge(USER_ID, await service.methodsFor(ctx.em, USER_ID), kit.time.ms - 2000)).mfaToken;
  return { ...uow, kit, service, secret: setup.secret, recoveryCodes, ctx, challenge, opened, throttle, user };
}

describe('MfaLoginService (no database)', () => {
  it('challenges with the enrolled methods, then opens the session with amr pwd+otp and the second factor’s time', async () => {
    const env = await setUp();
    const answer = await env.service.challenge(USER_ID, await env.service.methodsFor(env.ctx.em, USER_ID), env.kit.time.ms);
    expect(answer).toEqual({ mfaRequired: true, mfaToken: expect.any(String), methods: ['totp', 'recovery_code'], expiresIn: 300 });
    const pair = await env.service.verify(env.ctx, { mfaToken: answer.mfaToken, code: env.kit.totp.generate(env.secret) });
    expect(pair.sessionId).toBe('session-1');
    expect(env.opened).toEqual([{ amr: ['pwd', 'otp'], auth_time: Math.floor(env.kit.time.ms / 1000) }]);
    expect(env.user.lastLoginAt).toEqual(new Date(env.kit.time.ms));
    expect(env.audits()).toEqual([{ action: 'auth.login', entityId: 'session-1', userId: USER_ID }]);
    // Single use.
    await expect(env.service.verify(env.ctx, { mfaToken: answer.mfaToken, code: env.kit.totp.generate(env.secret, 1) })).rejects.toThrow(/sign in again/);
  });

  it('counts each wrong code toward the lock-out, audits it, and kills the token at the fifth', async () => {
    const env = await setUp();
    const mfaToken = await env.challenge();
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      await expect(env.service.verify(env.ctx, { mfaToken, code: '000000' === env.kit.totp.generate(env.secret) ? '111111' : '000000' })).rejects.toBeInstanceOf(UnauthenticatedError);
    }
    expect(env.audits().filter((row) => row.action === 'auth.mfa_failed')).toHaveLength(5);
    await expect(env.service.verify(env.ctx, { mfaToken, code: env.kit.totp.generate(env.secret) })).rejects.toThrow(/sign in again/);
    expect(env.opened).toEqual([]);
    // Two more failures reach the limit of 7: the account is locked for the right code too.
    for (let attempt = 0; attempt < 2; attempt += 1) await env.throttle.recordFailure(throttledAccount(env.user), env.ctx.ipAddress);
    await expect(env.service.verify(env.ctx, { mfaToken: await env.challenge(), code: env.kit.totp.generate(env.secret) })).rejects.toBeInstanceOf(TooManyRequestsError);
  });

  it('takes a recovery code once, audited', async () => {
    const env = await setUp();
    await env.service.verify(env.ctx, { mfaToken: await env.challenge(), recoveryCode: env.recoveryCodes[0] });
    expect(env.opened).toEqual([{ amr: ['pwd', 'otp'], auth_time: expect.any(Number) }]);
    expect(env.audits().map((row) => row.action)).toEqual(['mfa.recovery_code_used', 'auth.login']);
    await expect(env.service.verify(env.ctx, { mfaToken: await env.challenge(), recoveryCode: env.recoveryCodes[0] })).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('wants exactly one of code and recoveryCode, and spends nothing when it has neither or both', async () => {
    const env = await setUp();
    const mfaToken = await env.challenge();
    await expect(env.service.verify(env.ctx, { mfaToken })).rejects.toBeInstanceOf(ValidationError);
    await expect(env.service.verify(env.ctx, { mfaToken, code: '123456', recoveryCode: env.recoveryCodes[0] })).rejects.toBeInstanceOf(ValidationError);
    await expect(env.service.verify(env.ctx, { mfaToken, code: env.kit.totp.generate(env.secret) })).resolves.toMatchObject({ sessionId: 'session-1' });
  });

  it('answers 503, not an internal error, when the challenge store is unreachable', async () => {
    const env = await setUp();
    const down = { save: async () => Promise.reject(new Error('Connection is closed.')), takeAttempt: async () => Promise.reject(new Error('Connection is closed.')), consume: async () => false };
    const service = new MfaLoginService({ on: () => env.kit.service } as unknown as MfaServiceFactory, new MfaChallengeService({ ...down, peek: async () => Promise.reject(new Error('Connection is closed.')) }), {} as AuthService, env.throttle, env.commands, {} as never);
    await expect(service.challenge(USER_ID, ['totp'], Date.now())).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(service.verify(env.ctx, { mfaToken: 'a'.repeat(43), code: '123456' })).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  it('takes a passkey as the second factor: options for the challenge cost no attempt, the assertion opens the session with amr pwd+hwk', async () => {
    const env = await setUp();
    const { mfaToken } = await env.service.challenge(USER_ID, ['webauthn'], env.kit.time.ms - 1000);
    for (let i = 0; i < 6; i += 1) await expect(env.service.passkeyOptions(env.ctx, { mfaToken })).resolves.toEqual({ challenge: `options-for-${USER_ID}` });
    await expect(env.service.verify(env.ctx, { mfaToken, webauthn: { id: 'bad' } })).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(env.service.verify(env.ctx, { mfaToken, webauthn: { id: 'good' } })).resolves.toMatchObject({ sessionId: 'session-1' });
    expect(env.opened.at(-1)).toMatchObject({ amr: ['pwd', 'hwk'] });
    expect(env.audits().map((row) => row.action)).toEqual(['auth.mfa_failed', 'auth.login']);
    // Spent: no more options, no second session.
    await expect(env.service.passkeyOptions(env.ctx, { mfaToken })).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('gives no passkey options for a challenge without passkeys, a made-up token, and takes exactly one proof', async () => {
    const env = await setUp();
    const mfaToken = await env.challenge();
    await expect(env.service.passkeyOptions(env.ctx, { mfaToken })).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(env.service.passkeyOptions(env.ctx, { mfaToken: 'x'.repeat(43) })).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(env.service.verify(env.ctx, { mfaToken, code: '123456', webauthn: { id: 'good' } })).rejects.toBeInstanceOf(ValidationError);
    await expect(env.service.verify(env.ctx, { mfaToken })).rejects.toBeInstanceOf(ValidationError);
  });
});
