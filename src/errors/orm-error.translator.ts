import { ConnectionException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { ConflictError, ServiceUnavailableError } from './domain.errors';

/** Unique index name -> the API field it protects. */
const uniqueFieldByConstraint: Record<string, string> = {
  users_username_lower_unique: 'username',
  users_email_lower_unique: 'email',
};

/** The one place where database failures become domain errors; anything unknown is passed through. */
export function translateOrmError(error: unknown): unknown {
  if (error instanceof UniqueConstraintViolationException) {
    const constraint = (error as { constraint?: string }).constraint ?? '';
    const field = uniqueFieldByConstraint[constraint] ?? Object.entries(uniqueFieldByConstraint).find(([name]) => error.message.includes(name))?.[1];
    return new ConflictError(field ? `A user with this ${field} already exists.` : 'The resource already exists.', field);
  }
  if (error instanceof ConnectionException) {
    return new ServiceUnavailableError('The database is unavailable.');
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
