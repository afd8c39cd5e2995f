// Configuration first, before anything heavy is loaded: a bad variable is reported (exit 2) in the
// time it takes to start Node and zod, not after express, Apollo and MikroORM have been loaded.
import { type Config, ConfigError, loadConfig } from './platform/config/config';

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

const config = configOrExit();
// Before anything queues work on libuv's thread pool: libuv reads the size once, when the pool starts.
process.env.UV_THREADPOOL_SIZE = String(config.threadPoolSize);

// serve.ts starts tracing before it loads anything else (see src/platform/observability/tracing.bootstrap.ts).
import('./app/serve')
  .then(({ serve }) => serve(config))
  .catch(async (error: unknown) => {
    // Never the raw message: a driver error embeds its statement and parameters (a password hash).
    const { safeErrorMessage } = await import('./platform/errors/secret-redaction');
    process.stderr.write(`Failed to start: ${safeErrorMessage(error)}\n`);
    process.exit(1);
  });
