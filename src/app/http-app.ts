import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { MikroORM } from '@mikro-orm/postgresql';
import cors from 'cors';
import express, { type Express, type Router } from 'express';
import type { Config } from '../platform/config/config';
import type { RequestContext } from '../context/request-context';
import { createFormatError, graphqlRequestScope, tokenRefusal } from '../graphql/format-error';
import type { TokenRefusal } from '../auth/tokens/token.refusal';
import { observabilityPlugin } from '../graphql/observability.plugin';
import { queryLimitsPlugin } from '../graphql/query-limits.plugin';
import { buildGraphQLSchema } from '../graphql/schema';
import type { Metrics } from '../platform/observability/metrics';
import { securityHeaders } from '../http/security-headers';
import type { Logger } from '../platform/observability/logger';
import { notFoundHandler, problemMiddleware } from '../http/problem.middleware';
import { requestContext, requestIdAndLogging } from '../http/request-context.middleware';
import { accountEmailRouter, accountPagesRouter, auditLogsRouter, deadLettersRouter, devMailRouter, authRouter, docsRouter, graphiqlRouter, healthRouter, indexRouter, metricsRouter, mfaRouter, passkeysRouter, passwordResetRouter, userMfaRouter, usersRouter, webhooksRouter } from '../rest';
import { assertRoutesHaveOperations, canonicalRouter, type RouteGuard, routeGuard, routesOf, unmatchedGuard } from '../http/route.guard';
import { resolverContainer, type Services } from './container';
import type { ReadinessCheck } from '../platform/readiness';

export interface AppDependencies {
  config: Config;
  metrics: Metrics;
  orm: MikroORM;
  services: Services;
  readiness: ReadinessCheck;
  logger: Logger;
}

export interface BuiltApp {
  app: Express;
  apollo: ApolloServer<RequestContext>;
  /** Every mounted REST route, for checking the OpenAPI document against. */
  restRoutes: { method: string; path: string }[];
}

/** The routers of /v1 by prefix; building them calls no service, so the operation table's test mounts them too. */
export function restRoutersOf(services: Services, guard: RouteGuard): Record<string, Router> {
  return {
    '/users': usersRouter({ users: services.users, sessions: services.sessions, passwords: services.passwords, auditQueries: services.auditQueries }, guard),
    '/audit-logs': auditLogsRouter(services.auditQueries, guard),
    '/auth': authRouter(services.auth, guard),
    '/auth/mfa': mfaRouter({ mfaAccounts: services.mfaAccounts, mfaLogins: services.mfaLogins }, guard),
    // Its one route is /users/:id/mfa: mounted at /v1 itself, since a router under /users would
    // see the id in its base URL rather than the route's template.
    '': userMfaRouter({ mfaAccounts: services.mfaAccounts }, guard),
    '/auth/passkeys': passkeysRouter(services.passkeys, guard),
    '/auth/email': accountEmailRouter(services.accountEmail, guard),
    '/auth/password': passwordResetRouter(services.accountEmail, guard),
    '/jobs': deadLettersRouter(services, guard),
    '/webhooks': webhooksRouter(services, guard),
  };
}

const EXPOSED_HEADERS = ['X-Request-Id', 'Location', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];

/** The HTTP surface: health, REST /v1 and GraphQL, over one set of services. */
export async function createApp({ config, orm, services, readiness, logger, metrics }: AppDependencies): Promise<BuiltApp> {
  const reportUnexpected = (error: unknown, requestId?: string) => logger.error({ err: error, request_id: requestId }, 'Unexpected error');
  const isProduction = config.env === 'production';
  const sandbox = config.graphql.introspection && !isProduction;

  const schema = await buildGraphQLSchema(resolverContainer(services), services.rateLimits);
  const apollo = new ApolloServer<RequestContext>({
    schema,
    formatError: createFormatError(reportUnexpected),
    introspection: config.graphql.introspection,
    hideSchemaDetailsFromClientErrors: isProduction,
    parseOptions: { maxTokens: config.graphql.maxTokens },
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    // main.ts owns shutdown; Apollo's own signal handler would stop the server twice.
    stopOnTerminationSignals: false,
    plugins: [
      sandbox ? ApolloServerPluginLandingPageLocalDefault({ embed: true }) : ApolloServerPluginLandingPageDisabled(),
      queryLimitsPlugin(() => schema, config.graphql),
      // No type or field carries a cache hint, and every answer depends on who asks: the plugin
      // Apollo adds by default would only wrap every field resolver to compute "not cacheable".
      ApolloServerPluginCacheControlDisabled(),
      observabilityPlugin(metrics),
    ],
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  // Express would hash every body for a weak ETag (GraphQL's POST answers included), which no client
  // revalidates; the resources that have versions send their own strong ETag (src/http/etag.ts).
  app.set('etag', false);
  // One spelling per route (see canonicalRouter); set before the first route, which builds the app's router.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.set('trust proxy', config.trustProxy);
  app.use(requestIdAndLogging(logger));
  app.use(metrics.middleware());
  app.use(securityHeaders(isProduction));
  // Without allowed origins cors({ origin: false }) sets no header on any request, preflights
  // included, and only costs its per-request option handling: it is not mounted at all then.
  if (config.corsOrigins.length > 0) app.use(cors({ origin: config.corsOrigins, exposedHeaders: EXPOSED_HEADERS, maxAge: 600 }));
  app.use(healthRouter(readiness));
  if (config.metrics.port === undefined) app.use(metricsRouter(metrics, config.metrics.token, isProduction));
  app.use(express.json({ limit: config.bodyLimitBytes, type: ['application/json', 'application/*+json'] }));
  app.use(requestContext(orm, services.auth, reportUnexpected));

  // Before the /v1 routers and the pages, so a GraphQL request is not matched against every one of them first.
  app.use(
    '/graphql',
    (_req, res, next) => {
      res.locals.route = '/graphql';
      graphqlRequestScope.run({ requestId: res.locals.requestId as string }, next);
    },
    expressMiddleware(apollo, {
      context: async ({ res }) => {
        if (res.locals.tokenRefusal) throw tokenRefusal(res.locals.tokenRefusal as TokenRefusal);
        return res.locals.ctx as RequestContext;
      },
    }),
  );

  // Each route's first handler (the guard) answers bad tokens and picks the rate bucket of that route.
  const guard = routeGuard(services.rateLimits);
  const v1 = canonicalRouter();
  const restRouters = restRoutersOf(services, guard);
  for (const [prefix, router] of Object.entries(restRouters)) v1.use(prefix, router);
  v1.use(unmatchedGuard(services.rateLimits));
  app.use('/v1', v1);
  app.use(docsRouter());
  app.use(accountPagesRouter());
  // Mails written to DATA_DIR/mail (no SMTP_URL) are shown at /dev/mail; never in production.
  if (!isProduction && config.mail.smtpUrl === undefined) app.use(devMailRouter(config.dataDir));
  app.use(indexRouter({ development: !isProduction, sandbox }));
  // An IDE that works offline (Apollo Sandbox loads from the internet); development only, like Sandbox.
  if (!isProduction) app.use(graphiqlRouter());

  app.use(notFoundHandler);
  app.use(problemMiddleware({ reportUnexpected }));
  const restRoutes = Object.entries(restRouters).flatMap(([prefix, router]) => routesOf(`/v1${prefix}`, router));
  assertRoutesHaveOperations(restRoutes);
  return { app, apollo, restRoutes };
}
