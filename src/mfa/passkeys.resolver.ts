import { GraphQLJSONObject, UUIDResolver } from 'graphql-scalars';
import { AuthPayloadType } from '../auth/auth-payload.type';
import type { TokenPair } from '../auth/auth.service';
import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../context/request-context';
import type { PasskeyAccountService } from './passkeys/passkey-account.service';
import type { PasskeyView } from './passkeys/passkey.service';
import { PasskeyType } from './passkey.type';

/**
 * Passkeys through GraphQL, as through REST /v1/auth/passkeys: the ceremonies are two mutations each
 * (options for the browser, then the authenticator's answer as PublicKeyCredential.toJSON()).
 */
@Resolver()
export class PasskeyResolver {
  constructor(private readonly accounts: PasskeyAccountService) {}

  @Query(() => [PasskeyType], { description: 'The passkeys of the signed-in user.' })
  passkeys(@Ctx() ctx: RequestContext): Promise<PasskeyView[]> {
    return this.accounts.list(ctx);
  }

  @Mutation(() => PasskeyType, { description: 'Renames a passkey of the signed-in user.' })
  renamePasskey(@Arg('id', () => UUIDResolver) id: string, @Arg('name') name: string, @Ctx() ctx: RequestContext): Promise<PasskeyView> {
    return this.accounts.rename(ctx, id, { name });
  }

  @Mutation(() => GraphQLJSONObject, { description: 'Options for navigator.credentials.create: a resident, user-verified passkey of the signed-in user; answer with registerPasskey.' })
  passkeyRegistrationOptions(@Ctx() ctx: RequestContext): Promise<object> {
    return this.accounts.registrationOptions(ctx);
  }

  @Mutation(() => PasskeyType, { description: "Registers the browser's answer to passkeyRegistrationOptions as a passkey of the signed-in user." })
  registerPasskey(
    @Arg('response', () => GraphQLJSONObject, { description: 'PublicKeyCredential.toJSON()' }) response: Record<string, unknown>,
    @Arg('name', () => String, { nullable: true, description: 'At most 64 characters.' }) name: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<PasskeyView> {
    return this.accounts.register(ctx, { response, ...(name === null ? {} : { name }) });
  }

  @Mutation(() => GraphQLJSONObject, { description: 'Options for navigator.credentials.get: any discoverable passkey of this site, no username asked; answer with signInWithPasskey.' })
  passkeyLoginOptions(@Ctx() ctx: RequestContext): Promise<object> {
    return this.accounts.loginOptions(ctx);
  }

  @Mutation(() => AuthPayloadType, { description: 'Signs in with a passkey alone (user verification required): the token pair, amr hwk.' })
  signInWithPasskey(@Arg('response', () => GraphQLJSONObject, { description: 'PublicKeyCredential.toJSON()' }) response: Record<string, unknown>, @Ctx() ctx: RequestContext): Promise<TokenPair> {
    return this.accounts.login(ctx, { response });
  }

  @Mutation(() => Boolean, { description: 'Deletes a passkey of the signed-in user; it can no longer sign in.' })
  async deletePasskey(@Arg('id', () => UUIDResolver) id: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    await this.accounts.remove(ctx, id);
    return true;
  }
}
