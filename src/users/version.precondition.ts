import { PreconditionFailedError, PreconditionRequiredError } from '../platform/errors/domain.errors';

/** "Only if the user is still at one of these versions" (REST If-Match, GraphQL expectedVersion). */
export interface VersionPrecondition {
  anyOf: number[];
}

/**
 * Checked on the row as locked in the transaction, after visibility and permission: a hidden user
 * stays a 404 and a forbidden change a 403, whatever precondition came (or did not). `required`
 * (REQUIRE_IF_MATCH) refuses a change that names no version, so no client can overwrite a change
 * it never saw; `If-Match: *` names none either.
 */
export function assertVersion(current: number, precondition: VersionPrecondition | undefined, required: boolean): void {
  if (!precondition && required) {
    throw new PreconditionRequiredError("This server only changes a user at a version you name: send If-Match with the user's ETag (REST) or expectedVersion (GraphQL).");
  }
  if (precondition && !precondition.anyOf.includes(current)) {
    throw new PreconditionFailedError(`The user has changed since (it is at version ${current}); read it again and retry.`);
  }
}

export function expectedVersion(version: number | null | undefined): VersionPrecondition | undefined {
  return version === undefined || version === null ? undefined : { anyOf: [version] };
}
