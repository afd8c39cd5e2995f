import { Field, InputType } from 'type-graphql';
import { IsOptional, IsString, Length } from 'class-validator';

/** The first code from the authenticator app, proving it holds the secret. */
export class ConfirmTotpInput {
  @IsString()
  @Length(6, 16)
  code!: string;
}

/** The login's second step: the mfaToken and one code, from the app or a recovery code. */
@InputType('MfaVerifyInput', { description: 'Finishes a login that answered mfaRequired: the mfaToken and either code or recoveryCode.' })
export class MfaVerifyInput {
  @Field({ description: 'From the login answer; lives 5 minutes, works once.' })
  @IsString()
  @Length(1, 128)
  mfaToken!: string;

  @Field({ nullable: true, description: 'The current six-digit code of the authenticator app.' })
  @IsOptional()
  @IsString()
  @Length(6, 16)
  code?: string;

  @Field({ nullable: true, description: 'One of the recovery codes shown at enrolment; each works once.' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  recoveryCode?: string;
}
