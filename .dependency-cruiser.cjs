/**
 * The import rules of src/ (README "Architecture"), checked by tests/architecture/import-rules.test.ts.
 * Layers, bottom to top: platform/ -> context/ -> the features (users/, auth/, audit/) -> the doors
 * (http/, graphql/, and each feature's routers, resolvers, GraphQL types, inputs and presenters) ->
 * app/ (the composition root). An import may only point down, or sideways within its layer.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const FEATURES = '(users|auth|audit|mfa|account|jobs|events|webhooks)';
/** A feature's door files: they may use http/ and graphql/; the rest of the feature may not. */
const DOOR_FILE = '\\.(resolver|router|type|presenter|inputs|scalar)\\.ts$|-list\\.query\\.ts$';
const DOORS = '^src/(http|graphql|rest|resolvers|directives)/';
/** Routers and resolvers of the doors (platform/db's replica.router.ts routes reads, it is no door). */
const ENTRY = '^src/(users|auth|audit|mfa|account|jobs|events|webhooks|http|graphql)/(?:[a-z-]+/|)[a-z.-]+[.](resolver|router)[.]ts$';
const ENTRY_OR_PRESENTER = '^src/(users|auth|audit|mfa|account|jobs|events|webhooks|http|graphql)/(?:[a-z-]+/|)[a-z.-]+[.](resolver|router|presenter)[.]ts$';

/**
 * Known exceptions, each named with its reason. Adding one is a design decision: say why here.
 * - orm.config.ts reads the kinds' indexes (entities/, migrations/): the ORM must be told every entity.
 * - writer.stickiness.ts recognises writers by the audit rows of a commit; it becomes a subscriber to
 *   after-commit events with the command pipeline (issue 13, item 2), which removes this import.
 */
const PLATFORM_EXCEPTIONS = ['^src/platform/db/orm\\.config\\.ts$', '^src/platform/db/writer\\.stickiness\\.ts$'];

module.exports = {
  forbidden: [
    {
      name: 'platform-is-the-floor',
      comment: 'platform/ (config, db, redis, state stores, errors, observability) knows no feature, door or wiring.',
      severity: 'error',
      from: { path: '^src/platform/', pathNot: PLATFORM_EXCEPTIONS },
      to: { path: '^src/(users|auth|audit|mfa|account|jobs|events|webhooks|context|http|graphql|app|resolvers|services|rest|directives|entities|migrations|scripts)/|^src/main\\.ts$' },
    },
    {
      name: 'platform-exceptions-stay-narrow',
      comment: 'The named exceptions may reach the kind indexes and entities, never doors or wiring.',
      severity: 'error',
      from: { path: PLATFORM_EXCEPTIONS },
      to: { path: ['^src/(context|http|graphql|app|resolvers|services|rest|directives|scripts)/', ENTRY, '[.]service[.]ts$'] },
    },
    {
      name: 'context-below-doors',
      comment: "The request context (context/) is what services receive: it must not depend on a door or the wiring.",
      severity: 'error',
      from: { path: '^src/context/' },
      to: { path: [DOORS, '^src/(app|services|scripts)/', ENTRY_OR_PRESENTER, '[.]service[.]ts$'] },
    },
    {
      name: 'features-below-doors',
      comment: 'Services, policies, repositories, entities, caches and stores do not know how they are called: no http/, graphql/, router, resolver or presenter.',
      severity: 'error',
      from: { path: `^src/${FEATURES}/`, pathNot: DOOR_FILE },
      to: { path: [DOORS, ENTRY_OR_PRESENTER] },
    },
    {
      name: 'doors-are-leaves',
      comment: 'Routers and resolvers are read only by their kind index (rest/, resolvers/) and the composition root; shared shapes live in presenters and types.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(rest|resolvers|app)/' },
      to: { path: ENTRY },
    },
    {
      name: 'feature-backends-are-private',
      comment: "A feature's storage back-ends (memory-*/redis-* stores, caches, tiers) are used through its port; only the feature and the composition root name them.",
      severity: 'error',
      from: { path: '^src/([^/]+)/', pathNot: '^src/app/' },
      to: { path: `^src/${FEATURES}/(?:[a-z-]+/|)(memory|redis)-[a-z.-]+[.]ts$`, pathNot: '^src/$1/' },
    },
    {
      name: 'app-is-the-top',
      comment: 'app/ wires everything; only main.ts and the operator scripts start it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(app/|main\\.ts$|scripts/)' },
      to: { path: '^src/app/' },
    },
  ],
  options: {
    includeOnly: '^src/',
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a service naming a door's type still depends on that door.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
