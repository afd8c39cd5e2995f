import { ValidationError } from '../errors/domain.errors';
import { withOrmErrors } from '../errors/orm-error.translator';

/** Runs a cursor query; a cursor the ORM cannot decode is the caller's mistake, not a server fault. */
export async function withCursor<T>(after: string | undefined, query: () => Promise<T>): Promise<T> {
  try {
    return await withOrmErrors(query);
  } catch (error) {
    if (after !== undefined && error instanceof Error && /cursor/i.test(error.message)) {
      throw new ValidationError([{ field: 'after', message: 'after is not a cursor of this listing' }]);
    }
    throw error;
  }
}
