import { IsBoolean, IsDate, IsEnum, IsString, IsStrongPassword, Length, Matches, MaxDate, MaxLength, MinDate, ValidateBy } from 'class-validator';
import { checkEmail } from '../platform/validation/email/email.address';
import { UserRole } from './user-role';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../platform/validation/timestamps';

/**
 * Field rules from the design: one definition, used by every input that carries the field.
 * Usernames stay ASCII on purpose: no look-alike or normalisation question can arise for them
 * (their uniqueness is lower() of ASCII); e-mail addresses may be international (src/users/email).
 */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,32}$/;
export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;
export const NAME_MAX = 100;
export { EMAIL_MAX } from '../platform/validation/email/email.address';
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
const PASSWORD_MESSAGE = `password must be ${PASSWORD_MIN}-${PASSWORD_MAX} characters with an upper-case letter, a lower-case letter, a digit and a special character`;

function compose(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, property) => decorators.forEach((decorate) => decorate(target, property));
}

export const UsernameRules = () =>
  compose(IsString(), Matches(USERNAME_PATTERN, { message: 'username must be 3-32 letters, digits, "_", "." or "-"' }));
/** The service's one e-mail rule (src/platform/validation/email/email.address.ts), with its reason as the message. */
export const EmailRules = () =>
  compose(
    IsString(),
    ValidateBy({
      name: 'isAcceptableEmail',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && checkEmail(value).ok,
        defaultMessage: (args) => {
          const checked = typeof args?.value === 'string' ? checkEmail(args.value) : undefined;
          return checked && !checked.ok ? checked.reason : 'email must be a valid email address';
        },
      },
    }),
  );
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
/** A date filter: an instant the database can compare with (years 1-9999). */
const TIMESTAMP_RANGE = { message: '$property must be an instant between the years 1 and 9999' };
export const TimestampRules = () => compose(IsDate(), MinDate(EARLIEST_TIMESTAMP, TIMESTAMP_RANGE), MaxDate(LATEST_TIMESTAMP, TIMESTAMP_RANGE));
