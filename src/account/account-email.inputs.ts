import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { PasswordRules } from '../users/user.rules';

/** Longer than any token we issue (43 characters), short enough to refuse junk early. */
const TOKEN_MAX = 128;

@InputType({ description: 'The token from a link mailed by the API.' })
export class LinkTokenInput {
  @Field({ description: 'The `token` parameter of the link.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(TOKEN_MAX)
  token!: string;
}

@InputType({ description: 'Whose password to reset: the address of the account.' })
export class ForgotPasswordInput {
  // No address rule here: an address that could never be an account's is answered like any unknown one.
  @Field({ description: 'The address of the account.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(320)
  email!: string;
}

@InputType({ description: 'The reset link\'s token and the new password.' })
export class ResetPasswordInput {
  @Field({ description: 'The `token` parameter of the reset link.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(TOKEN_MAX)
  token!: string;

  @Field({ description: 'The same rules as any password.' })
  @PasswordRules()
  newPassword!: string;
}
