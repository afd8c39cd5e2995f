import type { ApolloServerPlugin } from '@apollo/server';
import { type DocumentNode, type FragmentDefinitionNode, GraphQLError, Kind, type GraphQLSchema, type SelectionSetNode } from 'graphql';
import { type ComplexityEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxComplexity: number;
}

function limitError(limit: string, message: string, max: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', limit, max, http: { status: 400 } } });
}

/** Depth and alias count of an operation, following fragment spreads (each fragment once per path). */
export function measure(document: DocumentNode, operationName?: string | null): { depth: number; aliases: number } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  let aliases = 0;
  const walk = (selectionSet: SelectionSetNode, depth: number, seen: Set<string>): number => {
    let deepest = depth;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.alias) aliases += 1;
        if (selection.selectionSet) deepest = Math.max(deepest, walk(selection.selectionSet, depth + 1, seen));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        deepest = Math.max(deepest, walk(selection.selectionSet, depth, seen));
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment && !seen.has(fragment.name.value)) {
          deepest = Math.max(deepest, walk(fragment.selectionSet, depth, new Set([...seen, fragment.name.value])));
        }
      }
    }
    return deepest;
  };
  let depth = 0;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION && (!operationName || definition.name?.value === operationName)) {
      depth = Math.max(depth, walk(definition.selectionSet, 1, new Set()));
    }
  }
  return { depth, aliases };
}

/** Items assumed for a nested list that takes no `first`, like User.sessions. */
const ASSUMED_LIST_SIZE = 10;

/**
 * A paginated field costs its children once per requested item (`first`); a connection's edges are
 * already counted that way; any other list is assumed to hold a handful of items.
 */
const listAwareEstimator: ComplexityEstimator = ({ args, childComplexity, type, field }) => {
  if (typeof args.first === 'number') return 1 + childComplexity * args.first;
  const isList = String(field.type).startsWith('[');
  if (!isList || String(type).endsWith('Connection')) return undefined;
  return 1 + childComplexity * ASSUMED_LIST_SIZE;
};

/**
 * Refuses an operation that is too deep, uses too many aliases, or would cost too much, after it
 * was parsed and validated and before any resolver runs.
 */
export function queryLimitsPlugin(schema: () => GraphQLSchema, limits: QueryLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, operationName }) {
          const { depth, aliases } = measure(document, operationName);
          if (depth > limits.maxDepth) throw limitError('depth', `The query is ${depth} levels deep; the limit is ${limits.maxDepth}.`, limits.maxDepth);
          if (aliases > limits.maxAliases) throw limitError('aliases', `The query uses ${aliases} aliases; the limit is ${limits.maxAliases}.`, limits.maxAliases);
          let cost: number;
          try {
            cost = getComplexity({
              schema: schema(),
              query: document,
              operationName: operationName ?? undefined,
              variables: request.variables ?? {},
              estimators: [listAwareEstimator, simpleEstimator({ defaultComplexity: 1 })],
            });
          } catch (error) {
            // Variables that do not coerce (a malformed UUID) stop execution before any resolver runs,
            // and execution reports them as BAD_USER_INPUT; thrown from here they would be a 500.
            if (error instanceof GraphQLError) return;
            throw error;
          }
          if (cost > limits.maxComplexity) throw limitError('complexity', `The query costs ${cost}; the limit is ${limits.maxComplexity}.`, limits.maxComplexity);
        },
      };
    },
  };
}
