import type { ApolloServerPlugin } from '@apollo/server';
import { type DocumentNode, type FragmentDefinitionNode, GraphQLError, Kind, type GraphQLSchema, type SelectionSetNode, type ValueNode, visit } from 'graphql';
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

/** Collects the variables a value refers to, however deeply nested in lists and objects. */
function variablesIn(value: ValueNode, into: Set<string>): void {
  if (value.kind === Kind.VARIABLE) into.add(value.name.value);
  else if (value.kind === Kind.LIST) value.values.forEach((item) => variablesIn(item, into));
  else if (value.kind === Kind.OBJECT) value.fields.forEach((field) => variablesIn(field.value, into));
}

/**
 * The variables that can change an operation's cost under the estimators above: those given to a
 * `first` argument, and the conditions of @include/@skip (the complexity walk honours them). An id
 * or an input object never changes the cost, so two requests differing only there cost the same.
 */
export function costVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Field(field) {
      for (const argument of field.arguments ?? []) if (argument.name.value === 'first') variablesIn(argument.value, names);
    },
    Directive(directive) {
      if (directive.name.value !== 'include' && directive.name.value !== 'skip') return;
      for (const argument of directive.arguments ?? []) variablesIn(argument.value, names);
    },
  });
  return [...names].sort();
}

interface Measured {
  depth: number;
  aliases: number;
  cost: number;
}

/** Costs of a document per operation and cost-relevant variables; few of either per document. */
const MAX_ENTRIES_PER_DOCUMENT = 64;

/**
 * Measures each (document, operation, cost-relevant variables) once. Apollo hands every request
 * with the same query text the same parsed DocumentNode from its document cache, so for the
 * everyday operations a client repeats, the limits cost a map lookup instead of two walks of the
 * document (about 7% of a small query's CPU). The WeakMap lets a document's entries go when
 * Apollo's cache drops the document.
 */
class MeasurementCache {
  private readonly byDocument = new WeakMap<DocumentNode, { variables: string[]; entries: Map<string, Measured> }>();

  key(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown>): { entries: Map<string, Measured>; key: string } {
    let forDocument = this.byDocument.get(document);
    if (!forDocument) {
      forDocument = { variables: costVariables(document), entries: new Map() };
      this.byDocument.set(document, forDocument);
    }
    const key = JSON.stringify([operationName ?? null, ...forDocument.variables.map((name) => variables[name] ?? null)]);
    return { entries: forDocument.entries, key };
  }

  remember(entries: Map<string, Measured>, key: string, measured: Measured): void {
    if (entries.size < MAX_ENTRIES_PER_DOCUMENT) entries.set(key, measured);
  }
}

/**
 * Refuses an operation that is too deep, uses too many aliases, or would cost too much, after it
 * was parsed and validated and before any resolver runs.
 */
export function queryLimitsPlugin(schema: () => GraphQLSchema, limits: QueryLimits): ApolloServerPlugin {
  const cache = new MeasurementCache();
  const check = ({ depth, aliases, cost }: Measured) => {
    if (depth > limits.maxDepth) throw limitError('depth', `The query is ${depth} levels deep; the limit is ${limits.maxDepth}.`, limits.maxDepth);
    if (aliases > limits.maxAliases) throw limitError('aliases', `The query uses ${aliases} aliases; the limit is ${limits.maxAliases}.`, limits.maxAliases);
    if (cost > limits.maxComplexity) throw limitError('complexity', `The query costs ${cost}; the limit is ${limits.maxComplexity}.`, limits.maxComplexity);
  };
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, operationName }) {
          const variables = request.variables ?? {};
          const { entries, key } = cache.key(document, operationName, variables);
          const known = entries.get(key);
          if (known) return check(known);
          const { depth, aliases } = measure(document, operationName);
          // Depth and aliases first: they are cheap, and they bound the cost walk below.
          check({ depth, aliases, cost: 0 });
          let cost: number;
          try {
            cost = getComplexity({
              schema: schema(),
              query: document,
              operationName: operationName ?? undefined,
              variables,
              estimators: [listAwareEstimator, simpleEstimator({ defaultComplexity: 1 })],
            });
          } catch (error) {
            // Variables that do not coerce (a malformed UUID) stop execution before any resolver runs,
            // and execution reports them as BAD_USER_INPUT; thrown from here they would be a 500.
            // Not remembered: the key leaves such variables out, and a later request may coerce.
            if (error instanceof GraphQLError) return;
            throw error;
          }
          const measured = { depth, aliases, cost };
          cache.remember(entries, key, measured);
          check(measured);
        },
      };
    },
  };
}
