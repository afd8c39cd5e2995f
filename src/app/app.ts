import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { MikroORM } from '@mikro-orm/postgresql';
import express, { type Express } from 'express';
import { GraphQLError } from 'graphql';
import type { Config } from '../config/config';
import type { RequestContext } from '../context/request-context';
import { DomainError } from '../errors/domain.errors';
import { createFormatError } from '../graphql/format-error';
import { buildGraphQLSchema } from '../graphql/schema';
import type { Logger } from '../observability/logger';
import { auditLogsRouter } from '../rest/audit-logs.router';
import { authRouter } from '../rest/auth.router';
import { healthRouter } from '../rest/health.router';
import { notFoundHandler, problemMiddleware } from '../rest/problem.middleware';
import { rejectInvalidToken, requestContext, requestIdAndLogging } from '../rest/request-context.middleware';
import { usersRouter } from '../rest/users.router';
import { rateLimitMiddleware } from '../rest/rate-limit.middleware';
import { resolverContainer, type Services } from './container';
import type { ReadinessCheck } from './readiness';

export interface AppDependencies {
  config: Config;
  orm: MikroORM;
  services: Services;
  readiness: ReadinessCheck;
  logger: Logger;
}

export interface BuiltApp {
  app: Express;
  apollo: ApolloServer<RequestContext>;
}

/** The HTTP surface: health, REST /v1 and GraphQL, over one set of services. */
export async function createApp({ config, orm, services, readiness, logger }: AppDependencies): Promise<BuiltApp> {
  const reportUnexpected = (error: unknown, requestId?: string) => logger.error({ err: error, request_id: requestId }, 'Unexpected error');
  const isProduction = config.env === 'production';

  const apollo = new ApolloServer<RequestContext>({
    schema: await buildGraphQLSchema(resolverContainer(services), services.rateLimits),
    formatError: createFormatError((error) => reportUnexpected(error)),
    introspection: !isProduction,
    plugins: [isProduction ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true })],
    csrfPrevention: true,
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(requestIdAndLogging(logger));
  app.use(healthRouter(readiness));
  app.use(express.json({ limit: config.bodyLimitBytes, type: ['application/json', 'application/*+json'] }));
  app.use(requestContext(orm, services.auth));

  const v1 = express.Router();
  v1.use(rejectInvalidToken);
  v1.use(rateLimitMiddleware(services.rateLimits));
  v1.use('/users', usersRouter({ users: services.users, sessions: services.sessions, passwords: services.passwords, auditQueries: services.auditQueries }));
  v1.use('/audit-logs', auditLogsRouter(services.auditQueries));
  v1.use('/auth', authRouter(services.auth));
  app.use('/v1', v1);

  app.use(
    '/graphql',
    expressMiddleware(apollo, {
      context: async ({ res }) => {
        const authError = res.locals.authError as unknown;
        if (authError) {
          const unauthenticated = authError instanceof DomainError && authError.code === 'UNAUTHENTICATED';
          throw new GraphQLError(unauthenticated ? (authError as Error).message : 'Authentication could not be checked.', {
            extensions: unauthenticated ? { code: 'UNAUTHENTICATED', http: { status: 401 } } : { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } },
          });
        }
        return res.locals.ctx as RequestContext;
      },
    }),
  );

  app.use(notFoundHandler);
  app.use(problemMiddleware({ reportUnexpected }));
  return { app, apollo };
}
