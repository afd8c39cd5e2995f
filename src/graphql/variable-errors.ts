import { GraphQLError } from 'graphql';
import type { FieldError } from '../platform/errors/domain.errors';

const VARIABLE_ERROR_PREFIX = /^Variable "\$(\w+)" got invalid value /;
const FIELD_NAMED = /^Field "(\w+)" /;
const PATH_AT_END = / at "([^"]+)"$/;

/**
 * The field a GraphQL variable-coercion error is about, in the shape REST's validation errors use:
 * `{ field: 'email', message }` for `$input.email`, `{ field: 'id', ... }` for `$id`.
 *
 * graphql-js reports a scalar that refuses a variable (EmailAddress, UUID...) before any resolver
 * runs, as `Variable "$input" got invalid value "x" at "input.email"; <the scalar's reason>`, or
 * `Variable "$input" got invalid value {...}; Field "email" of required type ... was not provided.`.
 * That message format is graphql-js's own; when it does not match, there is no field to name.
 */
export function variableFieldError(error: unknown): FieldError | undefined {
  if (!(error instanceof GraphQLError)) return undefined;
  const variable = VARIABLE_ERROR_PREFIX.exec(error.message)?.[1];
  if (!variable) return undefined;
  const reason = error.originalError?.message;
  // With the scalar's own error the reason is known exactly; otherwise it is graphql-js's last clause.
  const cut = reason && error.message.endsWith(`; ${reason}`) ? error.message.length - reason.length - 2 : error.message.lastIndexOf('; ');
  if (cut < 0) return undefined;
  const head = error.message.slice(0, cut);
  const message = error.message.slice(cut + 2);
  const segments = (PATH_AT_END.exec(head)?.[1] ?? variable).split('.');
  // Input objects are named by their fields, as in REST bodies: "input.email" is "email".
  if (segments.length > 1 && segments[0] === variable) segments.shift();
  const missingOrUnknown = FIELD_NAMED.exec(message)?.[1];
  if (missingOrUnknown) segments.push(missingOrUnknown);
  if (segments.length > 1 && segments[0] === variable) segments.shift();
  return { field: segments.join('.'), message };
}
