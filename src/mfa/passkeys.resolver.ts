import { UUIDResolver } from 'graphql-scalars';
import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../context/request-context';
import type { PasskeyAccountService } from './passkeys/passkey-account.service';
import type { PasskeyView } from './passkeys/passkey.service';
import { PasskeyType } from './passkey.type';

/**
 * Managing passkeys through GraphQL. Registering one and signing in with one are browser ceremonies
 * (options, then the authenticator's answer) and go through REST /v1/auth/passkeys.
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

  @Mutation(() => Boolean, { description: 'Deletes a passkey of the signed-in user; it can no longer sign in.' })
  async deletePasskey(@Arg('id', () => UUIDResolver) id: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    await this.accounts.remove(ctx, id);
    return true;
  }
}
