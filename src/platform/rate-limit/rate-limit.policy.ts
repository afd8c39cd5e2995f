/** What an operation costs against: credentials, new accounts, reads and writes. */
export type RateCategory = 'auth' | 'signup' | 'read' | 'write' | 'email';

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
  /** Mails a caller can make us send, per client IP. */
  emailPerIp: RateRule;
  /** The same mails per recipient address, whoever asks (see RateLimitService.consumeForAddress). */
  emailPerAddress: RateRule;
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
  const rule = ruleFor(category, caller.actor !== null, limits);
  if (category === 'auth' || category === 'signup' || category === 'email' || !caller.actor) return { key: `${category}:ip:${caller.ipAddress}`, rule };
  return { key: `${category}:user:${caller.actor.id}`, rule };
}

/** The limit a category holds a caller to: credentials and sign-ups per IP always, reads and writes per user once signed in. */
export function ruleFor(category: RateCategory, signedIn: boolean, limits: RateLimits): RateRule {
  if (category === 'auth') return limits.authPerIp;
  if (category === 'signup') return limits.signupPerIp;
  if (category === 'email') return limits.emailPerIp;
  if (category === 'read') return signedIn ? limits.readPerUser : limits.readPerIp;
  return signedIn ? limits.writePerUser : limits.writePerIp;
}
