import { redactDatabaseUrl } from './database.source';

/** Why a connection to PostgreSQL failed, in the terms an operator acts on. */
export type ConnectionProblem = 'unreachable' | 'credentials' | 'missing-database' | 'other';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);

/** The error, or the first of its causes / aggregated errors that carries a code. */
function codeOf(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 4) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown[] };
  if (typeof code === 'string') return code;
  for (const inner of [cause, ...(Array.isArray(errors) ? errors : [])]) {
    const found = codeOf(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export function connectionProblem(error: unknown): ConnectionProblem {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if ((code && NETWORK_CODES.has(code)) || /timeout acquiring a connection|connection terminated|timeout expired/i.test(message)) return 'unreachable';
  // SQLSTATE 28P01 invalid password, 28000 invalid authorization (no pg_hba entry, unknown role).
  if (code === '28P01' || code === '28000') return 'credentials';
  if (code === '3D000') return 'missing-database';
  return 'other';
}

/** Thrown by startServer when PostgreSQL cannot be reached or refuses us, before anything is served. */
export class DatabaseConnectError extends Error {
  readonly problem: ConnectionProblem;

  constructor(readonly databaseUrl: string, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'DatabaseConnectError';
    this.problem = connectionProblem(cause);
  }
}

/**
 * What to tell the person starting the service: which setting pointed where (password masked),
 * what went wrong and what to check.
 */
export function explainDatabaseFailure(error: DatabaseConnectError, source: { embedded: boolean }): string {
  const where = source.embedded ? `the embedded PostgreSQL (${redactDatabaseUrl(error.databaseUrl)})` : `DATABASE_URL=${redactDatabaseUrl(error.databaseUrl)}`;
  const { hostname, port } = new URL(error.databaseUrl);
  const address = `${hostname}:${port || 5432}`;
  switch (error.problem) {
    case 'unreachable':
      return source.embedded
        ? `PostgreSQL does not answer at ${where}: ${error.message}. It was started a moment ago; see the messages above, or delete DATA_DIR's postgres folder to start afresh.`
        : `PostgreSQL does not answer at ${where}: ${error.message}. Check that PostgreSQL runs and accepts TCP connections on ${address}, and that the host and port in DATABASE_URL are right (unset DATABASE_URL in development to use an embedded PostgreSQL).`;
    case 'credentials':
      return `PostgreSQL at ${where} refused the credentials: ${error.message}. Check the user name and password in DATABASE_URL, and that pg_hba.conf admits this user from this host.`;
    case 'missing-database':
      return `PostgreSQL at ${where} has no such database: ${error.message}. Create it, or leave MIGRATE_ON_START=true (the default), which creates it.`;
    default:
      return `Could not use PostgreSQL at ${where}: ${error.message}`;
  }
}
