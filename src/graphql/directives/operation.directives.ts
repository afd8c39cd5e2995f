import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import { assertEnrolledFor, gatedRateCategoryOf, operationOfField, operations } from '../../context/operation.table';
import type { RequestContext } from '../../context/request-context';
import { type RateLimits, ruleFor } from '../../platform/rate-limit/rate-limit.policy';

/**
 * Puts on every root field the @auth and @rateLimit its operation has in the operation table
 * (src/context/operation.table.ts), as directive extensions: @auth and graphql-rate-limit-directive read
 * them like directives written in the SDL, and schema.graphql prints them. A root field the table
 * does not know stops the schema from being built, so no operation goes out without a bucket.
 */
export function applyOperationDirectives(schema: GraphQLSchema, limits: RateLimits): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.ROOT_FIELD]: (fieldConfig, fieldName, typeName) => {
      const name = operationOfField(typeName, fieldName);
      if (!name) throw new Error(`${typeName}.${fieldName} is missing from the operation table (src/context/operation.table.ts).`);
      const { requires } = operations[name];
      const category = gatedRateCategoryOf(name);
      const { limit, windowSeconds } = ruleFor(category, requires !== 'anyone', limits);
      const existing = (fieldConfig.extensions?.directives ?? {}) as Record<string, unknown>;
      const directives = {
        ...existing,
        ...(requires === 'anyone' ? {} : { auth: [{ requires: requires.toUpperCase() }] }),
        rateLimit: [{ bucket: category.toUpperCase(), limit, duration: windowSeconds }],
      };
      const resolve = fieldConfig.resolve ?? defaultFieldResolver;
      return {
        ...fieldConfig,
        extensions: { ...fieldConfig.extensions, directives },
        // MFA_REQUIRED_ROLES: the same rule as the REST route guard's, on every root field.
        resolve: (source, args, ctx: RequestContext, info) => {
          assertEnrolledFor(name, ctx.actor);
          return resolve(source, args, ctx, info);
        },
      };
    },
  });
}
