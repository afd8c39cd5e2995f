import { validate, type ValidationError as ClassValidatorError } from 'class-validator';
import { type FieldError, ValidationError } from '../errors/domain.errors';

type Constructor<T> = new () => T;

/** Keys that could reach an object's prototype; never a field of ours. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Passwords are compared byte for byte, so they are the one kind of string never trimmed. */
const isSecretField = (field: string) => /password/i.test(field);

function flatten(errors: ClassValidatorError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({
      field,
      message: constraint === 'whitelistValidation' ? `${field} is not a known field` : message,
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * Turns untrusted data (a JSON body, GraphQL arguments) into a validated instance of `type`.
 * Unknown fields are rejected rather than dropped, every failing field is reported at once, and
 * the offending values are never echoed back (they may be passwords).
 */
export async function validateInput<T extends object>(type: Constructor<T>, raw: unknown, field = 'body'): Promise<T> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ValidationError([{ field, message: `${field} must be a JSON object` }]);
  }
  const instance = new type();
  const reserved: FieldError[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (RESERVED_KEYS.has(key)) {
      reserved.push({ field: key, message: `${key} is not a known field` });
      continue;
    }
    // defineProperty, not assignment: a "__proto__" key stays a plain (and rejected) field.
    Object.defineProperty(instance, key, {
      value: typeof value === 'string' && !isSecretField(key) ? value.trim() : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  const errors = await validate(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0 || reserved.length > 0) throw new ValidationError([...reserved, ...flatten(errors)]);
  return instance;
}
