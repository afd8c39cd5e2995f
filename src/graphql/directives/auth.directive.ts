import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, DirectiveLocation, GraphQLDirective, GraphQLEnumType, type GraphQLFieldConfig, type GraphQLSchema } from 'graphql';
import type { RequestContext } from '../../context/request-context';
import { UserRole } from '../../users/user-role';
import { ForbiddenError, UnauthenticatedError } from '../../platform/errors/domain.errors';
import { hasRole } from '../../users/user.policy';

const DIRECTIVE = 'auth';

/** The directive's own role type: its values are the role names as written in the SDL. */
const requiredRoleEnum = new GraphQLEnumType({
  name: 'RequiredRole',
  description: 'The least role a field of @auth requires.',
  values: Object.fromEntries(Object.values(UserRole).map((role) => [role.toUpperCase(), { value: role.toUpperCase() }])),
});

export const authDirectiveDefinition = new GraphQLDirective({
  name: DIRECTIVE,
  description: 'Requires a signed-in caller with at least this role (ADMIN > MODERATOR > USER).',
  locations: [DirectiveLocation.OBJECT, DirectiveLocation.FIELD_DEFINITION],
  args: { requires: { type: requiredRoleEnum, defaultValue: 'USER' } },
});

/**
 * Enforces @auth on every field that carries it, or whose type carries it, by wrapping the resolver.
 * Because the check sits on the field itself, it holds however deep the field is nested in a query.
 */
export function applyAuthDirective(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, _fieldName, typeName) => {
      const onField = getDirective(schema, fieldConfig, DIRECTIVE)?.[0];
      const onType = getDirective(schema, schema.getType(typeName) as never, DIRECTIVE)?.[0];
      const requirement = (onField ?? onType) as { requires: string } | undefined;
      return requirement ? guard(fieldConfig, requirement.requires.toLowerCase() as UserRole) : fieldConfig;
    },
  });
}

function guard(fieldConfig: GraphQLFieldConfig<unknown, RequestContext>, required: UserRole): GraphQLFieldConfig<unknown, RequestContext> {
  const resolve = fieldConfig.resolve ?? defaultFieldResolver;
  return {
    ...fieldConfig,
    resolve(source, args, ctx, info) {
      if (!ctx.actor) throw UnauthenticatedError.required();
      if (!hasRole(ctx.actor, required)) throw new ForbiddenError(`This needs the ${required} role.`);
      return resolve(source, args, ctx, info);
    },
  };
}
