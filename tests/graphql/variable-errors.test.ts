import { buildSchema, graphql, GraphQLError, type GraphQLScalarType } from 'graphql';
import { EmailAddressResolver, UUIDResolver } from 'graphql-scalars';
import { variableFieldError } from '../../src/graphql/variable-errors';

const schema = buildSchema(`
  scalar EmailAddress
  scalar UUID
  input Address { zip: String! }
  input UserInput { email: EmailAddress!, age: Int, friends: [UUID!], address: Address }
  type Query { check(input: UserInput!, id: UUID!): Int }
`);
for (const [name, resolver] of [['EmailAddress', EmailAddressResolver], ['UUID', UUIDResolver]] as const) {
  Object.assign(schema.getType(name) as GraphQLScalarType, { parseValue: resolver.parseValue, parseLiteral: resolver.parseLiteral });
}

const QUERY = 'query($input: UserInput!, $id: UUID!) { check(input: $input, id: $id) }';
const ID = '7f8c1c7e-3a5e-4f7e-9a43-2d2a1f0e8b11';

async function fieldErrors(variableValues: Record<string, unknown>) {
  const { errors } = await graphql({ schema, source: QUERY, variableValues });
  return (errors ?? []).map(variableFieldError);
}

describe('variableFieldError: the field a refused GraphQL variable is about', () => {
  it('names an input field a scalar refused, with the scalar reason', async () => {
    expect(await fieldErrors({ input: { email: 'not-an-email' }, id: ID })).toEqual([
      { field: 'email', message: 'Value is not a valid email address: not-an-email' },
    ]);
  });

  it('names a top-level variable by its own name', async () => {
    expect(await fieldErrors({ input: { email: 'a@example.com' }, id: 'not-a-uuid' })).toEqual([{ field: 'id', message: 'Value is not a valid UUID: not-a-uuid' }]);
  });

  it('names every refused field, one error each, list items by index and nested fields by path', async () => {
    const errors = await fieldErrors({ input: { email: 'x', age: 'old', friends: [ID, 'nope'], address: {} }, id: ID });
    expect(errors.map((error) => error?.field)).toEqual(['email', 'age', 'friends[1]', 'address.zip']);
  });

  it('names a required field that is missing and a field the type does not have', async () => {
    expect(await fieldErrors({ input: { age: 3 }, id: ID })).toEqual([{ field: 'email', message: 'Field "email" of required type "EmailAddress!" was not provided.' }]);
    expect((await fieldErrors({ input: { email: 'a@example.com', role: 'ADMIN' }, id: ID }))[0]?.field).toBe('role');
  });

  it('names nothing for errors that are not about a variable', () => {
    expect(variableFieldError(new GraphQLError('Value is not a valid UUID: x'))).toBeUndefined();
    expect(variableFieldError(new Error('Variable "$id" got invalid value "x"; nope'))).toBeUndefined();
    expect(variableFieldError(new GraphQLError('Variable "$id" got invalid value without a reason'))).toBeUndefined();
  });
});
