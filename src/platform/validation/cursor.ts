import { Cursor } from '@mikro-orm/core';
import { ValidationError } from '../errors/domain.errors';
import { withOrmErrors } from '../errors/orm-error.translator';

/** Runs a cursor query; a cursor the ORM cannot decode is the caller's mistake, not a server fault. */
export async function withCursor<T>(after: string | undefined, query: () => Promise<T>): Promise<T> {
  if (after !== undefined && !isDecodable(after)) throw invalidCursor();
  try {
    return await withOrmErrors(query);
  } catch (error) {
    if (after !== undefined && error instanceof Error && /cursor/i.test(error.message)) {
      throw invalidCursor();
    }
    throw error;
  }
}

/** Garbage (not base64 JSON, or JSON that is not an array) fails inside the ORM with an unrelated message. */
function isDecodable(after: string): boolean {
  try {
    return Array.isArray(Cursor.decode(after));
  } catch {
    return false;
  }
}

function invalidCursor(): ValidationError {
  return new ValidationError([{ field: 'after', message: 'after is not a cursor of this listing' }]);
}
