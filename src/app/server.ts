import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../platform/config/config';
import { DatabaseConnectError } from '../platform/db/connection-failure';
import { connectDatabase, ensureDatabaseExists, migrate, type Orm } from '../platform/db/database';
import type { OrmSettings } from '../platform/db/orm.config';
import { replicaProbes, replicaUrlsOf } from '../platform/db/replica.router';
import { createLogger, type Logger, prettyDestination } from '../platform/observability/logger';
import { Metrics } from '../platform/observability/metrics';
import { openRedis, type RedisClient } from '../platform/redis/redis.client';
import { createApp } from './http-app';
import { answerParserErrorsWithProblems } from '../http/client-error.handler';
import { ensureBootstrapAdmin, ensureGeneratedAdmin } from '../users/bootstrap-admin';
import { createServices, type Services } from './container';
import { createReadinessCheck } from '../platform/readiness';
import type { ListenAddress } from './start-banner';
import { RedisTrust } from '../auth/revocation/redis-trust';
import { RevocationEpoch } from '../auth/revocation/revocation-epoch';
import { ConflictError } from '../platform/errors/domain.errors';
import { createBackgroundJobs } from './background-jobs';

export interface RunningServer {
  /** Where this machine reaches it (loopback when it listens everywhere). */
  url: string;
  /** What it listens on: the configured HOST and the bound port. */
  listening: ListenAddress;
  restRoutes: { method: string; path: string }[];
  metricsUrl?: string;
  server: Server;
  orm: MikroORM;
  /** Null when no Redis is configured (state kept in process). */
  redis: RedisClient | null;
  services: Services;
  logger: Logger;
  /** The generated first admin's credentials file, when this start created it. */
  firstAdminFile?: string;
  /**
   * Stops accepting, lets in-flight requests finish (at most SHUTDOWN_TIMEOUT, then their
   * connections are cut), then closes the pools. Calling it again returns the same promise.
   */
  close(): Promise<ShutdownOutcome>;
}

export interface ShutdownOutcome {
  /** False when the timeout ran out and open connections were destroyed. */
  drained: boolean;
}

export interface StartOptions {
  logger?: Logger;
  /** Sees every SQL statement (tests count them). */
  onQuery?: (sql: string) => void;
}

/** /metrics on its own port, for scrapers inside the network only. */
async function listenMetrics(metrics: Metrics, port: number, host: string): Promise<Server> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const server = app.listen(port, host);
  await once(server, 'listening');
  return server;
}

/** The responses in progress, so that a shutdown can tell each it is the last on its connection. */
function trackResponses(server: Server): Set<ServerResponse> {
  const inFlight = new Set<ServerResponse>();
  server.on('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  return inFlight;
}

/**
 * Stops accepting connections and lets in-flight requests finish. Idle keep-alive connections are
 * closed at once; every response in progress, and any request still arriving on an open connection
 * (/ready then says 503), is the last on its connection. Whatever is open after `timeoutMs` is
 * destroyed. Resolves true when everything finished in time.
 */
async function drain(server: Server, inFlight: Set<ServerResponse>, timeoutMs: number): Promise<boolean> {
  const lastOnItsConnection = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
    // Its headers already promised keep-alive: close the connection as soon as it falls idle.
    else res.once('finish', () => setImmediate(() => server.closeIdleConnections()));
  };
  inFlight.forEach(lastOnItsConnection);
  server.prependListener('request', (_req, res) => lastOnItsConnection(res));
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const drained = await Promise.race([closed.then(() => true as const), timedOut]);
  clearTimeout(timer);
  if (!drained) {
    server.closeAllConnections();
    await closed;
  }
  return drained;
}

/** Creates the database when asked to, and connects; a failure to reach PostgreSQL is a DatabaseConnectError. */
async function openDatabase(settings: OrmSettings, createIfMissing: boolean): Promise<Orm> {
  try {
    if (createIfMissing) await ensureDatabaseExists(settings);
    const orm = await connectDatabase(settings);
    // MikroORM connects lazily on some paths: make sure a connection is really made before going on.
    await orm.em.getConnection().execute('select 1');
    return orm;
  } catch (error) {
    throw new DatabaseConnectError(settings.databaseUrl, error);
  }
}

/**
 * Connections the kernel may queue before the server accepts them. Node's default (511) overflows
 * when a thousand clients connect at once (a restart behind a load balancer, a reconnect storm):
 * dropped SYNs are retried after 1, 3, 7 s, which clients see as multi-second stalls or timeouts.
 * The kernel caps it at net.core.somaxconn.
 */
const LISTEN_BACKLOG = 4096;

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel, prettyDestination(config.env));
  // main.ts and the scripts turn an unset DATABASE_URL into an embedded PostgreSQL before this point.
  if (config.databaseUrl === undefined) throw new Error('startServer needs config.databaseUrl');
  const dbSettings = {
    databaseUrl: config.databaseUrl,
    poolMax: config.dbPoolMax,
    onQuery: options.onQuery,
    onDriverWarning: (message: string) => logger.warn({ component: 'database-driver' }, message),
    replicaUrls: replicaUrlsOf(config),
  };
  const orm = await openDatabase(dbSettings, config.migrateOnStart);
  if (config.migrateOnStart) {
    const applied = await migrate(orm);
    if (applied.length > 0) logger.info({ migrations: applied }, 'Applied migrations');
  }
  const connections = await openRedis(config, logger);
  const redis = connections?.redis ?? null;
  const epoch = new RevocationEpoch((sql, params) => orm.em.getConnection().execute(sql, params as unknown[]), { databaseUrl: config.databaseUrl, pollSeconds: config.revocationEpochPollSeconds }, logger);
  await epoch.start();
  const trust = redis ? new RedisTrust(redis, epoch, logger) : null;
  await trust?.start();
  const jobs = createBackgroundJobs(config, config.databaseUrl, logger);
  const services = createServices(config, { redis: connections, logger, revocation: { epoch, trust }, jobs: jobs.queue, eventRelay: jobs.eventRelay, webhookDeliveries: jobs.webhookDeliveries });
  // Before the first admin is created: its transaction may enqueue mail.
  await jobs.start(services, orm);
  await services.listenForInvalidations();
  let firstAdminFile: string | undefined;
  try {
    if (config.bootstrapAdmin && (await ensureBootstrapAdmin(orm, services, config.bootstrapAdmin))) {
      logger.info({ username: config.bootstrapAdmin.username }, 'Created the first admin');
    }
    if (!config.bootstrapAdmin && config.generatedAdmin && (await ensureGeneratedAdmin(orm, services, config.generatedAdmin))) {
      firstAdminFile = config.generatedAdmin.credentialsFile;
      // Where the password is, never the password.
      logger.info({ username: config.generatedAdmin.username, credentialsFile: firstAdminFile }, 'Created the first admin with a generated password');
    }
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    // The API still serves; an operator recovers with the admin commands instead of a crash loop.
    logger.error(
      { field: error.field },
      `Could not create the first admin: ${error.message} Choose other ADMIN_USERNAME/ADMIN_EMAIL, or recover with npm run admin:create (a new admin) or npm run admin:reset-password (an existing account).`,
    );
  }

  let shuttingDown = false;
  const readiness = createReadinessCheck(orm, redis, () => shuttingDown, replicaProbes(orm), { redisEssential: config.rateLimit.failClosed && config.rateLimit.enabled });
  let server: Server | undefined;
  const metrics = new Metrics({
    orm,
    server: () => server,
    cacheStats: services.userCache.stats,
    rateLimitRejections: () => services.rateLimits.rejections,
    redisFailures: services.failures.counts,
    auditEvents: services.auditStream.committed,
    databaseReads: services.replicaReads.counts,
    subscriberFailures: services.events.failures,
    passwordHashes: () => services.hasher.queue,
  });
  jobs.instrument(metrics.registry);
  const { app, apollo, restRoutes } = await createApp({ config, orm, services, readiness, logger, metrics });
  const listening = createServer(
    {
      // Node's 5 s default closes connections that a load balancer (AWS ALB: 60 s) or a pooling
      // client still counts as open; their next request then races the close and fails. Headers
      // must still arrive within the time a request may take to start, a little longer than that.
      keepAliveTimeout: config.keepAliveTimeoutSeconds * 1000,
      headersTimeout: (config.keepAliveTimeoutSeconds + 1) * 1000,
    },
    app,
  ).listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG });
  server = listening;
  answerParserErrorsWithProblems(listening);
  const inFlight = trackResponses(listening);
  await once(listening, 'listening');
  const { port } = listening.address() as AddressInfo;
  const metricsServer = config.metrics.port !== undefined ? await listenMetrics(metrics, config.metrics.port, config.host) : undefined;

  const purgeTimer = setInterval(() => {
    services.sessions.purgeExpired(orm.em.fork()).then(
      (purged) => purged > 0 && logger.info({ purged }, 'Purged expired sessions'),
      (error) => logger.warn({ err: error }, 'Could not purge expired sessions'),
    );
    // Links past their life are kept a day for their "expired" and "used" answers, then go.
    services.oneTimeTokens.purgeExpired(orm.em.fork()).then(
      (purged) => purged > 0 && logger.info({ purged }, 'Purged expired e-mail link tokens'),
      (error) => logger.warn({ err: error }, 'Could not purge expired e-mail link tokens'),
    );
  }, config.sessionPurgeIntervalSeconds * 1000);
  purgeTimer.unref();

  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  let closing: Promise<ShutdownOutcome> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    listening: { host: config.host, port },
    restRoutes,
    metricsUrl: metricsServer ? `http://${host}:${(metricsServer.address() as AddressInfo).port}/metrics` : undefined,
    server: listening,
    orm,
    redis,
    services,
    logger,
    firstAdminFile,
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        clearInterval(purgeTimer);
        metricsServer?.close();
        const drained = await drain(listening, inFlight, config.shutdownTimeoutSeconds * 1000);
        if (!drained) logger.error({ timeoutSeconds: config.shutdownTimeoutSeconds }, 'Requests still running at the shutdown timeout; cut their connections');
        await apollo.stop();
        await jobs.stop(config.shutdownTimeoutSeconds * 1000);
        await epoch.stop();
        await orm.close(true);
        connections?.redis.disconnect();
        connections?.subscriber.disconnect();
        return { drained };
      })();
      return closing;
    },
  };
}
