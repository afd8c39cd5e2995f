import { Field, InputType } from 'type-graphql';
import { IsObject, IsOptional, IsString, Length } from 'class-validator';
import { GraphQLJSONObject } from 'graphql-scalars';

/** The first code from the authenticator app, proving it holds the secret. */
export class ConfirmTotpInput {
  @IsString()
  @Length(6, 16)
  code!: string;
}

/** The login's second step: the mfaToken and one code, from the app or a recovery code. */
@InputType('MfaVerifyInput', { description: 'Finishes a login that answered mfaRequired: the mfaToken and one of code, recoveryCode or webauthn.' })
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

  @Field(() => GraphQLJSONObject, { nullable: true, description: "A passkey's answer (PublicKeyCredential.toJSON()) to the options of passkeyMfaOptions / POST /v1/auth/mfa/webauthn/options." })
  @IsOptional()
  @IsObject()
  webauthn?: Record<string, unknown>;
}

/** Asks for the options of a passkey assertion as the login's second step. */
@InputType('MfaTokenInput', { description: 'The mfaToken of a login that answered mfaRequired.' })
export class MfaTokenInput {
  @Field({ description: 'From the login answer.' })
  @IsString()
  @Length(1, 128)
  mfaToken!: string;
}
