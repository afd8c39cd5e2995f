import type { MikroORM } from '@mikro-orm/postgresql';
import { type Config, ConfigError } from '../platform/config/config';
import { connectDatabase, ensureDatabaseExists } from '../platform/db/database';
import { openDatabaseSource } from '../platform/db/database.source';

/**
 * Runs an operator command against the configured database (or the embedded one), and always
 * closes what it opened, whether the work succeeds or throws.
 */
export async function withDatabase<T>(config: Config, work: (orm: MikroORM) => Promise<T>, options: { create?: boolean } = {}): Promise<T> {
  const database = await openDatabaseSource(config, (message) => process.stderr.write(`${message}\n`));
  try {
    const settings = { databaseUrl: database.url, poolMax: 2 };
    if (options.create) await ensureDatabaseExists(settings);
    const orm = await connectDatabase(settings);
    try {
      return await work(orm);
    } finally {
      await orm.close(true);
    }
  } finally {
    await database.stop();
  }
}

/** The exit of every operator command: a configuration error is its message, anything else its stack. */
export function runScript(main: () => Promise<void>): void {
  main().catch((error) => {
    process.stderr.write(`${error instanceof ConfigError ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
