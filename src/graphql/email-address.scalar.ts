import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { checkEmail } from '../platform/validation/email/email.address';

function parse(value: unknown): string {
  if (typeof value !== 'string') throw new GraphQLError('email must be a string');
  // Trimmed as the services trim every text input before validating it.
  const checked = checkEmail(value.trim());
  if (!checked.ok) throw new GraphQLError(checked.reason);
  return value;
}

/**
 * E-mail addresses in GraphQL inputs, checked by the service's one rule (src/users/email), so GraphQL
 * refuses exactly what REST refuses, with the same message. Outputs are plain `String`: a stored
 * address that predates a stricter rule must still be served, never turn a whole list into an error.
 */
export const EmailAddressScalar = new GraphQLScalarType({
  name: 'EmailAddress',
  description: 'An e-mail address, international ones included (RFC 6531), without quoted local parts, address literals, invisible characters or mixed scripts before the @.',
  serialize: (value) => String(value),
  parseValue: parse,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('email must be a string');
    return parse(ast.value);
  },
});
