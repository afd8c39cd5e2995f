import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '../platform/errors/domain.errors';

/** A login whose password was right, for a user with MFA on: no tokens yet, a challenge instead. */
export interface MfaRequired {
  mfaRequired: true;
  /** Finishes the login at POST /v1/auth/mfa/verify (GraphQL verifyMfa); 5 minutes, single use. */
  mfaToken: string;
  methods: string[];
  expiresIn: number;
}

/**
 * What a login asks of the second factor (implemented in src/mfa), so that auth/ need not know how
 * factors are stored or challenged.
 */
export interface SecondFactorPort {
  /** The second factors the user can answer with; empty: MFA is off for them. */
  methodsFor(em: EntityManager, userId: string): Promise<string[]>;
  /** Starts the second step; `authTimeMs`: when the password was proven. */
  challenge(userId: string, methods: string[], authTimeMs: number): Promise<MfaRequired>;
}

/** For tools and tests that sign in without MFA. */
export const noSecondFactor: SecondFactorPort = {
  methodsFor: async () => [],
  challenge: async () => {
    throw new Error('No second factor is configured.');
  },
};

/**
 * GraphQL `login` predates MFA and answers AuthPayload; its existing clients cannot select a union
 * member. For an account with MFA on it answers this error (extensions.code MFA_REQUIRED, with the
 * challenge), and `signIn` answers the same challenge as a union member.
 */
export class MfaRequiredError extends DomainError {
  readonly code = 'MFA_REQUIRED';

  constructor(readonly challenge: MfaRequired) {
    super('This account has a second factor: finish the sign-in with verifyMfa and the mfaToken.');
  }
}
