import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/postgresql';
import type Redis from 'ioredis';
import type { Config } from '../config/config';
import { connectDatabase, ensureDatabaseExists, migrate } from '../db/database';
import { createLogger, type Logger } from '../observability/logger';
import { createRedis, waitForRedis } from '../redis/redis.client';
import { createApp } from './app';
import { ensureBootstrapAdmin } from './bootstrap-admin';
import { createServices, type Services } from './container';
import { createReadinessCheck } from './readiness';

export interface RunningServer {
  url: string;
  server: Server;
  orm: MikroORM;
  redis: Redis;
  services: Services;
  logger: Logger;
  /** Stops accepting, lets in-flight requests finish, then closes the pools. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Sees every SQL statement (tests count them). */
  onQuery?: (sql: string) => void;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const dbSettings = { databaseUrl: config.databaseUrl, poolMax: config.dbPoolMax, onQuery: options.onQuery };
  if (config.migrateOnStart) await ensureDatabaseExists(dbSettings);
  const orm = await connectDatabase(dbSettings);
  if (config.migrateOnStart) {
    const applied = await migrate(orm);
    if (applied.length > 0) logger.info({ migrations: applied }, 'Applied migrations');
  }
  const redis = createRedis(config.redisUrl, config.redisKeyPrefix);
  const subscriber = createRedis(config.redisUrl, config.redisKeyPrefix);
  // Connection errors are reported where a command fails; the client reconnects by itself.
  redis.on('error', () => undefined);
  subscriber.on('error', () => undefined);
  if (!(await waitForRedis(redis))) logger.warn('Redis is not reachable; starting degraded');
  const services = createServices(config, { redis, subscriber, logger });
  await services.userCache.start();
  orm.em.getEventManager().registerSubscriber(services.auditStream);
  if (config.bootstrapAdmin && (await ensureBootstrapAdmin(orm, services.hasher, config.bootstrapAdmin))) {
    logger.info({ username: config.bootstrapAdmin.username }, 'Created the first admin');
  }

  let shuttingDown = false;
  const readiness = createReadinessCheck(orm, redis, () => shuttingDown);
  const { app, apollo } = await createApp({ config, orm, services, readiness, logger });
  const server = app.listen(config.port, config.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const purgeTimer = setInterval(() => {
    services.sessions.purgeExpired(orm.em.fork()).then(
      (purged) => purged > 0 && logger.info({ purged }, 'Purged expired sessions'),
      (error) => logger.warn({ err: error }, 'Could not purge expired sessions'),
    );
  }, config.sessionPurgeIntervalSeconds * 1000);
  purgeTimer.unref();

  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return {
    url: `http://${host}:${port}`,
    server,
    orm,
    redis,
    services,
    logger,
    async close() {
      shuttingDown = true;
      clearInterval(purgeTimer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await apollo.stop();
      await orm.close(true);
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}
