import { LockMode } from '@mikro-orm/postgresql';
import type { RequestContext } from '../context/request-context';
import { Session } from '../auth/sessions/session.entity';
import type { SessionsEnded } from '../auth/sessions/session.events';
import { User } from '../users/user.entity';
import type { UserChanged } from '../users/user.events';
import type { AuditedCommands } from '../audit/audited-command.pipeline';
import { requireActor } from '../auth/auth.service';
import { ForbiddenError, NotFoundError } from '../platform/errors/domain.errors';
import { validateInput } from '../platform/validation/validate-input';
import { canOnUser } from '../users/user.policy';
import type { UserService } from '../users/user.service';
import { ConfirmTotpInput } from './mfa.inputs';
import type { MfaServiceFactory } from './mfa-service.factory';
import type { MfaStatus } from './mfa.service';
import { requireRecentSignIn } from './step-up.policy';
import type { TotpSetup } from './totp/totp.factor';

/**
 * Enrolment and management of the second factors, as commands: each change is authorized, audited
 * and committed with its audit row (src/platform/commands). Turning MFA off, new recovery codes and
 * an admin reset are step-up actions: a stolen access token must not remove the second factor.
 * Both doors (mfa.router.ts, mfa.resolver.ts) call these and nothing else.
 */
export class MfaAccountService {
  constructor(
    private readonly factors: MfaServiceFactory,
    private readonly commands: AuditedCommands,
    private readonly users: UserService,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new secret, shown once with its QR code; MFA stays off until a code confirms it. */
  async beginTotpSetup(ctx: RequestContext): Promise<TotpSetup> {
    const actor = requireActor(ctx);
    return this.commands.run(ctx, {
      name: 'mfa.totp-setup',
      validate: () => undefined,
      authorize: () => this.assertOwnFactors(ctx),
      work: async ({ em, audit }) => {
        const setup = await this.factors.on(em).beginTotpSetup(actor.id, actor.username);
        audit({ action: 'mfa.totp_setup_started', entityType: 'user', entityId: actor.id });
        return setup;
      },
    });
  }

  /** The first code turns TOTP on; the ten recovery codes are answered here and never again. */
  async confirmTotp(ctx: RequestContext, raw: unknown): Promise<{ recoveryCodes: string[] }> {
    const actor = requireActor(ctx);
    return this.commands.run(ctx, {
      name: 'mfa.totp-confirm',
      validate: () => validateInput(ConfirmTotpInput, raw),
      authorize: async (input) => {
        this.assertOwnFactors(ctx);
        return input;
      },
      work: async ({ em, audit }, { code }) => {
        const issued = await this.factors.on(em).confirmTotp(actor.id, code);
        audit({ action: 'mfa.totp_enabled', entityType: 'user', entityId: actor.id });
        return issued;
      },
    });
  }

  async disableTotp(ctx: RequestContext): Promise<void> {
    const actor = requireActor(ctx);
    await this.commands.run(ctx, {
      name: 'mfa.totp-disable',
      validate: () => undefined,
      authorize: () => {
        this.assertOwnFactors(ctx);
        this.requireStepUp(ctx);
      },
      work: async ({ em, audit }) => {
        await this.factors.on(em).disableTotp(actor.id);
        audit({ action: 'mfa.totp_disabled', entityType: 'user', entityId: actor.id });
      },
    });
  }

  /** A new set replaces every unused code of the old one. */
  async regenerateRecoveryCodes(ctx: RequestContext): Promise<{ recoveryCodes: string[] }> {
    const actor = requireActor(ctx);
    return this.commands.run(ctx, {
      name: 'mfa.recovery-codes',
      validate: () => undefined,
      authorize: () => {
        this.assertOwnFactors(ctx);
        this.requireStepUp(ctx);
      },
      work: async ({ em, audit }) => {
        const issued = await this.factors.on(em).regenerateRecoveryCodes(actor.id);
        audit({ action: 'mfa.recovery_codes_regenerated', entityType: 'user', entityId: actor.id });
        return issued;
      },
    });
  }

  /**
   * An admin removes every factor of a user who lost them (audited). A step-up action too: with a
   * stolen admin token one could otherwise strip any account's second factor.
   */
  async reset(ctx: RequestContext, userId: string): Promise<void> {
    const actor = requireActor(ctx);
    await this.commands.run(ctx, {
      name: 'mfa.reset',
      validate: () => undefined,
      authorize: async () => {
        const target = await this.users.findVisible(ctx, ctx.em, userId);
        if (!canOnUser(actor, 'resetMfa', target)) throw new ForbiddenError('Only an admin may reset the second factors of a user.');
        this.requireStepUp(ctx);
        return target;
      },
      work: async ({ em, audit, emit }, target) => {
        const mfa = this.factors.on(em);
        const before = await mfa.status(target.id);
        if (!before.totp && before.passkeys === 0 && before.recoveryCodesLeft === 0) throw new NotFoundError('This user has no second factor to reset.');
        await mfa.reset(target.id);
        // A reset follows a lost device or a taken account: whoever holds a session of it signs in again.
        const user = await em.getRepository(User).findOne({ id: target.id, deletedAt: null }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
        if (!user) throw new NotFoundError('User not found.');
        em.getRepository(User).renewStamp(user);
        const ended = await em.getRepository(Session).deleteByUserId(target.id);
        audit({ action: 'mfa.reset', entityType: 'user', entityId: target.id, oldValues: { ...before }, newValues: { sessionsEnded: ended.length } });
        if (ended.length > 0) emit<SessionsEnded>({ type: 'SessionsEnded', sessionIds: ended, userId: target.id, reason: 'mfa_reset' });
        emit<UserChanged>({ type: 'UserChanged', userId: target.id, fields: ['securityStamp'] });
      },
    });
  }

  /** `me { mfa }`: what the caller has enrolled (never a secret). */
  async status(ctx: RequestContext): Promise<MfaStatus> {
    const actor = requireActor(ctx);
    return this.factors.on(ctx.em).status(actor.id);
  }

  /** Only the user enrols or removes their own factors (an admin resets them instead). */
  private assertOwnFactors(ctx: RequestContext): void {
    const actor = requireActor(ctx);
    if (!canOnUser(actor, 'manageMfa', actor)) throw new ForbiddenError('You may only manage your own second factors.');
  }

  private requireStepUp(ctx: RequestContext): void {
    requireRecentSignIn(requireActor(ctx), this.now());
  }
}
