import { UUIDResolver } from 'graphql-scalars';
import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../context/request-context';
import { ChangePasswordInput } from '../users/user.inputs';
import type { Session } from './sessions/session.entity';
import { type AuthService, isMfaRequired, type TokenPair } from './auth.service';
import { MfaRequiredError } from './second-factor.port';
import type { PasswordService } from './passwords/password.service';
import type { SessionService } from './sessions/session.service';
import { AuthPayloadType } from './auth-payload.type';
import { SessionType } from './sessions/session.type';

@Resolver()
export class AuthResolver {
  constructor(
    private readonly auth: AuthService,
    private readonly sessionService: SessionService,
    private readonly passwords: PasswordService,
  ) {}

  @Mutation(() => AuthPayloadType, { description: 'Username or email, in any letter case. With MFA on: the error MFA_REQUIRED with the challenge (signIn answers it as a union member).' })
  async login(@Arg('username') username: string, @Arg('password') password: string, @Ctx() ctx: RequestContext): Promise<TokenPair> {
    const result = await this.auth.login(ctx, { username, password });
    if (isMfaRequired(result)) throw new MfaRequiredError(result);
    return result;
  }

  @Mutation(() => AuthPayloadType, { description: 'Trades a refresh token for a new pair; the old one stops working.' })
  refreshToken(@Arg('refreshToken') refreshToken: string, @Ctx() ctx: RequestContext): Promise<TokenPair> {
    return this.auth.refresh(ctx, { refreshToken });
  }

  @Mutation(() => Boolean, { description: 'Ends the current session.' })
  async logout(@Ctx() ctx: RequestContext): Promise<boolean> {
    await this.auth.logout(ctx);
    return true;
  }

  @Mutation(() => Int, { description: 'Ends every session of the caller; returns how many.' })
  logoutAll(@Ctx() ctx: RequestContext): Promise<number> {
    return this.auth.logoutAll(ctx);
  }

  @Mutation(() => Boolean, { description: 'Ends the user’s other sessions.' })
  async changePassword(
    @Arg('userId', () => UUIDResolver) userId: string,
    @Arg('input', () => ChangePasswordInput) input: ChangePasswordInput,
    @Ctx() ctx: RequestContext,
  ): Promise<boolean> {
    await this.passwords.changePassword(ctx, userId, input);
    return true;
  }

  @Query(() => [SessionType], { description: 'Live sessions of a user: the user themselves or an admin.' })
  sessions(@Arg('userId', () => UUIDResolver) userId: string, @Ctx() ctx: RequestContext): Promise<Session[]> {
    return this.sessionService.listSessions(ctx, userId);
  }

  @Mutation(() => Boolean, { description: 'Ends one session: your own, or any as an admin.' })
  async revokeSession(@Arg('id', () => UUIDResolver) id: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    await this.sessionService.revokeSession(ctx, id);
    return true;
  }
}
