import { ConnectionException, DriverException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { safeErrorMessage } from './secret-redaction';
import { ConflictError, ServiceUnavailableError } from './domain.errors';

/** Unique index name -> the API field it protects. */
const uniqueFieldByConstraint: Record<string, string> = {
  users_username_lower_unique: 'username',
  users_email_key_unique: 'email',
};

/**
 * "The database cannot be reached right now", whether it surfaces raw (pg, knex) or wrapped in a
 * MikroORM DriverException (which copies `code`): socket errors, PostgreSQL's connection-exception
 * class 08, 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now: a restart), 53300 (too
 * many connections), and the pool's own timeout.
 */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_MESSAGES = /Connection terminated|Connection ended unexpectedly|is not queryable|Timeout acquiring a connection/i;

export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof ConnectionException) return true;
  // Duck-typed: socket errors are made by Node's core, whose Error is not always this realm's (jest).
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
}

/** The one place where database failures become domain errors; anything unknown is passed through. */
export function translateOrmError(error: unknown): unknown {
  if (error instanceof UniqueConstraintViolationException) {
    const constraint = (error as { constraint?: string }).constraint ?? '';
    const field = uniqueFieldByConstraint[constraint] ?? Object.entries(uniqueFieldByConstraint).find(([name]) => error.message.includes(name))?.[1];
    return new ConflictError(field ? `A user with this ${field} already exists.` : 'The resource already exists.', field);
  }
  if (isConnectionFailure(error)) {
    return new ServiceUnavailableError('The database is unavailable.');
  }
  // Anything else from the driver goes on as an unknown error, but without the statement and its
  // parameters (a password hash, an e-mail) in its message: whoever logs or prints it sees the reason only.
  if (error instanceof DriverException) {
    const sanitized = new Error(safeErrorMessage(error));
    sanitized.name = error.name;
    return Object.assign(sanitized, { code: error.code, cause: undefined });
  }
  return error;
}

/** Runs a unit of work and rethrows database errors as domain errors. */
export async function withOrmErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translateOrmError(error);
  }
}
