import { UserRole } from './user-role';
import { PUBLIC_USER_FIELD_NAMES, USER_VIEW_FIELDS, type UserViewFieldKind } from './user-view';

type Json = Record<string, unknown>;

/** The JSON schema of each kind of read model field, as the presenter renders it (timestamps as ISO strings). */
const SCHEMA_OF_KIND: Record<UserViewFieldKind, { type: string; format?: string; enum?: string[] }> = {
  uuid: { type: 'string', format: 'uuid' },
  text: { type: 'string' },
  role: { type: 'string', enum: Object.values(UserRole) },
  boolean: { type: 'boolean' },
  integer: { type: 'integer' },
  timestamp: { type: 'string', format: 'date-time' },
};

/** The OpenAPI schema of a User: the read model's public fields (src/users/user-view.ts), all of them always present. */
export function userOpenApiSchema(): Json {
  const properties: Record<string, Json> = {};
  for (const name of PUBLIC_USER_FIELD_NAMES) {
    const field = USER_VIEW_FIELDS[name];
    const { type, ...rest } = SCHEMA_OF_KIND[field.kind];
    properties[name] = {
      type: field.nullable ? [type, 'null'] : type,
      ...rest,
      ...('restDescription' in field ? { description: field.restDescription } : {}),
    };
  }
  return { type: 'object', required: [...PUBLIC_USER_FIELD_NAMES], properties };
}
