import { PreconditionFailedError } from '../errors/domain.errors';

/** "Only if the user is still at one of these versions" (REST If-Match, GraphQL expectedVersion). */
export interface VersionPrecondition {
  anyOf: number[];
}

/** Checked on the row as locked in the transaction, after visibility: a hidden user stays a 404. */
export function assertVersion(current: number, precondition: VersionPrecondition | undefined): void {
  if (precondition && !precondition.anyOf.includes(current)) {
    throw new PreconditionFailedError(`The user has changed since (it is at version ${current}); read it again and retry.`);
  }
}

export function expectedVersion(version: number | null | undefined): VersionPrecondition | undefined {
  return version === undefined || version === null ? undefined : { anyOf: [version] };
}
