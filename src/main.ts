// First of all: tracing must be running before express, pg, ioredis and graphql are required.
import { tracing } from './observability/tracing.bootstrap';
import 'reflect-metadata';
import { startServer } from './app/server';
import { ConfigError, loadConfig } from './config/config';

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
  const running = await startServer(config);
  running.logger.info(
    { graphql: `${running.url}/graphql`, rest: `${running.url}/v1/users`, health: `${running.url}/health`, tracing: tracing !== null },
    `User API listening on ${running.url} (GraphQL and Sandbox at /graphql, REST at /v1)`,
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
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
