import { DomainError } from '../../platform/errors/domain.errors';

/** A mailed link's token was refused; the subclass's code says why, the same through both doors. */
export abstract class OneTimeTokenError extends DomainError {}

/** No such token for this purpose (mistyped, truncated, made up, or meant for another flow). */
export class OneTimeTokenInvalidError extends OneTimeTokenError {
  readonly code = 'TOKEN_INVALID';

  constructor() {
    super('This link is not valid.');
  }
}

/** The token was used already (a second click, or the other of two parallel ones). */
export class OneTimeTokenUsedError extends OneTimeTokenError {
  readonly code = 'TOKEN_USED';

  constructor() {
    super('This link has already been used.');
  }
}

/** Past its lifetime, or replaced by a newer token, a password change or an e-mail change. */
export class OneTimeTokenExpiredError extends OneTimeTokenError {
  readonly code = 'TOKEN_EXPIRED';

  constructor(readonly reason: 'expired' | 'superseded') {
    super('This link has expired; ask for a new one.');
  }
}
