/** What an operation costs against: credentials, new accounts, reads and writes. */
export type RateCategory = 'auth' | 'signup' | 'read' | 'write';

export interface RateRule {
  limit: number;
  windowSeconds: number;
}

/** The seed's limits: per client IP for anonymous callers, per user once signed in. */
export interface RateLimits {
  authPerIp: RateRule;
  signupPerIp: RateRule;
  readPerIp: RateRule;
  writePerIp: RateRule;
  readPerUser: RateRule;
  writePerUser: RateRule;
}

export interface RateCaller {
  /** Only the actor's id: the platform does not know who users are, only whom to count. */
  actor: { id: string } | null;
  ipAddress: string;
}

export interface RateBucket {
  key: string;
  rule: RateRule;
}

/**
 * The one mapping from (category, caller) to a bucket, used by the REST middleware and the GraphQL
 * directive alike, so an operation costs the same through either door.
 */
export function bucketFor(category: RateCategory, caller: RateCaller, limits: RateLimits): RateBucket {
  if (category === 'auth') return { key: `auth:ip:${caller.ipAddress}`, rule: limits.authPerIp };
  if (category === 'signup') return { key: `signup:ip:${caller.ipAddress}`, rule: limits.signupPerIp };
  if (caller.actor) {
    return { key: `${category}:user:${caller.actor.id}`, rule: category === 'read' ? limits.readPerUser : limits.writePerUser };
  }
  return { key: `${category}:ip:${caller.ipAddress}`, rule: category === 'read' ? limits.readPerIp : limits.writePerIp };
}
