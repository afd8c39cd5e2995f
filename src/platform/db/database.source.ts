import { isAbsolute, relative, resolve } from 'node:path';
import { EMBEDDED_POSTGRES_MAJOR, EmbeddedPostgres } from './embedded-postgres';

/** The database the app uses, where it came from, and how to let it go. */
export interface DatabaseSource {
  url: string;
  /** For logs and the start banner: never the password. */
  description: string;
  embedded: boolean;
  /** Stops the embedded server; nothing for a database someone else runs. */
  stop(): Promise<void>;
}

/** The application's database on an embedded cluster. */
export const EMBEDDED_DATABASE_NAME = 'user_api';

/** A postgres:// URL as it may be shown: the password replaced by `***`. */
export function redactDatabaseUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** A path as a person at this terminal would type it: relative when under the working directory. */
export function displayPath(path: string): string {
  const fromCwd = relative(process.cwd(), resolve(path));
  return fromCwd && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? `./${fromCwd}` : resolve(path);
}

/**
 * DATABASE_URL when set; otherwise an embedded PostgreSQL in DATA_DIR, started here, so that
 * everything downstream only ever sees a URL.
 */
export async function openDatabaseSource(
  settings: { databaseUrl?: string; dataDir: string },
  warn: (message: string) => void,
): Promise<DatabaseSource> {
  if (settings.databaseUrl !== undefined) {
    return { url: settings.databaseUrl, description: redactDatabaseUrl(settings.databaseUrl), embedded: false, stop: async () => undefined };
  }
  const embedded = new EmbeddedPostgres({ dataDir: settings.dataDir, warn });
  if (embedded.relocatedBecause) warn(`The embedded PostgreSQL lives in ${embedded.clusterDir}: ${embedded.relocatedBecause}`);
  const url = await embedded.start(EMBEDDED_DATABASE_NAME);
  return {
    url,
    description: `embedded PostgreSQL ${EMBEDDED_POSTGRES_MAJOR} in ${displayPath(embedded.clusterDir)}${embedded.relocatedBecause ? ` (outside DATA_DIR: ${embedded.relocatedBecause})` : ''}`,
    embedded: true,
    stop: () => embedded.stop(),
  };
}
