import 'reflect-metadata';
import { GraphQLSchema } from 'graphql';
import { buildSchema, type ContainerType } from 'type-graphql';
import { applyAuthDirective, authDirectiveDefinition } from '../directives/auth.directive';
import { AuthResolver } from '../resolvers/auth.resolver';
import { UserResolver } from '../resolvers/user.resolver';

export const resolverClasses = [UserResolver, AuthResolver] as const;

/**
 * Builds the executable schema: type-graphql types and resolvers, the schema directives declared,
 * and their behaviour applied. `resolvers` supplies the instances, already wired to services.
 */
export async function buildGraphQLSchema(resolvers: ContainerType): Promise<GraphQLSchema> {
  const built = await buildSchema({
    resolvers: resolverClasses,
    container: resolvers,
    validate: false, // the services validate, the same way for GraphQL and REST
    emitSchemaFile: false,
  });
  const config = built.toConfig();
  const withDirectives = new GraphQLSchema({ ...config, directives: [...config.directives, authDirectiveDefinition] });
  return applyAuthDirective(withDirectives);
}
