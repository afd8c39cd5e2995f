import { MalformedInputError } from '../errors/domain.errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function assertUuid(id: unknown, what = 'id'): string {
  if (typeof id !== 'string' || !UUID.test(id)) throw new MalformedInputError(`The ${what} is not a valid UUID.`);
  return id.toLowerCase();
}
