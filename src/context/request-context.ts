import type { EntityManager } from '@mikro-orm/postgresql';
import type { UserRole } from '../users/user-role';
import type { Loaders } from './loaders';

/** Who is calling, as proven by a verified access token. */
export interface Actor {
  id: string;
  username: string;
  role: UserRole;
  sessionId: string;
  tokenId: string;
  tokenExpiresAt: Date;
  /** How and when the user signed in (the token's `amr`, `auth_time`); absent on tokens from before MFA. */
  amr?: readonly string[];
  authTime?: number;
  /** MFA_REQUIRED_ROLES names the role and no second factor is enrolled: only enrolment may proceed. */
  mustEnrolMfa?: boolean;
}

/** Everything one request carries down the layers; built once per request. */
export interface RequestContext {
  actor: Actor | null;
  em: EntityManager;
  loaders: Loaders;
  requestId: string;
  ipAddress: string;
  userAgent: string;
  /**
   * Extra fields for the request's log line (the GraphQL operation name). An object, so the shallow
   * copy Apollo makes of the context still writes through to the request's own.
   */
  logFields: { operation?: string };
}
