import { printSchemaWithDirectives } from '@graphql-tools/utils';
import type { ContainerType } from 'type-graphql';
import { buildGraphQLSchema } from './schema';

/** Printing needs the types only; resolvers are never called, so no instances are handed out. */
const noResolvers: ContainerType = {
  get: () => {
    throw new Error('Resolvers are not available while printing the schema.');
  },
};

/** The SDL committed as schema.graphql, with @auth and @rateLimit visible. */
export async function printGraphQLSchema(): Promise<string> {
  return `${printSchemaWithDirectives(await buildGraphQLSchema(noResolvers))}\n`;
}
