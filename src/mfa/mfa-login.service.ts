import type { EntityManager } from '@mikro-orm/postgresql';
import type { RequestContext } from '../context/request-context';
import type { AuditedCommands } from '../audit/audited-command.pipeline';
import type { AuthService, TokenPair } from '../auth/auth.service';
import type { MfaRequired, SecondFactorPort } from '../auth/second-factor.port';
import { type LoginThrottle, throttledAccount } from '../auth/throttle/login.throttle';
import { DomainError, ServiceUnavailableError, TooManyRequestsError, UnauthenticatedError, ValidationError } from '../platform/errors/domain.errors';
import { validateInput } from '../platform/validation/validate-input';
import { User } from '../users/user.entity';
import type { UserChanged } from '../users/user.events';
import type { SessionOpened } from '../auth/sessions/session.events';
import type { MfaChallengeService } from './challenge/mfa-challenge.service';
import { AMR_BY_METHOD, type MfaMethod } from './challenge/mfa-method';
import { MfaTokenInput, MfaVerifyInput } from './mfa.inputs';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { MfaServiceFactory } from './mfa-service.factory';
import { authenticationClaims } from './step-up.policy';

const EXPIRED = 'The sign-in has expired or was already finished; sign in again.';

/**
 * The second step of a login with MFA on. The password step (AuthService.login) asks `methodsFor`
 * and, when there are any, `challenge` instead of opening a session; `verify` then trades the
 * mfaToken and one code for the usual token pair. Wrong codes count toward the login lock-out of
 * the account, as wrong passwords do, and the mfaToken dies after five of them.
 */
/** Passkeys as the second factor (src/mfa/passkeys/passkey-account.service.ts). */
export interface SecondFactorPasskeys {
  secondFactorOptions(em: EntityManager, userId: string): Promise<PublicKeyCredentialRequestOptionsJSON>;
  verifySecondFactor(ctx: RequestContext, raw: unknown, userId: string): Promise<boolean>;
}

export class MfaLoginService implements SecondFactorPort {
  constructor(
    private readonly factors: MfaServiceFactory,
    private readonly challenges: MfaChallengeService,
    private readonly auth: AuthService,
    private readonly throttle: LoginThrottle,
    private readonly commands: AuditedCommands,
    private readonly passkeys: SecondFactorPasskeys,
    private readonly now: () => number = Date.now,
  ) {}

  /** Options for a passkey assertion answering the challenge of `mfaToken`: only that user's passkeys. */
  async passkeyOptions(ctx: RequestContext, raw: unknown): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const { mfaToken } = await validateInput(MfaTokenInput, raw);
    const challenge = await challengeStore(() => this.challenges.peek(mfaToken));
    if (!challenge || !challenge.methods.includes('webauthn')) throw new UnauthenticatedError(EXPIRED);
    return this.passkeys.secondFactorOptions(ctx.em, challenge.userId);
  }

  methodsFor(em: EntityManager, userId: string): Promise<MfaMethod[]> {
    return this.factors.on(em).methodsFor(userId);
  }

  async challenge(userId: string, methods: string[], authTimeMs: number): Promise<MfaRequired> {
    const { mfaToken } = await challengeStore(() => this.challenges.issue({ userId, methods: methods as MfaMethod[], amr: ['pwd'], authTime: authTimeMs }));
    return { mfaRequired: true, mfaToken, methods, expiresIn: this.challenges.ttlSeconds };
  }

  async verify(ctx: RequestContext, raw: unknown): Promise<TokenPair> {
    const input = await validateInput(MfaVerifyInput, raw);
    if ([input.code, input.recoveryCode, input.webauthn].filter((proof) => proof !== undefined).length !== 1) {
      throw new ValidationError([{ field: 'code', message: 'give one of code (from the authenticator app), recoveryCode or webauthn (a passkey)' }]);
    }
    let account: string | null = null;
    const result = await challengeStore(() => this.challenges.attempt<MfaMethod>(input.mfaToken, async (challenge) => {
      const user = await ctx.em.getRepository(User).findOne({ id: challenge.userId, deletedAt: null });
      if (!user || !user.isActive) return null;
      account = throttledAccount(user);
      // A locked-out account answers no code at all, right or wrong.
      const retryAfter = await this.throttle.retryAfter(account, ctx.ipAddress);
      if (retryAfter > 0) throw new TooManyRequestsError('Too many failed sign-ins; try again later.', retryAfter);
      const mfa = this.factors.on(ctx.em);
      if (input.webauthn !== undefined) return (await this.passkeys.verifySecondFactor(ctx, input.webauthn, user.id)) ? 'webauthn' : null;
      if (input.code !== undefined) return (await mfa.verifyTotp(user.id, input.code)).ok ? 'totp' : null;
      return (await mfa.useRecoveryCode(user.id, input.recoveryCode as string)) ? 'recovery_code' : null;
    }));
    if (!result.ok && result.reason === 'expired') throw new UnauthenticatedError(EXPIRED);
    if (!result.ok) {
      if (account !== null) await this.throttle.recordFailure(account, ctx.ipAddress);
      await this.recordFailure(ctx, result.userId, result.attemptsLeft);
      throw new UnauthenticatedError(result.attemptsLeft > 0 ? 'The code is not valid.' : `The code is not valid. ${EXPIRED}`);
    }
    const { challenge, proof } = result;
    const pair = await this.commands.run(ctx, {
      name: 'auth.mfa-verify',
      validate: () => undefined,
      // The mfaToken and the code just proven are the credentials.
      authorize: () => undefined,
      work: async ({ em, audit, emit, batch }) => {
        // Locked and lastLoginAt written by one statement; refused, the write rolls back.
        const user = await em.getRepository(User).lockForSignIn(challenge.userId, { lastLoginAt: new Date(this.now()), passwordHash: null });
        if (!user || !user.isActive || user.deletedAt !== null) throw new UnauthenticatedError(EXPIRED);
        const amr = [...challenge.amr, AMR_BY_METHOD[proof]];
        // auth_time is the second factor's: the sign-in is complete only now.
        const opened = this.auth.openSession({ em, batch }, ctx, user, authenticationClaims(amr, this.now()));
        if (proof === 'recovery_code') audit({ action: 'mfa.recovery_code_used', entityType: 'user', entityId: user.id, userId: user.id });
        audit({ action: 'auth.login', entityType: 'session', entityId: opened.sessionId, userId: user.id, newValues: { amr: [...new Set(amr)] } });
        emit<SessionOpened>({ type: 'SessionOpened', sessionId: opened.sessionId, userId: user.id, method: 'mfa' });
        emit<UserChanged>({ type: 'UserChanged', userId: user.id, fields: ['lastLoginAt'] });
        return opened;
      },
    });
    if (account !== null) await this.throttle.recordSuccess(account, ctx.ipAddress);
    return pair;
  }

  /** Committed, and only then refused: the failure stays on the record. */
  private async recordFailure(ctx: RequestContext, userId: string, attemptsLeft: number): Promise<void> {
    await this.commands.run(ctx, {
      name: 'auth.mfa-failed',
      validate: () => undefined,
      authorize: () => undefined,
      work: async ({ audit }) => {
        audit({ action: 'auth.mfa_failed', entityType: 'user', entityId: userId, userId, newValues: { attemptsLeft } });
      },
    });
  }
}

/**
 * The challenges live in Redis when there is one: unreachable, a sign-in with MFA cannot be finished
 * safely (single use and the attempt count are kept there), so it is refused as unavailable (503),
 * never answered as an internal error. The rules' own refusals pass through.
 */
async function challengeStore<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new ServiceUnavailableError('Sign-in with a second factor is unavailable right now; try again shortly.');
  }
}
