import { IsBoolean, IsEmail, IsEnum, IsString, IsStrongPassword, Length, Matches, MaxLength } from 'class-validator';
import { UserRole } from '../entities/user-role';

/** Field rules from the design: one definition, used by every input that carries the field. */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,32}$/;
export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;
export const NAME_MAX = 100;
export const EMAIL_MAX = 254;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
const PASSWORD_MESSAGE = `password must be ${PASSWORD_MIN}-${PASSWORD_MAX} characters with an upper-case letter, a lower-case letter, a digit and a special character`;

function compose(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, property) => decorators.forEach((decorate) => decorate(target, property));
}

export const UsernameRules = () =>
  compose(IsString(), Matches(USERNAME_PATTERN, { message: 'username must be 3-32 letters, digits, "_", "." or "-"' }));
export const EmailRules = () =>
  compose(IsString(), IsEmail({}, { message: 'email must be a valid email address' }), MaxLength(EMAIL_MAX));
export const NameRules = () => compose(IsString(), Length(1, NAME_MAX));
export const PhoneRules = () =>
  compose(IsString(), Matches(E164_PATTERN, { message: 'phone must be in E.164 format, like +14155550123' }));
export const PasswordRules = () =>
  compose(
    IsString(),
    MaxLength(PASSWORD_MAX, { message: PASSWORD_MESSAGE }),
    IsStrongPassword({ minLength: PASSWORD_MIN, minLowercase: 1, minUppercase: 1, minNumbers: 1, minSymbols: 1 }, { message: PASSWORD_MESSAGE }),
  );
export const RoleRules = () => IsEnum(UserRole, { message: 'role must be one of admin, moderator, user' });
export const FlagRules = () => IsBoolean();
