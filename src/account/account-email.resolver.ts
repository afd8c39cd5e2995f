import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { AccountEmailResult } from './account-email.type';
import type { RequestContext } from '../context/request-context';
import { ForgotPasswordInput, LinkTokenInput, ResetPasswordInput } from './account-email.inputs';
import { ACCOUNT_EMAIL_MESSAGES as SAY, type AccountEmailServices } from './account-email.presenter';

const result = (message: string, email: string | null = null): AccountEmailResult => ({ message, email });

/** The e-mail flows through GraphQL: the same services as /v1/auth/email and /v1/auth/password. */
@Resolver()
export class AccountEmailResolver {
  constructor(private readonly services: AccountEmailServices) {}

  @Mutation(() => AccountEmailResult, { description: "Mails a new verification link to the caller's address; older links stop working." })
  async requestEmailVerification(@Ctx() ctx: RequestContext): Promise<AccountEmailResult> {
    await this.services.verification.requestVerification(ctx);
    return result(SAY.verificationSent);
  }

  @Mutation(() => AccountEmailResult, { description: 'Confirms the address with the token of its link (once; TOKEN_INVALID, TOKEN_USED or TOKEN_EXPIRED otherwise).' })
  async verifyEmail(@Arg('input', () => LinkTokenInput) input: LinkTokenInput, @Ctx() ctx: RequestContext): Promise<AccountEmailResult> {
    const { email } = await this.services.verification.verifyEmail(ctx, input);
    return result(SAY.verified, email);
  }

  @Mutation(() => AccountEmailResult, { description: 'Applies an e-mail change with the token mailed to the new address.' })
  async confirmEmailChange(@Arg('input', () => LinkTokenInput) input: LinkTokenInput, @Ctx() ctx: RequestContext): Promise<AccountEmailResult> {
    const { email } = await this.services.emailChange.confirmEmailChange(ctx, input);
    return result(SAY.emailChanged, email);
  }

  @Mutation(() => AccountEmailResult, { description: 'Mails a reset link if an account uses the address; the answer is the same either way.' })
  async requestPasswordReset(@Arg('input', () => ForgotPasswordInput) input: ForgotPasswordInput, @Ctx() ctx: RequestContext): Promise<AccountEmailResult> {
    await this.services.passwordReset.requestReset(ctx, input);
    return result(SAY.resetRequested);
  }

  @Mutation(() => AccountEmailResult, { description: 'Sets a new password with the token of a reset link; every session of the account ends.' })
  async resetPassword(@Arg('input', () => ResetPasswordInput) input: ResetPasswordInput, @Ctx() ctx: RequestContext): Promise<AccountEmailResult> {
    await this.services.passwordReset.resetPassword(ctx, input);
    return result(SAY.passwordReset);
  }
}
