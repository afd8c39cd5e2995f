import { validate, type ValidationError as ClassValidatorError } from 'class-validator';
import { type FieldError, ValidationError } from '../errors/domain.errors';

type Constructor<T> = new () => T;

/** Keys that could reach an object's prototype; never a field of ours. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * U+0000, which PostgreSQL text cannot hold, and lone UTF-16 surrogates, which are not text at all
 * (jsonb refuses them, and some validators throw on them). Passwords are only hashed, so they may.
 */
const NOT_STORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

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
  const refused: FieldError[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (RESERVED_KEYS.has(key)) {
      refused.push({ field: key, message: `${key} is not a known field` });
      continue;
    }
    if (typeof value === 'string' && !isSecretField(key) && NOT_STORABLE.test(value)) {
      refused.push({ field: key, message: `${key} must be valid Unicode text without NUL characters` });
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
  // A refused field was left unset: that it is then "missing" is no news.
  const failures = flatten(errors).filter((failure) => !refused.some((entry) => entry.field === failure.field));
  if (failures.length > 0 || refused.length > 0) throw new ValidationError([...refused, ...failures]);
  return instance;
}
