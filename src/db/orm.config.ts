import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { entities } from '../entities';
import { migrationsList } from '../migrations';

export interface OrmSettings {
  databaseUrl: string;
  poolMax: number;
  debug?: boolean;
  /** Called with every SQL statement; tests count statements with it. */
  onQuery?: (sql: string) => void;
  /** Where the query builder's own warnings go (knex writes them to the console otherwise). */
  onDriverWarning?: (message: string) => void;
}

export function ormConfig(settings: OrmSettings): Options {
  return defineConfig({
    clientUrl: settings.databaseUrl,
    entities,
    extensions: [Migrator],
    // The list is compiled in, so migrations run the same from ts sources (tests) and from dist (production).
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false, silent: true },
    // While PostgreSQL is away a request fails within 5 s (503) instead of queueing for knex's default
    // 60 s; the pool replaces dead connections by itself once the database is back.
    pool: { min: 0, max: settings.poolMax, acquireTimeoutMillis: 5000, createTimeoutMillis: 5000 },
    forceUtcTimezone: true,
    debug: settings.onQuery ? ['query'] : (settings.debug ?? false),
    ...(settings.onQuery ? { logger: settings.onQuery, highlighter: undefined, colors: false } : {}),
    // knex reports connections that PostgreSQL dropped with console.log, a line outside the JSON log.
    ...(settings.onDriverWarning ? { driverOptions: { log: { warn: settings.onDriverWarning, error: settings.onDriverWarning, deprecate: settings.onDriverWarning } } } : {}),
    allowGlobalContext: false,
    ignoreUndefinedInQuery: true,
  });
}
