/** The index of GraphQL schema directives; they live in graphql/directives/. */
export { applyAuthDirective, authDirectiveDefinition } from '../graphql/directives/auth.directive';
export { createRateLimitDirective } from '../graphql/directives/rate-limit.directive';
export { applyOperationDirectives } from '../graphql/directives/operation.directives';
