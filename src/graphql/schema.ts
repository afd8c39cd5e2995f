import 'reflect-metadata';
import { GraphQLSchema } from 'graphql';
import { buildSchema, type ContainerType } from 'type-graphql';
import { applyAuthDirective, applyOperationDirectives, authDirectiveDefinition, createRateLimitDirective } from '../directives';
import type { RateLimitService } from '../platform/rate-limit/rate-limit.service';
import { resolverClasses } from '../resolvers';

export { resolverClasses };

/**
 * Builds the executable schema: type-graphql types and resolvers, the schema directives declared,
 * each root field's @auth and @rateLimit taken from the operation table, and their behaviour applied. `resolvers` supplies the instances, already wired to services.
 */
export async function buildGraphQLSchema(resolvers: ContainerType, rateLimits: RateLimitService | null = null): Promise<GraphQLSchema> {
  const built = await buildSchema({
    resolvers: resolverClasses,
    container: resolvers,
    validate: false, // the services validate, the same way for GraphQL and REST
    emitSchemaFile: false,
  });
  const rateLimit = createRateLimitDirective(rateLimits);
  const config = built.toConfig();
  const withDirectives = new GraphQLSchema({
    ...config,
    types: [...config.types, rateLimit.bucketType],
    directives: [...config.directives, authDirectiveDefinition, rateLimit.directive],
  });
  // Authentication is checked before the rate limit, so anonymous probing cannot drain a user's bucket.
  return applyAuthDirective(rateLimit.transformer(applyOperationDirectives(withDirectives, rateLimit.limits)));
}
