import { getNamedType, isNonNullType, type GraphQLObjectType } from 'graphql';
import { buildGraphQLSchema } from '../../src/graphql/schema';
import { PUBLIC_USER_FIELD_NAMES, USER_VIEW_FIELDS, type UserViewFieldKind } from '../../src/users/user-view';

/** The GraphQL type each kind of field should have, written out here rather than taken from the code under test. */
const EXPECTED_TYPE: Record<UserViewFieldKind, string> = {
  uuid: 'UUID',
  text: 'String',
  role: 'Role',
  boolean: 'Boolean',
  integer: 'Int',
  timestamp: 'DateTime',
};

/** Fields of User that are not the read model's: relations resolved on demand. */
const RELATIONS = ['sessions', 'mfa', 'auditLogs'];

describe('the GraphQL User type against the read model', () => {
  let fields: ReturnType<GraphQLObjectType['getFields']>;

  beforeAll(async () => {
    // No resolver runs: only the schema is built.
    const schema = await buildGraphQLSchema({ get: () => ({}) });
    fields = (schema.getType('User') as GraphQLObjectType).getFields();
  });

  it('has the read model\'s public fields, in its order, then the relations', () => {
    expect(Object.keys(fields)).toEqual([...PUBLIC_USER_FIELD_NAMES, ...RELATIONS]);
    expect(fields).not.toHaveProperty('securityStamp');
  });

  it('gives each field the type, nullability and description the read model declares', () => {
    for (const name of PUBLIC_USER_FIELD_NAMES) {
      const field = USER_VIEW_FIELDS[name];
      const actual = fields[name];
      expect({ name, type: getNamedType(actual.type).name, nullable: !isNonNullType(actual.type), description: actual.description }).toEqual({
        name,
        type: EXPECTED_TYPE[field.kind],
        nullable: field.nullable,
        description: field.description,
      });
    }
  });

  it('keeps sessions behind @auth(requires: USER)', () => {
    expect(fields.sessions.astNode?.directives?.map((directive) => directive.name.value)).toEqual(['auth']);
  });
});
