import { IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { UserRole } from './user-role';
import { EmailAddressScalar } from '../graphql/email-address.scalar';
import '../graphql/graphql-enums';
import { EmailRules, FlagRules, NameRules, PASSWORD_MAX, PasswordRules, PhoneRules, RoleRules, UsernameRules } from './user.rules';

/** In a partial update a field may be absent, but never null unless it is nullable. */
const IfPresent = (field: string) => ValidateIf((input: object) => (input as Record<string, unknown>)[field] !== undefined);

/*
 * Input types are shared by GraphQL (as input objects) and REST (as request bodies), and validated by
 * the services with the same class-validator rules, so both doors accept exactly the same data.
 */

@InputType({ description: 'A new account. Role and status fields need an admin.' })
export class CreateUserInput {
  @Field({ description: '3-32 letters, digits, "_", "." or "-"; unique in any letter case.' })
  @UsernameRules()
  username!: string;

  @Field(() => EmailAddressScalar, { description: 'Unique among live users however it is spelt: letter case, Unicode forms and the domain in Unicode or punycode are compared folded.' })
  @EmailRules()
  email!: string;

  @Field({ description: '8-128 characters with upper- and lower-case letters, a digit and a special character.' })
  @PasswordRules()
  password!: string;

  @Field()
  @NameRules()
  firstName!: string;

  @Field()
  @NameRules()
  lastName!: string;

  @Field(() => String, { nullable: true, description: 'E.164, like +14155550123.' })
  @IsOptional()
  @PhoneRules()
  phone?: string | null;

  @Field(() => UserRole, { nullable: true, description: 'Admins only; sign-up always makes a USER.' })
  @IsOptional()
  @RoleRules()
  role?: UserRole;

  @Field({ nullable: true, description: 'Admins only.' })
  @IsOptional()
  @FlagRules()
  isActive?: boolean;

  @Field({ nullable: true, description: 'Admins only.' })
  @IsOptional()
  @FlagRules()
  emailVerified?: boolean;

  @Field({ nullable: true, description: 'Admins may pass false to send no welcome mail; sign-up always sends one (with the verification link) unless the address is verified already.' })
  @IsOptional()
  @FlagRules()
  sendEmail?: boolean;
}

/** A partial change (GraphQL updateUser, REST PATCH as a JSON merge patch): absent means unchanged. */
@InputType({ description: 'Fields to change; absent fields stay as they are, phone: null clears the phone.' })
export class UpdateUserInput {
  @Field({ nullable: true })
  @IfPresent('username')
  @UsernameRules()
  username?: string;

  @Field(() => EmailAddressScalar, { nullable: true, description: 'A new address resets emailVerified (unless an admin sets it in the same change).' })
  @IfPresent('email')
  @EmailRules()
  email?: string;

  @Field({ nullable: true })
  @IfPresent('firstName')
  @NameRules()
  firstName?: string;

  @Field({ nullable: true })
  @IfPresent('lastName')
  @NameRules()
  lastName?: string;

  @Field(() => String, { nullable: true, description: 'null clears it.' })
  @IsOptional()
  @PhoneRules()
  phone?: string | null;

  @Field(() => UserRole, { nullable: true, description: 'Admins only, and never on yourself.' })
  @IfPresent('role')
  @RoleRules()
  role?: UserRole;

  @Field({ nullable: true, description: 'Moderators and admins, never on yourself.' })
  @IfPresent('isActive')
  @FlagRules()
  isActive?: boolean;

  @Field({ nullable: true, description: 'Admins only.' })
  @IfPresent('emailVerified')
  @FlagRules()
  emailVerified?: boolean;
}

/** A full replacement of the profile (REST PUT): every profile field is required, an absent phone clears it. */
export class ReplaceUserInput {
  @UsernameRules()
  username!: string;

  @EmailRules()
  email!: string;

  @NameRules()
  firstName!: string;

  @NameRules()
  lastName!: string;

  @IsOptional()
  @PhoneRules()
  phone?: string | null;

  @IfPresent('role')
  @RoleRules()
  role?: UserRole;

  @IfPresent('isActive')
  @FlagRules()
  isActive?: boolean;

  @IfPresent('emailVerified')
  @FlagRules()
  emailVerified?: boolean;
}

@InputType({ description: 'A new password; owners also prove the current one.' })
export class ChangePasswordInput {
  @Field({ nullable: true, description: 'Required when changing your own password.' })
  @IsOptional()
  @IsString()
  @MaxLength(PASSWORD_MAX)
  currentPassword?: string;

  @Field()
  @PasswordRules()
  newPassword!: string;
}
