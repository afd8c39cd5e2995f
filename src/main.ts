// First of all: tracing must be running before express, pg, ioredis and graphql are required.
import { tracing } from './observability/tracing.bootstrap';
import 'reflect-metadata';
import { startServer } from './app/server';
import { startBanner } from './app/start-banner';
import { ConfigError, loadConfig } from './config/config';
import { openDatabaseSource } from './db/database.source';
import { createLogger, prettyDestination } from './observability/logger';
import { safeErrorMessage } from './errors/secret-redaction';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, prettyDestination(config.env));
  // No DATABASE_URL: an embedded PostgreSQL in DATA_DIR; the server only ever sees a URL.
  const database = await openDatabaseSource(config, (message) => logger.warn(message));
  const running = await startServer({ ...config, databaseUrl: database.url }, { logger }).catch(async (error: unknown) => {
    await database.stop().catch(() => undefined);
    throw error;
  });
  const banner = startBanner({ url: running.url, config, database: database.description, firstAdminFile: running.firstAdminFile });
  running.logger.info({ banner: { ...banner.fields, tracing: tracing !== null } }, banner.message);

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

main().catch((error) => {
  // Never the raw message: a driver error embeds its statement and parameters (a password hash).
  process.stderr.write(`Failed to start: ${safeErrorMessage(error)}\n`);
  process.exit(1);
});
