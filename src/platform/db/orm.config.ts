import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { entities } from '../../entities';
import { migrationsList } from '../../migrations';

export interface OrmSettings {
  databaseUrl: string;
  poolMax: number;
  debug?: boolean;
  /** Called with every SQL statement; tests count statements with it. */
  onQuery?: (sql: string) => void;
  /** Where the query builder's own warnings go (knex writes them to the console otherwise). */
  onDriverWarning?: (message: string) => void;
  /** Streaming replicas for the reads that may lag (src/platform/db/replica.router.ts); none by default. */
  replicaUrls?: string[];
}

/** The name a replica goes by in logs, metrics and /ready. */
export function replicaName(index: number): string {
  return `replica-${index + 1}`;
}

/** A replica URL without a database name reads the primary's database, as a replica must. */
function replicaUrl(url: string, primaryUrl: string): string {
  const parsed = new URL(url);
  if (parsed.pathname === '' || parsed.pathname === '/') parsed.pathname = new URL(primaryUrl).pathname;
  return parsed.toString();
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
    replicas: (settings.replicaUrls ?? []).map((url, index) => ({ name: replicaName(index), clientUrl: replicaUrl(url, settings.databaseUrl) })),
    // Deny by default: every read goes to the primary unless its caller asks for a replica
    // (ReplicaRouter), so a read nobody thought about can never see a stale session or password.
    preferReadReplicas: false,
  });
}
