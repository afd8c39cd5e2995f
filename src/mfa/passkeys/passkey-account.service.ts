import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { RequestContext } from '../../context/request-context';
import type { AuditedCommands } from '../../audit/audited-command.pipeline';
import { type AuthService, requireActor, type TokenPair } from '../../auth/auth.service';
import { ConflictError, NotFoundError, TooManyRequestsError, UnauthenticatedError, ValidationError } from '../../platform/errors/domain.errors';
import { type LoginThrottle, throttledAccount } from '../../auth/throttle/login.throttle';
import { User } from '../../users/user.entity';
import { OrmPasskeyCredentialStore } from './orm-passkey-credential.store';
import { cleanName, type PasskeyAuthenticationResult, PasskeyService, type PasskeyView } from './passkey.service';
import type { WebAuthnChallengeStore } from './webauthn-challenge.store';
import type { WebAuthnSettings } from './webauthn.settings';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_NAME = 64;
/** One answer for every failed passkey sign-in, so it tells nothing about which passkeys exist. */
const PASSKEY_REFUSED = 'The passkey could not be verified.';
const STALE_CHALLENGE = 'The challenge is unknown, expired or already used: ask for new options.';

/**
 * Passkeys of the signed-in user, and signing in with one. The WebAuthn ceremonies are
 * PasskeyService's; this adds who may call them, the audit trail, and the session a sign-in opens.
 * The credential store works on the request's EntityManager, so a PasskeyService is made per call.
 */
export class PasskeyAccountService {
  constructor(
    private readonly settings: WebAuthnSettings,
    private readonly challenges: WebAuthnChallengeStore,
    private readonly commands: AuditedCommands,
    private readonly auth: AuthService,
    private readonly throttle: LoginThrottle,
  ) {}

  async registrationOptions(ctx: RequestContext): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const actor = requireActor(ctx);
    return this.ceremonies(ctx.em).registrationOptions({ id: actor.id, username: actor.username, displayName: actor.username });
  }

  async register(ctx: RequestContext, raw: unknown): Promise<PasskeyView> {
    const actor = requireActor(ctx);
    return this.commands.run(ctx, {
      name: 'passkey.register',
      validate: () => {
        const body = objectOf(raw);
        const name = body.name;
        if (name !== undefined && (typeof name !== 'string' || name.length > MAX_NAME)) throw new ValidationError([{ field: 'name', message: `At most ${MAX_NAME} characters.` }]);
        return { response: credentialOf(body.response) as unknown as RegistrationResponseJSON, name: name as string | undefined };
      },
      // Everyone signed in may add passkeys to their own account; the challenge was made for this user.
      authorize: (input) => input,
      work: async ({ em, audit }, { response, name }) => {
        const result = await this.ceremonies(em).verifyRegistration(actor.id, response, name);
        if (!result.ok) {
          if (result.reason === 'duplicate') throw new ConflictError('This passkey is already registered.', 'response');
          throw new ValidationError([{ field: 'response', message: result.reason === 'challenge' ? STALE_CHALLENGE : 'The authenticator response could not be verified.' }]);
        }
        audit({ action: 'auth.passkey_registered', entityType: 'user', entityId: actor.id, newValues: { passkeyId: result.passkey.id, name: result.passkey.name } });
        return result.passkey;
      },
    });
  }

  async list(ctx: RequestContext): Promise<PasskeyView[]> {
    return this.ceremonies(ctx.em).list(requireActor(ctx).id);
  }

  async rename(ctx: RequestContext, passkeyId: string, raw: unknown): Promise<PasskeyView> {
    const actor = requireActor(ctx);
    return this.commands.run(ctx, {
      name: 'passkey.rename',
      validate: () => {
        const { name } = objectOf(raw);
        if (typeof name !== 'string' || cleanName(name) === null || name.length > MAX_NAME) throw new ValidationError([{ field: 'name', message: `A name of 1 to ${MAX_NAME} characters.` }]);
        return { id: passkeyIdOf(passkeyId), name };
      },
      // Only the owner's passkeys are found: someone else's is as missing as a deleted one.
      authorize: (input) => input,
      work: async ({ em, audit }, { id, name }) => {
        const ceremonies = this.ceremonies(em);
        const current = (await ceremonies.list(actor.id)).find((passkey) => passkey.id === id);
        if (!current || !(await ceremonies.rename(actor.id, id, name))) throw new NotFoundError('No such passkey.');
        const renamed = { ...current, name: cleanName(name) ?? current.name };
        audit({ action: 'auth.passkey_renamed', entityType: 'user', entityId: actor.id, newValues: { passkeyId: id, name: renamed.name } });
        return renamed;
      },
    });
  }

  async remove(ctx: RequestContext, passkeyId: string): Promise<void> {
    const actor = requireActor(ctx);
    await this.commands.run(ctx, {
      name: 'passkey.remove',
      validate: () => passkeyIdOf(passkeyId),
      authorize: (id) => id,
      work: async ({ em, audit }, id) => {
        if (!(await this.ceremonies(em).remove(actor.id, id))) throw new NotFoundError('No such passkey.');
        audit({ action: 'auth.passkey_removed', entityType: 'user', entityId: actor.id, oldValues: { passkeyId: id } });
      },
    });
  }

  /** The login's second step (src/mfa/mfa-login.service.ts): options limited to this user's passkeys. */
  async secondFactorOptions(em: EntityManager, userId: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return this.ceremonies(em).authenticationOptions(userId);
  }

  /** Whether `raw` is this user's passkey answering the options above; a failure is the caller's to count. */
  async verifySecondFactor(ctx: RequestContext, raw: unknown, userId: string): Promise<boolean> {
    const response = credentialOf(raw) as unknown as AuthenticationResponseJSON;
    const result = await this.ceremonies(ctx.em).verifyAuthentication(response, userId);
    // A suspected clone is worth its own audit row; any other failure is the login's (auth.mfa_failed).
    if (!result.ok && result.reason === 'counter') await this.recordFailure(ctx, result);
    return result.ok;
  }

  /** Options for a sign-in with any discoverable passkey of this site: no username asked. */
  async loginOptions(ctx: RequestContext): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return this.ceremonies(ctx.em).authenticationOptions();
  }

  /**
   * A passkey-only sign-in: the token pair, as a password login gives. A failure is audited (a
   * counter that did not grow also as a suspected clone) and answered with one 401 for every cause.
   */
  async login(ctx: RequestContext, raw: unknown): Promise<TokenPair> {
    const response = credentialOf(objectOf(raw).response) as unknown as AuthenticationResponseJSON;
    const result = await this.ceremonies(ctx.em).verifyAuthentication(response);
    // Failures against a known account count toward its lock-out, as wrong passwords and codes do.
    const account = result.userId ? await this.throttledAccountOf(ctx.em, result.userId) : null;
    if (!result.ok) {
      if (account) await this.throttle.recordFailure(account, ctx.ipAddress);
      await this.recordFailure(ctx, result);
      throw new UnauthenticatedError(result.reason === 'challenge' ? STALE_CHALLENGE : PASSKEY_REFUSED);
    }
    // A locked-out account signs in no other way either, until its lock-out ends.
    const retryAfter = account ? await this.throttle.retryAfter(account, ctx.ipAddress) : 0;
    if (retryAfter > 0) throw new TooManyRequestsError('Too many failed sign-ins; try again later.', retryAfter);
    const pair = await this.auth.signInProven(ctx, result.userId, 'passkey');
    if (account) await this.throttle.recordSuccess(account, ctx.ipAddress);
    return pair;
  }

  private async throttledAccountOf(em: EntityManager, userId: string): Promise<string | null> {
    const user = await em.findOne(User, { id: userId, deletedAt: null }, { fields: ['id', 'securityStamp'] });
    return user ? throttledAccount(user) : null;
  }

  private async recordFailure(ctx: RequestContext, result: Extract<PasskeyAuthenticationResult, { ok: false }>): Promise<void> {
    const userId = result.userId ?? null;
    await this.commands.run(ctx, {
      name: 'auth.login',
      validate: () => undefined,
      // A failed sign-in is recorded for anyone; it opens nothing.
      authorize: () => undefined,
      work: async ({ audit }) => {
        audit({ action: 'auth.login_failed', entityType: 'user', entityId: userId, userId, newValues: { method: 'passkey', reason: result.reason } });
        // The library's advice: a signature counter that did not grow means a copied authenticator (or a replay).
        if (result.reason === 'counter') audit({ action: 'auth.passkey_clone_detected', entityType: 'user', entityId: userId, userId });
      },
    });
  }

  private ceremonies(em: EntityManager): PasskeyService {
    return new PasskeyService(this.settings, this.challenges, new OrmPasskeyCredentialStore(em));
  }
}

function objectOf(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ValidationError([{ field: 'response', message: 'A JSON object is required.' }]);
  return raw as Record<string, unknown>;
}

/** The shape of a PublicKeyCredential's toJSON(); the signature and the rest are the library's to check. */
function credentialOf(value: unknown): Record<string, unknown> {
  const credential = value as Record<string, unknown> | null;
  const valid =
    typeof credential === 'object' &&
    credential !== null &&
    typeof credential.id === 'string' &&
    credential.id.length > 0 &&
    typeof credential.rawId === 'string' &&
    credential.type === 'public-key' &&
    typeof credential.response === 'object' &&
    credential.response !== null &&
    typeof (credential.response as Record<string, unknown>).clientDataJSON === 'string';
  if (!valid) throw new ValidationError([{ field: 'response', message: 'The credential as PublicKeyCredential.toJSON() gives it.' }]);
  return credential;
}

function passkeyIdOf(id: string): string {
  if (!UUID.test(id)) throw new ValidationError([{ field: 'id', message: 'Must be a UUID.' }]);
  return id;
}
