import { GraphQLJSONObject, UUIDResolver } from 'graphql-scalars';
import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../context/request-context';
import { AuthPayloadType } from '../auth/auth-payload.type';
import type { AuthService, LoginResult, TokenPair } from '../auth/auth.service';
import { UserType } from '../users/user.type';
import type { UserView } from '../users/user-view';
import { MfaTokenInput, MfaVerifyInput } from './mfa.inputs';
import type { MfaAccountService } from './mfa-account.service';
import type { MfaLoginService } from './mfa-login.service';
import type { MfaStatus } from './mfa.service';
import { MfaStatusType, RecoveryCodesType, SignInResultUnion, TotpSetupType } from './mfa.type';
import type { TotpSetup } from './totp/totp.factor';

/** The GraphQL door of MFA: the same services as /v1/auth/mfa, nothing more. */
@Resolver(() => UserType)
export class MfaResolver {
  constructor(
    private readonly auth: AuthService,
    private readonly mfaAccounts: MfaAccountService,
    private readonly mfaLogins: MfaLoginService,
  ) {}

  @Mutation(() => SignInResultUnion, { description: 'Username or email and password: the tokens, or with MFA on the challenge to finish with verifyMfa.' })
  signIn(@Arg('username') username: string, @Arg('password') password: string, @Ctx() ctx: RequestContext): Promise<LoginResult> {
    return this.auth.login(ctx, { username, password });
  }

  @Mutation(() => AuthPayloadType, { description: 'Finishes a sign-in that answered MfaChallenge, with a code, a recovery code or a passkey (webauthn).' })
  verifyMfa(@Arg('input', () => MfaVerifyInput) input: MfaVerifyInput, @Ctx() ctx: RequestContext): Promise<TokenPair> {
    return this.mfaLogins.verify(ctx, { ...input });
  }

  @Mutation(() => GraphQLJSONObject, { description: "Options for navigator.credentials.get when the challenge's methods include webauthn: only this user's passkeys; answer with verifyMfa(input: { mfaToken, webauthn })." })
  passkeyMfaOptions(@Arg('input', () => MfaTokenInput) input: MfaTokenInput, @Ctx() ctx: RequestContext): Promise<object> {
    return this.mfaLogins.passkeyOptions(ctx, { ...input });
  }

  @Mutation(() => TotpSetupType, { description: 'Starts enrolling an authenticator app; confirmTotp turns it on.' })
  setupTotp(@Ctx() ctx: RequestContext): Promise<TotpSetup> {
    return this.mfaAccounts.beginTotpSetup(ctx);
  }

  @Mutation(() => RecoveryCodesType, { description: 'Turns TOTP on with the first code; answers the recovery codes, once.' })
  confirmTotp(@Arg('code') code: string, @Ctx() ctx: RequestContext): Promise<{ recoveryCodes: string[] }> {
    return this.mfaAccounts.confirmTotp(ctx, { code });
  }

  @Mutation(() => Boolean, { description: 'Turns TOTP off. Needs a sign-in within the last 5 minutes (REAUTHENTICATION_REQUIRED).' })
  async disableTotp(@Ctx() ctx: RequestContext): Promise<boolean> {
    await this.mfaAccounts.disableTotp(ctx);
    return true;
  }

  @Mutation(() => RecoveryCodesType, { description: 'A new set of recovery codes; the old ones stop working. Needs a recent sign-in.' })
  regenerateRecoveryCodes(@Ctx() ctx: RequestContext): Promise<{ recoveryCodes: string[] }> {
    return this.mfaAccounts.regenerateRecoveryCodes(ctx);
  }

  @Mutation(() => Boolean, { description: 'Admins: removes every second factor of a user (audited). Needs a recent sign-in.' })
  async resetUserMfa(@Arg('userId', () => UUIDResolver) userId: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    await this.mfaAccounts.reset(ctx, userId);
    return true;
  }

  @FieldResolver(() => MfaStatusType, { nullable: true, description: 'Your own second factors; null on anyone else.' })
  async mfa(@Root() user: UserView, @Ctx() ctx: RequestContext): Promise<MfaStatus | null> {
    if (ctx.actor?.id !== user.id) return null;
    return this.mfaAccounts.status(ctx);
  }
}
