import { buildOpenApiDocument } from '../../src/http/openapi.document';
import { UserRole } from '../../src/users/user-role';
import { PUBLIC_USER_FIELD_NAMES, USER_VIEW_FIELDS, type UserViewFieldKind } from '../../src/users/user-view';
import { userOpenApiSchema } from '../../src/users/user-view.openapi';
import { PUBLIC_USER_FIELDS } from '../support/problem';

/** What a presented value of each kind looks like in JSON (the presenter sends timestamps as ISO strings). */
const EXPECTED: Record<UserViewFieldKind, { type: string; format?: string }> = {
  uuid: { type: 'string', format: 'uuid' },
  text: { type: 'string' },
  role: { type: 'string' },
  boolean: { type: 'boolean' },
  integer: { type: 'integer' },
  timestamp: { type: 'string', format: 'date-time' },
};

describe('the OpenAPI schema of a User', () => {
  const schema = (buildOpenApiDocument() as any).components.schemas.User;

  it('is the one derived from the read model', () => {
    expect(schema).toEqual(userOpenApiSchema());
  });

  it('requires every public field, and describes no other (never the security stamp)', () => {
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(PUBLIC_USER_FIELD_NAMES);
    expect(Object.keys(schema.properties)).toEqual(PUBLIC_USER_FIELD_NAMES);
    expect([...schema.required].sort()).toEqual(PUBLIC_USER_FIELDS);
    expect(schema.properties).not.toHaveProperty('securityStamp');
  });

  it('gives each field the JSON type of its kind, with null allowed exactly where the read model allows it', () => {
    for (const name of PUBLIC_USER_FIELD_NAMES) {
      const field = USER_VIEW_FIELDS[name];
      const { type, format } = EXPECTED[field.kind];
      expect({ name, type: schema.properties[name].type, format: schema.properties[name].format }).toEqual({ name, type: field.nullable ? [type, 'null'] : type, format });
    }
    expect(PUBLIC_USER_FIELD_NAMES.filter((name) => Array.isArray(schema.properties[name].type))).toEqual(['phone', 'pendingEmail', 'lastLoginAt']);
  });

  it('lists the roles as REST spells them', () => {
    expect(schema.properties.role.enum).toEqual(Object.values(UserRole));
    expect(schema.properties.role.enum).toEqual(['admin', 'moderator', 'user']);
  });

  it('carries REST\'s own descriptions, and none where REST documents nothing', () => {
    const described = PUBLIC_USER_FIELD_NAMES.filter((name) => schema.properties[name].description !== undefined);
    expect(described).toEqual(['email', 'version']);
    expect(schema.properties.version.description).toBe(USER_VIEW_FIELDS.version.restDescription);
    expect(schema.properties.email.description).toBe(USER_VIEW_FIELDS.email.restDescription);
  });
});
