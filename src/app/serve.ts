// First of all: tracing must be running before express, pg, ioredis and graphql are required.
import { tracing } from '../platform/observability/tracing.bootstrap';
import 'reflect-metadata';
import type { Config } from '../platform/config/config';
import { DatabaseConnectError, explainDatabaseFailure } from '../platform/db/connection-failure';
import { openDatabaseSource } from '../platform/db/database.source';
import { createLogger, prettyDestination } from '../platform/observability/logger';
import { startServer } from './server';
import { printStartBanner } from './start-banner';

/**
 * The process around the server (src/main.ts, once the configuration is valid): the database
 * (DATABASE_URL or an embedded one), the server, the banner, and graceful shutdown on SIGTERM/SIGINT.
 */
export async function serve(config: Config): Promise<void> {
  const pretty = prettyDestination(config.env);
  const logger = createLogger(config.logLevel, pretty);
  // No DATABASE_URL: an embedded PostgreSQL in DATA_DIR; the server only ever sees a URL.
  const database = await openDatabaseSource(config, (message) => logger.warn(message));
  const running = await startServer({ ...config, databaseUrl: database.url }, { logger }).catch(async (error: unknown) => {
    await database.stop().catch(() => undefined);
    throw error instanceof DatabaseConnectError ? new Error(explainDatabaseFailure(error, database)) : error;
  });
  printStartBanner(
    running.logger,
    { listening: running.listening, config, database: database.description, firstAdminFile: running.firstAdminFile, tracing: tracing !== null },
    { pretty: pretty !== undefined, terminal: process.stderr.isTTY ? process.stderr : null },
  );

  let stopping = false;
  const shutdownTimeoutSeconds = config.shutdownTimeoutSeconds;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.logger.info({ signal, timeoutSeconds: shutdownTimeoutSeconds }, 'Shutting down');
    // Last resort should closing the pools or flushing traces hang: the drain plus 10 s, then exit 1.
    setTimeout(() => process.exit(1), (shutdownTimeoutSeconds + 10) * 1000).unref();
    // 0 when every in-flight request finished; 1 when the timeout cut some (close() logs it).
    let exitCode = 0;
    running
      .close()
      .then(({ drained }) => {
        if (!drained) exitCode = 1;
      })
      // Only once the pool is closed: the embedded PostgreSQL would otherwise end its sessions under it.
      .then(() => database.stop().catch((error: unknown) => running.logger.warn({ err: error }, 'Could not stop the embedded PostgreSQL')))
      // Then flush the spans of the last requests (bounded: a collector that is down cannot hold us).
      .then(() =>
        tracing?.shutdown().then(
          (flushed) => flushed || running.logger.warn('Gave up flushing traces: the collector did not answer in time'),
          (error: unknown) => running.logger.warn({ err: error }, 'Could not flush traces'),
        ),
      )
      .then(
        () => process.exit(exitCode),
        (error) => {
          running.logger.error({ err: error }, 'Shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
